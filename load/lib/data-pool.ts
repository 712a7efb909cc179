// Before k6 starts, the harness samples ids that exist from the API (over HTTP, as any client
// would) and generates payload pools on the Node side, then writes them to one JSON file that the
// scenarios read through SharedArray. Reads in the run never guess ids.
import { writeFileSync } from 'node:fs';
import { Faker, en } from '@faker-js/faker';
import { API_PREFIX } from '../../server/domain/routes';
import { CliError } from './cli-error';

import type { DataPool } from '../../server/domain/data-pool';

export type DataPoolFile = DataPool;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  async get<T>(path: string): Promise<{ status: number; body: T | undefined }> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` } });
    const text = await res.text();
    let body: T | undefined;
    try {
      body = text ? (JSON.parse(text) as T) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  }
}

type Page<T> = { items: T[]; total?: number };

/** Ids of up to `max` rows of a list route, read in pages of 200 spread over the whole table. */
async function sampleIds(api: ApiClient, route: string, max: number, query = ''): Promise<number[]> {
  const first = await api.get<Page<{ id: number }>>(`${API_PREFIX}${route}?limit=200${query}`);
  if (first.status === 404) return []; // route not part of this server
  if (first.status !== 200 || !first.body) throw new CliError(`sampling ${route}: the API answered ${first.status}`);
  const ids = new Set(first.body.items.map((i) => i.id));
  const total = first.body.total ?? first.body.items.length;
  const pages = Math.min(Math.ceil(max / 200), Math.ceil(total / 200));
  for (let p = 1; p < pages && ids.size < max; p++) {
    const offset = Math.floor((p * total) / pages);
    const page = await api.get<Page<{ id: number }>>(`${API_PREFIX}${route}?limit=200&offset=${offset}${query}`);
    for (const i of page.body?.items ?? []) ids.add(i.id);
  }
  return [...ids].slice(0, max);
}

export async function buildDataPool(api: ApiClient, opts: { seed: number; maxIds?: number }): Promise<DataPoolFile> {
  const max = opts.maxIds ?? 2_000;
  const faker = new Faker({ locale: [en] });
  faker.seed(opts.seed);
  const names = Array.from({ length: 500 }, () => ({ first_name: faker.person.firstName(), last_name: faker.person.lastName() }));
  const prefixes = [...new Set(names.map((n) => n.last_name.slice(0, 2).toLowerCase()))].slice(0, 100);
  return {
    memberIds: await sampleIds(api, '/members', max, '&include_total=true'),
    organizationIds: await sampleIds(api, '/organizations', max),
    employerIds: await sampleIds(api, '/organizations', max, '&type=employer'),
    studentIds: await sampleIds(api, '/students', max),
    fileIds: [],
    names,
    searchPrefixes: prefixes,
  };
}

export function writeDataPool(file: string, pool: DataPoolFile): void {
  writeFileSync(file, JSON.stringify(pool));
}
