// loadlab's watchdog (see common/child-guard.ts): started by loadlab in a process group of its own,
// it learns the children loadlab starts over stdin ("add <pid> <start> <signal> <label> [group]",
// "del <pid>"; group: signal the process group the child leads). When stdin ends (loadlab exited or was killed: the kernel closes the pipe) or
// loadlab's pid is gone, it stops every child still registered — the signal given, then SIGKILL
// after a grace period — removes the registry file and exits. Plain JavaScript, no dependencies,
// so it starts in milliseconds and runs under any supported Node.
import { readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';

const parentPid = Number(process.argv[2]);
const registryFile = process.argv[3] || undefined;
const GRACE_MS = 10_000;
const children = new Map();

const startOf = (pid) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Exited, waiting to be reaped (state Z or X): gone, as in child-guard.ts startTimeOf.
    return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19];
  } catch {
    return undefined;
  }
};
const parentStart = startOf(parentPid);

let cleaning = false;
async function cleanup() {
  if (cleaning) return;
  cleaning = true;
  const alive = () => [...children.values()].filter((c) => startOf(c.pid) === c.start);
  for (const c of alive()) {
    try {
      process.kill(c.group ? -c.pid : c.pid, c.signal);
    } catch {}
  }
  const deadline = Date.now() + GRACE_MS;
  while (alive().length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const c of alive()) {
    try {
      process.kill(c.group ? -c.pid : c.pid, 'SIGKILL');
    } catch {}
  }
  if (registryFile) rmSync(registryFile, { force: true });
  process.exit(0);
}

// Signals meant for loadlab's terminal are not for us; a SIGTERM to the watchdog itself means "clean up now".
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('SIGTERM', () => void cleanup());

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [op, pid, start, signal, label, group] = line.split(' ');
  if (op === 'add') children.set(Number(pid), { pid: Number(pid), start, signal, label: decodeURIComponent(label ?? ''), group: group === 'group' });
  else if (op === 'del') children.delete(Number(pid));
});
lines.on('close', () => void cleanup());
setInterval(() => {
  if (startOf(parentPid) !== parentStart) void cleanup();
}, 500);
