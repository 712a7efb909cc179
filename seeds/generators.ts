// Deterministic row generators for every seeded table. A plan (careers, organizations, cohorts) is
// made first from the seed; each table's rows are then produced lazily, in id order, from the plan
// and the table's own random stream, so the same seed and as-of date always give the same bytes.
//
// Ids: every row carries its id explicitly (1..n in generation order). COPY writes supplied values
// into `generated always as identity` columns (as INSERT … OVERRIDING SYSTEM VALUE would); the
// seeder then moves each identity sequence past the largest id. So ids never depend on the state
// of a sequence, and foreign keys are known while generating.
import { Faker, en } from '@faker-js/faker';
import type { FileOwnerType, MemberClassification, MemberStatus, StudentStatus } from '../server/domain/enums';
import { HOURLY_RATE_MAX, HOURLY_RATE_MIN, MEMBER_CLASSIFICATIONS, MEMBER_STATUSES } from '../server/domain/enums';
import { DAYS_PER_YEAR, dayToIso, timestampAt, yearOf } from './calendar';
import type { CopyValue, TableSource } from './copy-writer';
import { fileContent, generateFile, type GeneratedFile } from './file-kinds';
import type { Profile } from './profiles';
import { hash32, Random } from './random';

export interface GenerateOptions {
  seed: number;
  profile: Profile;
  /** The day histories run up to ("today" of the data set), as a day number. */
  asOfDay: number;
  /** With --with-files: stores content and returns what to record. */
  fileSink?: FileSink;
}

export interface FileSink {
  /** Store `content`; return its sha256 and storage key. */
  store(content: Buffer): { sha256: string; storageKey: string };
  /** Content size for a nominal size (file-scale applied). */
  scaledSize(nominalBytes: number): number;
}

type Row = CopyValue[];

const MEMBER_STATUS_WEIGHTS: [MemberStatus, number][] = [
  ['active', 80],
  ['inactive', 6],
  ['suspended', 2],
  ['retired', 9],
  ['deceased', 3],
];
const JOURNEY_CLASSIFICATIONS: [MemberClassification, number][] = [
  ['journeyman', 78],
  ['residential_wireman', 9],
  ['installer_technician', 6],
  ['lineman', 7],
];
/** Plan codes index the domain's enum lists (their order is part of the seed's byte-for-byte output). */
const CLASSIFICATION_CODE: readonly MemberClassification[] = MEMBER_CLASSIFICATIONS;
const STATUS_CODE: readonly MemberStatus[] = MEMBER_STATUSES;

/** Where the local's members live (IBEW Local 46's jurisdiction and neighbours): city, ZIP prefix, area code. */
const PLACES: [string, string, string, string, number][] = [
  ['Seattle', 'WA', '981', '206', 30],
  ['Tacoma', 'WA', '984', '253', 8],
  ['Kent', 'WA', '980', '253', 6],
  ['Renton', 'WA', '980', '425', 5],
  ['Bellevue', 'WA', '980', '425', 5],
  ['Everett', 'WA', '982', '425', 5],
  ['Auburn', 'WA', '980', '253', 4],
  ['Federal Way', 'WA', '980', '253', 4],
  ['Bremerton', 'WA', '983', '360', 4],
  ['Port Orchard', 'WA', '983', '360', 3],
  ['Silverdale', 'WA', '983', '360', 2],
  ['Port Angeles', 'WA', '983', '360', 2],
  ['Port Townsend', 'WA', '983', '360', 1],
  ['Sequim', 'WA', '983', '360', 1],
  ['Burien', 'WA', '981', '206', 3],
  ['Shoreline', 'WA', '981', '206', 3],
  ['Redmond', 'WA', '980', '425', 3],
  ['Kirkland', 'WA', '980', '425', 3],
  ['Issaquah', 'WA', '980', '425', 2],
  ['Puyallup', 'WA', '983', '253', 2],
  ['Olympia', 'WA', '985', '360', 2],
  ['Portland', 'OR', '972', '503', 1],
];
const PLACE_WEIGHTS = PLACES.map((p) => [p, p[4]] as const);
const STREET_SUFFIXES = ['St', 'Ave', 'Ave S', 'Way', 'Pl', 'Rd', 'Dr', 'Blvd', 'Ct', 'Ln', 'Ave NE', 'St SW', 'Way N'];
const CONTACT_TITLES = ['Owner', 'President', 'Project Manager', 'Office Manager', 'Safety Director', 'Superintendent', 'HR Manager', 'Payroll Administrator', 'Estimator', 'Operations Manager'];
const SPECIALTIES = ['code_updates', 'motor_controls', 'fire_alarm', 'low_voltage', 'solar_pv', 'instrumentation', 'rigging', 'blueprint_reading', 'safety_osha', 'transformers', 'conduit_bending', 'plc_programming', 'fiber_optics', 'grounding_bonding'];
const EMPLOYER_SUFFIXES = ['Electric', 'Electric Co.', 'Electrical Contractors', 'Electric Inc.', 'Power Systems', 'Energy Services', 'Electrical Services LLC', 'Technologies'];
const MEMBER_NOTES = ['Prefers text messages', 'Bilingual (Spanish)', 'Travel card on file', 'Book 1 out-of-work list', 'Foreman qualified', 'Holds a 01 general journeyman certificate', 'Requested dues check-off', 'Veteran (Helmets to Hardhats)'];

