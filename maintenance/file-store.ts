// Where attachment content lives on disk (content-addressed: FILES_DIR/<sha[0:2]>/<sha[2:4]>/<sha256>)
// and how the care tools look at it: existence/size of every referenced file, and a full sha256 of
// the WHOLE file (the old "corruption check" read only the first kilobyte).
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { access, constants, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { storagePath } from '../server/files/storage-path';
import { mapLimit } from './concurrency';
import type { Db } from './sql-helpers';

/** The content file of a sha256 (the layout the API and the seeder share). */
export function contentPath(filesDir: string, sha256: string): string {
  return storagePath(filesDir, sha256);
}

/** sha256 of the whole file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Why filesDir cannot be read (null when readable or simply not created yet). */
export async function directoryProblem(filesDir: string): Promise<string | null> {
  try {
    const s = await stat(filesDir);
    if (!s.isDirectory()) return `files directory ${filesDir} is unreadable: not a directory`;
    await access(filesDir, constants.R_OK | constants.X_OK);
    return null;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return null;
    return `files directory ${filesDir} is unreadable: ${e.code ?? e.message}`;
  }
}

export interface StoredContent {
  sha256: string;
  size_bytes: number | null;
  attachment_ids: number[];
}

/** Every distinct content hash referenced by an attachment row, with the rows that reference it. */
export async function referencedContent(db: Db): Promise<StoredContent[]> {
  const { rows } = await sql<StoredContent>`
    select sha256, max(size_bytes) as size_bytes, array_agg(id::integer order by id) as attachment_ids
      from file_attachments where sha256 is not null group by sha256 order by sha256`.execute(db);
  return rows;
}

export interface ContentScan {
  filesDir: string;
  /** Set when the directory itself cannot be read: every file finding is then unknown, not "fine". */
  error?: string;
  referenced: number;
  missing: StoredContent[];
  /** Content whose size or sha256 differs from the row. */
  mismatched: Array<StoredContent & { path: string; reason: string }>;
  hashed: number;
  hashedBytes: number;
  /** True when only some files were chosen for a whole-file sha256 (budget or sample). */
  sampled: boolean;
}


/**
 * Look at the content of every referenced file: stat all of them (missing / wrong size), and hash
 * whole files until `hashBudgetBytes` is used (all of them when the budget allows; resilience
 * --sample picks a random subset instead). Random order so repeated runs cover different files.
 */
export async function scanContent(
  db: Db,
  filesDir: string,
  opts: { hashBudgetBytes?: number; sample?: number; alwaysHash?: ReadonlySet<number> } = {},
): Promise<ContentScan> {
  const referenced = await referencedContent(db);
  const scan: ContentScan = { filesDir, referenced: referenced.length, missing: [], mismatched: [], hashed: 0, hashedBytes: 0, sampled: false };
  if (referenced.length === 0) return scan;
  const problem = await directoryProblem(filesDir);
  if (problem) {
    scan.error = problem;
    return scan;
  }
  // Random order, so repeated runs with a budget or sample cover different files; then each file is
  // either read whole and hashed (within the budget / sample) or only stat'ed (exists, size).
  const order = [...referenced];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const budget = opts.hashBudgetBytes ?? Number.POSITIVE_INFINITY;
  const limit = opts.sample ?? order.length;
  let planned = 0;
  let plannedBytes = 0;
  const toHash = new Set<StoredContent>();
  if (opts.alwaysHash?.size) {
    for (const c of order) {
      if (c.attachment_ids.some((id) => opts.alwaysHash!.has(id))) toHash.add(c);
    }
  }
  for (const c of order) {
    if (toHash.has(c)) continue;
    if (planned >= limit) break;
    const size = c.size_bytes ?? 0;
    if (plannedBytes + size > budget && planned > 0) continue;
    toHash.add(c);
    planned++;
    plannedBytes += size;
  }
  scan.sampled = toHash.size < order.length;
  // Synchronous stat/read in batches, yielding between batches: for many small files this is several
  // times faster than one promise per file through the thread pool, and the yields let the SQL
  // checks of the same pass make progress meanwhile.
  const large: StoredContent[] = [];
  const record = (c: StoredContent, p: string, size: number, actual?: string) => {
    if (c.size_bytes !== null && size !== c.size_bytes) scan.mismatched.push({ ...c, path: p, reason: `size ${size} on disk, ${c.size_bytes} in the row` });
    else if (actual !== undefined && actual !== c.sha256) scan.mismatched.push({ ...c, path: p, reason: `sha256 on disk is ${actual}` });
  };
  const failed = (c: StoredContent, p: string, err: unknown) => {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') scan.missing.push(c);
    else scan.mismatched.push({ ...c, path: p, reason: `unreadable: ${code ?? (err as Error).message}` });
  };
  for (let i = 0; i < order.length; i++) {
    const c = order[i]!;
    let p = path.join(filesDir, c.sha256);
    try {
      p = contentPath(filesDir, c.sha256);
      if (!toHash.has(c)) {
        const st = statSync(p);
        record(c, p, st.size);
      } else if ((c.size_bytes ?? 0) > 8 * 1024 * 1024) {
        large.push(c);
      } else {
        const buf = readFileSync(p);
        scan.hashed++;
        scan.hashedBytes += buf.length;
        record(c, p, buf.length, createHash('sha256').update(buf).digest('hex'));
      }
    } catch (err) {
      failed(c, p, err);
    }
    if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
  }
  // Large files: streamed, the WHOLE file hashed.
  await mapLimit(large, 2, async (c) => {
    const p = contentPath(filesDir, c.sha256);
    try {
      const size = (await stat(p)).size;
      const actual = await sha256OfFile(p);
      scan.hashed++;
      scan.hashedBytes += size;
      record(c, p, size, actual);
    } catch (err) {
      failed(c, p, err);
    }
  });
  scan.missing.sort((a, b) => a.sha256.localeCompare(b.sha256));
  scan.mismatched.sort((a, b) => a.sha256.localeCompare(b.sha256));
  return scan;
}

/** Files under filesDir that no attachment row references (content-addressed names only). */
export async function orphanedFilesOnDisk(db: Db, filesDir: string): Promise<{ files: string[]; bytes: number; error?: string }> {
  const referenced = new Set((await referencedContent(db)).map((c) => c.sha256));
  const files: string[] = [];
  let bytes = 0;
  const problem = await directoryProblem(filesDir);
  if (problem) return { files, bytes, error: problem };
  let entries: string[];
  try {
    entries = await readdir(filesDir, { recursive: true });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') return { files, bytes };
    return { files, bytes, error: `files directory ${filesDir} is unreadable: ${e.code ?? e.message}` };
  }
  for (const rel of entries) {
    // FILES_DIR/tmp holds uploads in progress (server/files/content-store.ts), not stored content.
    if (rel === 'tmp' || rel.startsWith(`tmp${path.sep}`)) continue;
    const full = path.join(filesDir, rel);
    const s = await stat(full).catch(() => undefined);
    if (!s?.isFile()) continue;
    const name = path.basename(rel);
    if (!referenced.has(name)) {
      files.push(rel);
      bytes += s.size;
    }
  }
  return { files: files.sort(), bytes };
}
