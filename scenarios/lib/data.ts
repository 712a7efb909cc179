// The data a run works on, sampled from the database by the harness before k6 starts and read
// here through SharedArray (one copy for all VUs): ids that exist, and payload pools generated
// on the Node side (no faker inside VUs).
import { SharedArray } from 'k6/data';
import type { DataPool } from '../../server/domain/data-pool';

export type { DataPool };

const EMPTY: DataPool = { memberIds: [], organizationIds: [], employerIds: [], studentIds: [], fileIds: [], names: [], searchPrefixes: [] };

function shared<K extends keyof DataPool>(file: string, key: K): DataPool[K] {
  return new SharedArray(key, () => {
    if (!file) return [];
    const pool = JSON.parse(open(file)) as Partial<DataPool>;
    return (pool[key] ?? EMPTY[key]) as unknown[];
  }) as unknown as DataPool[K];
}

export function loadDataPool(file: string): DataPool {
  return {
    memberIds: shared(file, 'memberIds'),
    organizationIds: shared(file, 'organizationIds'),
    employerIds: shared(file, 'employerIds'),
    studentIds: shared(file, 'studentIds'),
    fileIds: shared(file, 'fileIds'),
    names: shared(file, 'names'),
    searchPrefixes: shared(file, 'searchPrefixes'),
  };
}

export function pick<T>(items: ArrayLike<T>): T {
  if (items.length === 0) throw new Error('empty data pool: the harness sampled no rows of this kind');
  return items[Math.floor(Math.random() * items.length)] as T;
}