/** Member numbers: a bijection of the index onto 7-digit numbers, unique by construction. */
export function memberNumber(index: number, seed: number): string {
  const SPACE = 9_000_000;
  const STRIDE = 7_368_787; // prime, coprime to 9,000,000
  const offset = hash32(`member-number:${seed}`) % SPACE;
  return String(1_000_000 + ((index * STRIDE + offset) % SPACE));
}

function seededFaker(seed: number, stream: string): Faker {
  const f = new Faker({ locale: [en] });
  f.seed(hash32(`${seed}:${stream}`));
  return f;
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');
const round2 = (x: number) => Math.round(x * 100) / 100;

interface Place {
  city: string;
  state: string;
  zip: string;
  phone: string;
}
function place(r: Random): Place {
  const [city, state, zip3, area] = r.weighted(PLACE_WEIGHTS);
  return {
    city,
    state,
    zip: `${zip3}${String(r.int(1, 99)).padStart(2, '0')}`,
    phone: `(${area}) ${r.int(200, 999)}-${String(r.int(0, 9999)).padStart(4, '0')}`,
  };
}
function streetAddress(r: Random, streets: readonly string[]): string {
  return `${r.int(100, 39999)} ${r.pick(streets)} ${r.pick(STREET_SUFFIXES)}`;
}
/** A timestamp on `day` during working hours. */
function workdayTimestamp(r: Random, day: number): string {
  return timestampAt(day, r.int(7 * 3600, 18 * 3600));
}

/** Everything later tables refer to, decided up front from the seed. */
export interface Plan {
  asOfDay: number;
  locationCount: number;
  instructorCount: number;
  organizationTypes: ('employer' | 'union' | 'training_partner' | 'jatc')[];
  employerIds: number[];
  /** Cumulative popularity of employers (a few big shops, many small ones). */
  employerCumulative: Float64Array;
  members: MemberPlan;
  cohorts: { locationId: number; instructorId: number; startDay: number; endDay: number; name: string }[];
  streets: string[];
}

export interface MemberPlan {
  count: number;
  firstName: string[];
  lastName: string[];
  birthDay: Int32Array;
  hireDay: Int32Array;
  /** Last day of the career: as-of for active members, the last job's end otherwise. */
  careerEndDay: Int32Array;
  status: Uint8Array;
  classification: Uint8Array;
  jobs: Uint8Array;
  /** 1 when the member's last job is still open (end_date null). */
  current: Uint8Array;
}

export function statusOf(plan: MemberPlan, i: number): MemberStatus {
  return STATUS_CODE[plan.status[i]!]!;
}
export function classificationOf(plan: MemberPlan, i: number): MemberClassification {
  return CLASSIFICATION_CODE[plan.classification[i]!]!;
}

export function makePlan(o: GenerateOptions): Plan {
  const p = o.profile;
  const r = new Random(o.seed, 'plan');
  const f = seededFaker(o.seed, 'plan');
  const streets = Array.from({ length: 400 }, () => f.location.street().replace(/ (Street|Avenue|Road|Drive|Lane|Way|Court|Place|Boulevard)$/i, ''));

  const others: Plan['organizationTypes'] = Array.from({ length: p.otherOrganizations }, (_, i) =>
    i === 0 ? 'union' : r.weighted([['union', 2], ['training_partner', 3], ['jatc', 1]] as const),
  );
  const organizationTypes = r.shuffle([...Array.from({ length: p.employers }, () => 'employer' as const), ...others]);
  const employerIds: number[] = [];
  organizationTypes.forEach((t, i) => t === 'employer' && employerIds.push(i + 1));
  // Zipf-like popularity: the largest contractors employ many members at once.
  const employerCumulative = new Float64Array(employerIds.length);
  let acc = 0;
  for (let i = 0; i < employerIds.length; i++) employerCumulative[i] = acc += 1 / Math.pow(i + 1, 0.9);

  const members = planMembers(o, r, f);

  const cohortCount = Math.max(1, Math.ceil(p.students / p.studentsPerCohort));
  const cohorts = Array.from({ length: cohortCount }, (_, i) => {
    const startDay = o.asOfDay - r.int(0, 6 * 365);
    const year = yearOf(startDay);
    const season = new Date(startDay * 86_400_000).getUTCMonth() < 6 ? 'Spring' : 'Fall';
    return {
      locationId: r.int(1, p.locations),
      instructorId: r.int(1, p.instructors),
      startDay,
      endDay: startDay + Math.round(5 * DAYS_PER_YEAR) - 1,
      name: `${season} ${year} Inside Wireman Cohort ${String.fromCharCode(65 + (i % 26))}${i >= 26 ? Math.floor(i / 26) : ''}`,
    };
  });

  return {
    asOfDay: o.asOfDay,
    locationCount: p.locations,
    instructorCount: p.instructors,
    organizationTypes,
    employerIds,
    employerCumulative,
    members,
    cohorts,
    streets,
  };
}

function planMembers(o: GenerateOptions, r: Random, f: Faker): MemberPlan {
  const n = o.profile.members;
  const { min, max, mode } = o.profile.jobsPerMember;
  const m: MemberPlan = {
    count: n,
    firstName: new Array<string>(n),
    lastName: new Array<string>(n),
    birthDay: new Int32Array(n),
    hireDay: new Int32Array(n),
    careerEndDay: new Int32Array(n),
    status: new Uint8Array(n),
    classification: new Uint8Array(n),
    jobs: new Uint8Array(n),
    current: new Uint8Array(n),
  };
  const statusWeights = MEMBER_STATUS_WEIGHTS.map(([s, w]) => [STATUS_CODE.indexOf(s), w] as const);
  const journeyWeights = JOURNEY_CLASSIFICATIONS.map(([c, w]) => [CLASSIFICATION_CODE.indexOf(c), w] as const);
  const year = DAYS_PER_YEAR;
  // First draw each member's status and intended career length, and the job counts (triangular);
  // then hand out the job counts by rank of career length (with some noise), so long careers hold
  // many jobs and apprentices few — the job-count distribution itself stays exactly triangular.
  const statuses = new Uint8Array(n);
  const years = new Float64Array(n);
  const jobCounts = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    m.firstName[i] = f.person.firstName();
    m.lastName[i] = f.person.lastName();
    const status = r.weighted(statusWeights);
    const statusName = STATUS_CODE[status]!;
    statuses[i] = status;
    if (statusName === 'retired') years[i] = r.float(25, 40);
    else if (statusName === 'deceased') years[i] = r.float(3, 42);
    // About a fifth of the working membership are apprentices (under five years in).
    else years[i] = r.chance(0.2) ? r.float(0.2, 5) : r.float(5, 42);
    jobCounts[i] = Math.min(max, Math.max(min, Math.round(r.triangular(min, max, mode))));
  }
  const byCareer = Array.from({ length: n }, (_, i) => [years[i]! * r.float(0.75, 1.25), i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const sortedJobs = [...jobCounts].sort((a, b) => a - b);
  for (let k = 0; k < n; k++) m.jobs[byCareer[k]![1]] = sortedJobs[k]!;

  for (let i = 0; i < n; i++) {
    const status = statuses[i]!;
    const statusName = STATUS_CODE[status]!;
    const jobs = m.jobs[i]!;
    // A job plus the gap after it take at least 45 days on average: many jobs need a long career.
    const span = Math.max(jobs * 45, Math.round(years[i]! * year));
    let careerEnd = o.asOfDay;
    if (statusName === 'inactive' || statusName === 'suspended') careerEnd -= r.int(0, 3 * 365);
    else if (statusName === 'retired') careerEnd -= r.int(30, 12 * 365);
    else if (statusName === 'deceased') careerEnd -= r.int(30, 20 * 365);
    const hire = careerEnd - span;
    // Age at hire: 18.1 years at the least (hire strictly after the 18th birthday), typically early twenties.
    let ageAtHire = Math.min(45, 18.1 + r.exponential() * 4);
    if (statusName === 'retired') ageAtHire = Math.min(45, Math.max(ageAtHire, 55 - span / year + r.float(0, 8)));
    m.birthDay[i] = hire - Math.round(ageAtHire * year);
    m.hireDay[i] = hire;
    m.careerEndDay[i] = careerEnd;
    m.status[i] = status;
    // Active members mostly work; some are on the bench. Nobody else has an open job.
    m.current[i] = statusName === 'active' && r.chance(0.88) ? 1 : 0;
    const serviceYears = Math.floor(span / year);
    m.classification[i] = serviceYears < 5 ? serviceYears : r.weighted(journeyWeights);
  }
  return m;
}

// ---------------------------------------------------------------------------------------------
// Table generators. Each returns the table's columns and a lazy row iterable.

export function locationsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'locations');
  const names = new Set<string>();
  return {
    table: 'locations',
    columns: ['id', 'name', 'address', 'city', 'state', 'postal_code', 'capacity', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let id = 1; id <= plan.locationCount; id++) {
        const pl = place(r);
        const street = r.pick(plan.streets);
        let name = `${pl.city} Training Center`;
        if (names.has(name)) name = `${pl.city} ${street} Training Center`;
        if (names.has(name)) name = `${pl.city} ${street} Training Center ${id}`;
        names.add(name);
        const created = o.asOfDay - r.int(365, 20 * 365);
        yield [id, name, `${r.int(100, 9999)} ${street} ${r.pick(STREET_SUFFIXES)}`, pl.city, pl.state, pl.zip, r.pick([12, 16, 20, 24, 30, 40, 60, 120, 200]),
          workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
      }
    })(),
  };
}

