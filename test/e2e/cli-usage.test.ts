// The CLI's own help and misuse, through the real bin: `loadlab --help` lists every command of the
// map with its summary, `loadlab <command> --help` prints that command's usage (its module imported
// on demand), no command or an unknown one is exit 2 with the usage.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../load/cli';
import { runCli } from '../support/cli';

describe('loadlab usage', () => {
  it('--help lists every command with its summary, exit 0', async () => {
    const r = await runCli(['--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^usage: loadlab <command> \[options\]$/m);
    const lines = r.stdout.split('\n');
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(lines.filter((l) => l.startsWith(`  ${name} `) && l.endsWith(`  ${entry.summary}`)), name).toHaveLength(1);
    }
  });

  it('no command: the usage on stdout, exit 2', async () => {
    const r = await runCli([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^usage: loadlab <command> \[options\]$/m);
  });

  it.each(['bogus', 'toString'])("an unknown command (%s): 'unknown command' then the usage on stderr, exit 2", async (name) => {
    const r = await runCli([name]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe(`loadlab: unknown command '${name}'`);
    expect(r.stderr).toMatch(/^usage: loadlab <command> \[options\]$/m);
  });

  it('<command> --help: the usage line of that command and its summary, exit 0', async () => {
    const r = await runCli(['gate', '--help']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^usage: loadlab gate \[--baseline DIR\] \[--config FILE\] .*\[--server-workers N\]/);
    expect(r.stdout).toContain(COMMANDS.gate!.summary);
  });
});
