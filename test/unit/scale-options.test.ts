// Issue 15's bad input that is refused before anything starts: --server-workers 0 / above 4 per
// core / not a number on every command that starts its own server (and WORKERS for server/main.ts),
// --read-replica with --target or with DATABASE_URL, bench-scale's own options. Each is one line on
// stderr and exit 2, and no report folder is made (nothing lost, nothing half-written).
import { readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { benchScaleCommand } from '../../load/commands/bench-scale';
import { capacityCommand } from '../../load/commands/capacity';
import { gateCommand } from '../../load/commands/gate';
import { levelCommand } from '../../load/commands/level';
import { loadCommand } from '../../load/commands/load';
import type { Command } from '../../load/lib/command';
import { loadConfig } from '../../server/config';
import { runCommandInProcess, tempReportsDir } from '../support/cli';

const MAX = availableParallelism() * 4;
const COMMANDS: [string, Command, string[]][] = [
  ['load', loadCommand, []],
  ['level', levelCommand, ['3']],
  ['gate', gateCommand, []],
  ['capacity', capacityCommand, []],
];

async function refused(name: string, command: Command, args: string[], env: Record<string, string> = {}) {
  const reports = tempReportsDir();
  const r = await runCommandInProcess(name, command, args, { LOADLAB_REPORTS_DIR: reports, ...env });
  expect(r.status, r.stderr).toBe(2);
  expect(r.stderr.split('\n')).toHaveLength(1);
  expect(readdirSync(reports)).toEqual([]);
  return r.stderr;
}

describe('--server-workers', () => {
  for (const [name, command, pre] of COMMANDS) {
    it.each([
      ['0', 'must be at least 1'],
      [String(MAX + 1), `must be at most ${MAX} (4 per core of this machine's ${availableParallelism()})`],
      ['two', 'must be a number'],
    ])(`${name} --server-workers %s: one line, exit 2`, async (n, says) => {
      expect(await refused(name, command, [...pre, '--server-workers', n])).toBe(`loadlab ${name}: --server-workers: server workers ${says}`);
    });
  }

  it('WORKERS for server/main.ts is checked the same way', () => {
    const base = { DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/x', API_TOKEN: 'a'.repeat(24) };
    expect(() => loadConfig({ ...base, WORKERS: '0' })).toThrow(/^invalid configuration: WORKERS: WORKERS must be at least 1$/);
    expect(() => loadConfig({ ...base, WORKERS: String(MAX + 1) })).toThrow(new RegExp(`WORKERS: WORKERS must be at most ${MAX}`));
    expect(loadConfig({ ...base, WORKERS: String(MAX) }).WORKERS).toBe(MAX);
  });
});

describe('--read-replica', () => {
  it.each([
    ['load', loadCommand, []],
    ['level', levelCommand, ['3']],
  ] as [string, Command, string[]][])('%s --read-replica --target: one line, exit 2, before any folder is made', async (name, command, pre) => {
    expect(await refused(name, command, [...pre, '--read-replica', '--target', 'http://127.0.0.1:1'])).toBe(
      `loadlab ${name}: --read-replica runs our own server on a replica of the embedded PostgreSQL; with --target the target decides where it reads`,
    );
  });

  it('load --read-replica with DATABASE_URL: one line, exit 2 (set DATABASE_READ_URL to your own replica)', async () => {
    expect(await refused('load', loadCommand, ['--read-replica'], { DATABASE_URL: 'postgres://u:p@127.0.0.1:1/x' })).toMatch(/with DATABASE_URL set, set DATABASE_READ_URL to your own replica instead$/);
  });
});

describe('bench-scale options', () => {
  it.each([
    [['--workers', '1'], '--workers: workers must be at least 2'],
    [['--level-duration', 'soon'], '--level-duration: level-duration must look like 30s or 2m'],
    [['--step-seconds', '1'], '--step-seconds: step-seconds must be at least 2'],
  ])('bench-scale %j: one line, exit 2', async (args, says) => {
    expect(await refused('bench-scale', benchScaleCommand, args)).toBe(`loadlab bench-scale: ${says}`);
  });

  it('--capacity naming a folder without a capacity model: one line, exit 2, before any run', async () => {
    expect(await refused('bench-scale', benchScaleCommand, ['--capacity', tempReportsDir()])).toMatch(/^loadlab bench-scale: --capacity .*capacity\.json: not a readable capacity model/);
  });
});