export function instructorsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'instructors');
  const f = seededFaker(o.seed, 'instructors');
  return {
    table: 'instructors',
    columns: ['id', 'first_name', 'last_name', 'email', 'phone', 'bio', 'specialties', 'location_id', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let id = 1; id <= plan.instructorCount; id++) {
        const first = f.person.firstName();
        const last = f.person.lastName();
        const specialties = r.shuffle([...SPECIALTIES]).slice(0, r.int(1, 3));
        const since = yearOf(o.asOfDay) - r.int(6, 35);
        const bio = `Journeyman wireman since ${since}; teaches ${specialties.map((s) => s.replaceAll('_', ' ')).join(', ')}.`;
        const created = o.asOfDay - r.int(30, 15 * 365);
        yield [id, first, last, `${slug(first)}.${slug(last)}.${id}@training.example.org`, place(r).phone, bio, specialties,
          r.chance(0.95) ? r.int(1, plan.locationCount) : null, workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
      }
    })(),
  };
}

export function organizationsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'organizations');
  const f = seededFaker(o.seed, 'organizations');
  const names = new Set<string>();
  let localNumber = 46;
  return {
    table: 'organizations',
    columns: ['id', 'name', 'org_type', 'address', 'city', 'state', 'postal_code', 'phone', 'email', 'website', 'salting_score', 'notes', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let i = 0; i < plan.organizationTypes.length; i++) {
        const id = i + 1;
        const type = plan.organizationTypes[i]!;
        const pl = place(r);
        let name: string;
        if (type === 'employer') {
          const a = f.person.lastName();
          name = r.chance(0.25) ? `${a} & ${f.person.lastName()} ${r.pick(EMPLOYER_SUFFIXES)}` : r.chance(0.2) ? `${pl.city} ${r.pick(EMPLOYER_SUFFIXES)}` : `${a} ${r.pick(EMPLOYER_SUFFIXES)}`;
        } else if (type === 'union') name = `IBEW Local ${localNumber++ === 46 ? 46 : r.int(47, 1300)}`;
        else if (type === 'training_partner') name = `${pl.city} ${r.pick(['Community College', 'Technical College', 'Skills Center', 'Workforce Council'])}`;
        else name = `${pl.city} ${r.pick(['Electrical JATC', 'Inside Wireman JATC', 'Limited Energy JATC'])}`;
        for (let k = 2; names.has(name); k++) name = `${name.replace(/ \(\d+\)$/, '')} (${k})`;
        names.add(name);
        const domain = `${slug(name).slice(0, 24)}.example.com`;
        const created = o.asOfDay - r.int(30, 25 * 365);
        yield [id, name, type, streetAddress(r, plan.streets), pl.city, pl.state, pl.zip, pl.phone, `office@${domain}`,
          r.chance(0.8) ? `https://www.${domain}` : null,
          type === 'employer' && r.chance(0.3) ? r.int(1, 5) : null,
          type === 'employer' && r.chance(0.15) ? r.pick(['Signatory since the 1990s', 'Prefers calls before 9 am', 'Large prefab shop', 'Mostly tenant improvement work', 'Uses referral hall for all hires']) : null,
          workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
      }
    })(),
  };
}

