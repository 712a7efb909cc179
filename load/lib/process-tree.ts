// CPU and memory of whole process trees from /proc: the API (every cluster worker is a child of
// its primary), the local PostgreSQL cluster (the postmaster and its backends) and k6. A tree's
// CPU counts utime+stime of every live member plus cutime+cstime (the CPU of children it has
// already reaped), so a backend that exits between two samples is not lost from the total.
import { readdirSync, readFileSync } from 'node:fs';

export const TICKS_PER_S = 100; // USER_HZ on Linux

export interface ProcEntry {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime + cutime + cstime, in ticks */
  ticks: number;
  rssPages: number;
}

const PAGE_KB = 4;

export function readProc(pid: number): ProcEntry | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    // fields after ")": state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14) … rss(21)
    return { pid, ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]), rssPages: Number(f[21]) };
  } catch {
    return undefined;
  }
}

/** Every process visible in /proc, by pid (one pass; about a millisecond for a few hundred). */
export function readProcTable(): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const n of names) {
    if (n.charCodeAt(0) < 48 || n.charCodeAt(0) > 57) continue;
    const e = readProc(Number(n));
    if (e) out.set(e.pid, e);
  }
  return out;
}

export interface TreeUsage {
  /** CPU ticks of the tree (see the file comment) */
  ticks: number;
  rssMb: number;
  processes: number;
}

/** The tree rooted at `root` in a process table; undefined when the root is gone. */
export function treeUsage(table: Map<number, ProcEntry>, root: number): TreeUsage | undefined {
  if (!table.has(root)) return undefined;
  const children = new Map<number, number[]>();
  for (const e of table.values()) {
    const list = children.get(e.ppid);
    if (list) list.push(e.pid);
    else children.set(e.ppid, [e.pid]);
  }
  let ticks = 0;
  let rss = 0;
  let processes = 0;
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop()!;
    const e = table.get(pid);
    if (!e) continue;
    ticks += e.ticks;
    rss += e.rssPages;
    processes++;
    for (const c of children.get(pid) ?? []) stack.push(c);
  }
  return { ticks, rssMb: (rss * PAGE_KB) / 1024, processes };
}
