// Seeds a small, deterministic data set through Kysely inserts: enough for the walking skeleton's
// load test. (The seeding issue replaces the engine with COPY and adds the stress profile; the
// entry point `seedDatabase` and its options stay.)
import { Faker, en } from '@faker-js/faker';
import { sql, type Kysely } from 'kysely';
import { MEMBER_CLASSIFICATIONS, ORG_TYPES } from '../server/domain/enums';
import { usingDatabase } from '../server/db/database';
import type { Database, NewEmployment, NewMember } from '../server/db/schema';
import { DATA_TABLES } from '../server/db/schema';

export interface SeedOptions {
  profile: 'dev';
  seed: number;
  truncate: boolean;
  log?: (line: string) => void;
}

export interface SeedSummary {
  rows: Record<string, number>;
  seconds: number;
}

export async function isDatabaseEmpty(db: Kysely<Database>): Promise<boolean> {
  const r = await sql<{ n: number }>`select (select count(*) from members) + (select count(*) from organizations) as n`.execute(db);
  return Number(r.rows[0]?.n ?? 0) === 0;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

export async function seedDatabase(url: string, opts: SeedOptions): Promise<SeedSummary> {
  const t0 = performance.now();
  const faker = new Faker({ locale: [en] });
  faker.seed(opts.seed);
  return usingDatabase(url, async (db) =>
    db.transaction().execute(async (trx) => {
      if (opts.truncate) await sql.raw(`truncate ${DATA_TABLES.join(', ')} restart identity cascade`).execute(trx);
      else if (!(await isDatabaseEmpty(trx))) throw new Error('database already has data (use --truncate to replace it)');
      const rows: Record<string, number> = {};
      const orgs = await trx
        .insertInto('organizations')
        .values(
          Array.from({ length: 40 }, (_, i) => ({
            name: `${faker.company.name()} ${i < 36 ? 'Electric' : 'Training'}`,
            org_type: i < 36 ? ('employer' as const) : ORG_TYPES[1 + (i % 3)]!,
            city: faker.location.city(),
            state: faker.location.state({ abbreviated: true }),
          })),
        )
        .returning(['id', 'org_type'])
        .execute();
      rows.organizations = orgs.length;
      const contacts = orgs.flatMap((o) =>
        Array.from({ length: faker.number.int({ min: 2, max: 4 }) }, (_, i) => ({
          organization_id: o.id,
          first_name: faker.person.firstName(),
          last_name: faker.person.lastName(),
          title: faker.person.jobTitle(),
          is_primary: i === 0,
        })),
      );
      await trx.insertInto('organization_contacts').values(contacts).execute();
      rows.organization_contacts = contacts.length;
      const employers = orgs.filter((o) => o.org_type === 'employer').map((o) => o.id);
      const members: NewMember[] = Array.from({ length: 500 }, (_, i) => {
        const dob = faker.date.between({ from: '1960-01-01', to: '2002-01-01' });
        const hire = new Date(dob.getTime() + faker.number.int({ min: 18 * 365, max: 30 * 365 }) * 86_400_000);
        return {
          member_number: `D${String(i + 1).padStart(6, '0')}`,
          first_name: faker.person.firstName(),
          last_name: faker.person.lastName(),
          date_of_birth: iso(dob),
          hire_date: iso(hire < new Date() ? hire : new Date()),
          classification: faker.helpers.arrayElement(MEMBER_CLASSIFICATIONS),
          city: faker.location.city(),
          email: faker.internet.email().toLowerCase(),
        };
      });
      const memberRows = await trx.insertInto('members').values(members).returning(['id', 'hire_date']).execute();
      rows.members = memberRows.length;
      const jobs: NewEmployment[] = [];
      const today = Date.now();
      for (const m of memberRows) {
        let start = new Date(`${m.hire_date}T00:00:00Z`).getTime();
        const n = faker.number.int({ min: 1, max: 6 });
        for (let j = 0; j < n && start < today; j++) {
          const last = j === n - 1;
          const end = last ? null : Math.min(today, start + faker.number.int({ min: 60, max: 1500 }) * 86_400_000);
          jobs.push({
            member_id: m.id,
            organization_id: faker.helpers.arrayElement(employers),
            job_title: 'Electrician',
            start_date: iso(new Date(start)),
            end_date: end === null ? null : iso(new Date(end)),
            hourly_rate: faker.number.float({ min: 20, max: 90, fractionDigits: 2 }),
          });
          if (end === null) break;
          start = end + 86_400_000;
        }
      }
      for (let i = 0; i < jobs.length; i += 1000) await trx.insertInto('member_employments').values(jobs.slice(i, i + 1000)).execute();
      rows.member_employments = jobs.length;
      const seconds = (performance.now() - t0) / 1000;
      opts.log?.(`seeded ${Object.entries(rows).map(([k, v]) => `${k} ${v}`).join(', ')} in ${seconds.toFixed(2)} s`);
      return { rows, seconds };
    }),
  );
}