export function contactsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'organization_contacts');
  const f = seededFaker(o.seed, 'organization_contacts');
  const [lo, hi] = o.profile.contactsPerOrganization;
  return {
    table: 'organization_contacts',
    columns: ['id', 'organization_id', 'first_name', 'last_name', 'title', 'phone', 'email', 'is_primary', 'notes', 'created_at', 'updated_at'],
    rows: (function* () {
      let id = 0;
      for (let org = 1; org <= plan.organizationTypes.length; org++) {
        const n = r.int(lo, hi);
        const primary = r.int(0, n - 1); // exactly one primary per organization
        for (let k = 0; k < n; k++) {
          const first = f.person.firstName();
          const last = f.person.lastName();
          const created = o.asOfDay - r.int(0, 10 * 365);
          yield [++id, org, first, last, r.pick(CONTACT_TITLES), place(r).phone, `${slug(first)}.${slug(last)}.${id}@contacts.example.com`,
            k === primary, r.chance(0.1) ? 'Best reached by email' : null, workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
        }
      }
    })(),
  };
}

export function membersSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'members');
  const f = seededFaker(o.seed, 'members');
  const m = plan.members;
  return {
    table: 'members',
    columns: ['id', 'member_number', 'first_name', 'middle_name', 'last_name', 'date_of_birth', 'address', 'city', 'state', 'zip', 'phone', 'email',
      'status', 'classification', 'membership_class', 'hire_date', 'notes', 'deleted_at', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let i = 0; i < m.count; i++) {
        const first = m.firstName[i]!;
        const last = m.lastName[i]!;
        const pl = place(r);
        const hire = m.hireDay[i]!;
        const created = hire; // the record dates from the hire, like the jobs recorded from then on
        yield [i + 1, memberNumber(i, o.seed), first, r.chance(0.4) ? f.person.middleName() : null, last, dayToIso(m.birthDay[i]!),
          streetAddress(r, plan.streets), pl.city, pl.state, pl.zip, pl.phone, `${slug(first)}.${slug(last)}${i + 1}@members.example.net`,
          statusOf(m, i), classificationOf(m, i), r.chance(0.85) ? 'a' : 'ba', dayToIso(hire),
          r.chance(0.08) ? r.pick(MEMBER_NOTES) : null, null, workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
      }
    })(),
  };
}

