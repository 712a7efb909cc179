// A process that has exited but is not reaped yet (a zombie: its parent was killed too and init
// has not collected it) is gone for the stray clean-up: a next run does not skip an earlier run's
// registry because its SIGKILLed watchdog is still a zombie, nor "stop" a SIGKILLed postmaster.
// The zombie is real: `sh` starts a `sleep` in the background and becomes another `sleep`, which never
// reaps its child; the test SIGKILLs that child.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { sameProcess, startTimeOf } from '../../common/child-guard';
import { waitFor } from '../support/run-process';

let parent: ReturnType<typeof spawn> | undefined;
afterEach(() => {
  parent?.kill('SIGKILL');
});

const stateOf = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
};

it('a zombie has no start time and is not the process recorded while it ran', async () => {
  parent = spawn('sh', ['-c', 'sleep 60 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  parent.stdout!.on('data', (d) => (out += d));
  const pid = await waitFor('the background pid', () => (/^\d+\n/.test(out) ? Number(out) : undefined), 10_000);
  const start = await waitFor('its start time', () => startTimeOf(pid), 10_000);
  expect(sameProcess(pid, start)).toBe(true);
  process.kill(pid, 'SIGKILL');
  await waitFor('the child to be a zombie', () => stateOf(pid) === 'Z', 10_000);
  // /proc still has it (its parent, sleep, never reaps it): the state is what says it is gone.
  expect(startTimeOf(pid)).toBeUndefined();
  expect(sameProcess(pid, start)).toBe(false);
});
