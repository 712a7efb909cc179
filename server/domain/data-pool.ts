// The id pool a run works on: written by the harness (sampled over HTTP) or the seeder, read by
// every k6 VU through SharedArray. Types only: scenarios import it with `import type`.
export interface DataPool {
  memberIds: number[];
  organizationIds: number[];
  employerIds: number[];
  studentIds: number[];
  fileIds: number[];
  names: { first_name: string; last_name: string }[];
  searchPrefixes: string[];
}