/** Journeyman scale in a year: ~$56/h as of the data set, 3% a year less going back. */
function journeymanRate(asOfYear: number, year: number): number {
  return 56 * Math.pow(1.03, year - asOfYear);
}

export function employmentsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'member_employments');
  const m = plan.members;
  const emp = plan.employerIds;
  const cum = plan.employerCumulative;
  const total = cum[cum.length - 1]!;
  const asOfYear = yearOf(o.asOfDay);
  const returnChance = o.profile.returnToEmployerChance;
  const pickEmployer = () => {
    const x = r.next() * total;
    let lo = 0;
    let hi = cum.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cum[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return emp[lo]!;
  };
  const MIN_JOB = 7;
  return {
    table: 'member_employments',
    columns: ['id', 'member_id', 'organization_id', 'job_title', 'start_date', 'end_date', 'hourly_rate', 'created_at', 'updated_at'],
    rows: (function* () {
      let id = 0;
      const jobW = new Float64Array(101);
      const gapW = new Float64Array(101);
      for (let i = 0; i < m.count; i++) {
        const n = m.jobs[i]!;
        const hire = m.hireDay[i]!;
        const current = m.current[i] === 1;
        const active = statusOf(m, i) === 'active';
        // Active members on the bench finished their last job a little before as-of.
        const bench = active && !current ? Math.min(r.int(1, 90), Math.floor((m.careerEndDay[i]! - hire) / 4)) : 0;
        const lastDay = m.careerEndDay[i]! - bench;
        const span = lastDay - hire + 1; // days available, both ends included
        let w = 0;
        for (let k = 0; k < n; k++) {
          jobW[k] = 0.15 + r.exponential();
          gapW[k] = k < n - 1 ? r.exponential() * 0.3 : 0;
          w += jobW[k]! + gapW[k]!;
        }
        const budget = Math.max(0, span - n * MIN_JOB - (n - 1));
        const journeyman = m.classification[i]! >= 5;
        const track = classificationOf(m, i);
        const employers: number[] = [];
        const worked = new Set<number>();
        let start = hire;
        for (let k = 0; k < n; k++) {
          const last = k === n - 1;
          let days = MIN_JOB + Math.floor((budget * jobW[k]!) / w);
          const gap = last ? 0 : 1 + Math.floor((budget * gapW[k]!) / w);
          if (last) days = lastDay - start + 1; // the last job absorbs the rounding
          const end = start + days - 1;
          // 20%: back to a shop the member worked for before; otherwise a shop new to them (popular
          // shops more likely), as long as there is one they have not worked for.
          let org: number;
          if (employers.length > 0 && r.chance(returnChance)) org = employers[r.int(0, employers.length - 1)]!;
          else {
            org = pickEmployer();
            for (let attempt = 0; attempt < 8 && worked.has(org); attempt++) org = pickEmployer();
            if (worked.has(org) && worked.size < emp.length) {
              const from = r.int(0, emp.length - 1);
              for (let j = 0; j < emp.length; j++) {
                const candidate = emp[(from + j) % emp.length]!;
                if (!worked.has(candidate)) {
                  org = candidate;
                  break;
                }
              }
            }
          }
          if (!worked.has(org)) {
            worked.add(org);
            employers.push(org);
          }
          const yearsIn = (start - hire) / DAYS_PER_YEAR;
          const apprentice = !journeyman || yearsIn < 5;
          let title: string;
          let factor: number;
          if (apprentice) {
            const period = Math.min(4, Math.floor(yearsIn));
            title = track === 'lineman' ? 'Apprentice Lineman' : track === 'residential_wireman' ? 'Residential Apprentice' : 'Apprentice Wireman';
            factor = 0.45 + 0.1 * period;
          } else if (track === 'lineman') {
            title = 'Journeyman Lineman';
            factor = 1.12;
          } else if (track === 'residential_wireman') {
            title = 'Residential Wireman';
            factor = 0.72;
          } else if (track === 'installer_technician') {
            title = 'Installer Technician';
            factor = 0.68;
          } else if (yearsIn > 10 && r.chance(0.12)) {
            title = r.chance(0.25) ? 'General Foreman' : 'Foreman';
            factor = title === 'Foreman' ? 1.1 : 1.2;
          } else {
            title = 'Journeyman Wireman';
            factor = 1;
          }
          // Early apprentice rates from decades ago fall under the $10 floor of the schema: those
          // start just above it instead of piling up on exactly 10.00.
          const scaled = journeymanRate(asOfYear, yearOf(start)) * factor * r.float(0.97, 1.05);
          const rate = round2(Math.min(HOURLY_RATE_MAX, scaled >= HOURLY_RATE_MIN ? scaled : HOURLY_RATE_MIN + r.float(0, 1.5)));
          const open = last && current;
          const created = workdayTimestamp(r, start);
          yield [++id, i + 1, org, title, dayToIso(start), open ? null : dayToIso(end), rate, created, open ? created : workdayTimestamp(r, end)];
          start = end + 1 + gap;
        }
      }
    })(),
  };
}

export function cohortsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'cohorts');
  return {
    table: 'cohorts',
    columns: ['id', 'name', 'location_id', 'instructor_id', 'start_date', 'end_date', 'created_at', 'updated_at'],
    rows: plan.cohorts.map((c, i) => {
      const created = c.startDay - r.int(30, 120);
      return [i + 1, c.name, c.locationId, c.instructorId, dayToIso(c.startDay), dayToIso(c.endDay), workdayTimestamp(r, created), workdayTimestamp(r, r.int(created, o.asOfDay))];
    }),
  };
}

const UNLINKED_STUDENT_STATUS: [StudentStatus, number][] = [
  ['applicant', 30],
  ['enrolled', 35],
  ['on_leave', 5],
  ['completed', 15],
  ['dropped', 10],
  ['dismissed', 5],
];

export function studentsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'students');
  const f = seededFaker(o.seed, 'students');
  const m = plan.members;
  // Apprentice members who are also in the JATC program: linked one-to-one.
  const apprentices: number[] = [];
  for (let i = 0; i < m.count; i++) if (m.classification[i]! < 5 && statusOf(m, i) === 'active') apprentices.push(i);
  r.shuffle(apprentices);
  const linked = apprentices.slice(0, Math.min(apprentices.length, Math.round(o.profile.students * o.profile.studentsLinkedToMembers)));
  const cohorts = plan.cohorts;
  return {
    table: 'students',
    columns: ['id', 'student_number', 'first_name', 'last_name', 'email', 'phone', 'birthdate', 'status', 'cohort_id', 'member_id', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let id = 1; id <= o.profile.students; id++) {
        const memberIndex = id <= linked.length ? linked[id - 1]! : -1;
        let first: string;
        let last: string;
        let birth: number;
        let status: StudentStatus;
        let cohortId: number | null;
        let created: number;
        if (memberIndex >= 0) {
          first = m.firstName[memberIndex]!;
          last = m.lastName[memberIndex]!;
          birth = m.birthDay[memberIndex]!;
          status = r.chance(0.92) ? 'enrolled' : 'on_leave';
          cohortId = r.int(1, cohorts.length);
          created = Math.min(m.hireDay[memberIndex]!, cohorts[cohortId - 1]!.startDay) - r.int(14, 90);
        } else {
          first = f.person.firstName();
          last = f.person.lastName();
          status = r.weighted(UNLINKED_STUDENT_STATUS);
          cohortId = status === 'applicant' ? null : r.int(1, cohorts.length);
          const ref = cohortId === null ? o.asOfDay - r.int(0, 180) : cohorts[cohortId - 1]!.startDay;
          birth = ref - Math.round((17.5 + r.exponential() * 5) * DAYS_PER_YEAR);
          created = ref - r.int(14, 120);
        }
        yield [id, `S${yearOf(created)}-${String(id).padStart(5, '0')}`, first, last, `${slug(first)}.${slug(last)}.s${id}@students.example.edu`,
          place(r).phone, dayToIso(birth), status, cohortId, memberIndex >= 0 ? memberIndex + 1 : null,
          workdayTimestamp(r, created), workdayTimestamp(r, r.int(Math.min(created, o.asOfDay), o.asOfDay))];
      }
    })(),
  };
}

export function attachmentsSource(o: GenerateOptions, plan: Plan): TableSource {
  const r = new Random(o.seed, 'file_attachments');
  const p = o.profile;
  const m = plan.members;
  const sink = o.fileSink;
  let id = 0;
  const row = (owner: FileOwnerType, ownerId: number, day: number, subject: string): Row => {
    const file: GeneratedFile = generateFile(r, owner, dayToIso(day), subject);
    id++;
    let size = file.sizeBytes;
    let sha256: string | null = null;
    let key: string | null = null;
    if (sink) {
      size = sink.scaledSize(file.sizeBytes);
      const stored = sink.store(fileContent(new Random(o.seed, `file-content:${id}`), file.media, size));
      sha256 = stored.sha256;
      key = stored.storageKey;
    }
    const created = workdayTimestamp(r, day);
    return [id, owner, ownerId, file.category, file.fileName, file.mimeType, size, sha256, key, file.description, created, created];
  };
  const organizationCount = plan.organizationTypes.length;
  return {
    table: 'file_attachments',
    columns: ['id', 'owner_type', 'owner_id', 'category', 'file_name', 'mime_type', 'size_bytes', 'sha256', 'storage_key', 'description', 'created_at', 'updated_at'],
    rows: (function* () {
      for (let i = 0; i < m.count; i++) {
        const n = r.int(...p.attachmentsPerMember);
        const from = Math.max(m.hireDay[i]!, o.asOfDay - 25 * 365);
        const to = Math.max(from, m.careerEndDay[i]!);
        for (let k = 0; k < n; k++) yield row('member', i + 1, r.int(from, to), `${m.lastName[i]}, ${m.firstName[i]}`);
      }
      for (let s = 1; s <= p.students; s++) {
        const n = r.int(...p.attachmentsPerStudent);
        for (let k = 0; k < n; k++) yield row('student', s, o.asOfDay - r.int(0, 5 * 365), `student ${s}`);
      }
      for (let org = 1; org <= organizationCount; org++) {
        const n = r.int(...p.attachmentsPerOrganization);
        for (let k = 0; k < n; k++) yield row('organization', org, o.asOfDay - r.int(0, 15 * 365), `organization ${org}`);
      }
      for (let g = 1; g <= p.grievances; g++) {
        const n = r.int(...p.attachmentsPerGrievance);
        const filed = o.asOfDay - r.int(0, 8 * 365);
        for (let k = 0; k < n; k++) yield row('grievance', g, Math.min(o.asOfDay, filed + r.int(0, 180)), `grievance ${yearOf(filed)}-${String(g).padStart(4, '0')}`);
      }
    })(),
  };
}

/** Every seeded table in load order (parents first). */
export function tableSources(o: GenerateOptions): { plan: Plan; sources: (() => TableSource)[] } {
  const plan = makePlan(o);
  return {
    plan,
    sources: [
      () => locationsSource(o, plan),
      () => instructorsSource(o, plan),
      () => organizationsSource(o, plan),
      () => contactsSource(o, plan),
      () => membersSource(o, plan),
      () => employmentsSource(o, plan),
      () => cohortsSource(o, plan),
      () => studentsSource(o, plan),
      () => attachmentsSource(o, plan),
    ],
  };
}
