// File content on disk under FILES_DIR, content-addressed by sha256 (`ab/cd/<sha256>`): identical
// uploads share one file. Uploads stream to a temporary file while the hash and the size are
// computed; an upload over the limit is aborted and its temporary file removed.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { HttpError } from '../plugins/errors';

export interface StoredUpload {
  sha256: string;
  sizeBytes: number;
  tempPath: string;
}

export const storageKeyOf = (sha256: string) => `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;

export function contentPath(filesDir: string, storageKey: string): string {
  return path.resolve(filesDir, storageKey);
}

/** 413; the connection is closed after the answer, so the unread rest of the body is dropped. */
export const tooLarge = (maxBytes: number) =>
  new HttpError(
    413,
    'payload_too_large',
    `the upload is larger than the limit of ${maxBytes} bytes`,
    [{ path: 'body', message: `must be at most ${maxBytes} bytes` }],
    { Connection: 'close' },
  );

/** Stream `body` into FILES_DIR/tmp, hashing and counting; 413 (and nothing left) over `maxBytes`. */
export async function receiveUpload(filesDir: string, body: Readable, maxBytes: number): Promise<StoredUpload> {
  const tmpDir = path.resolve(filesDir, 'tmp');
  await mkdir(tmpDir, { recursive: true });
  const tempPath = path.join(tmpDir, `${randomUUID()}.part`);
  const hash = createHash('sha256');
  let sizeBytes = 0;
  let overLimit = false;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      sizeBytes += chunk.length;
      if (sizeBytes > maxBytes) {
        overLimit = true;
        cb(tooLarge(maxBytes));
        return;
      }
      hash.update(chunk);
      cb(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tempPath, { flags: 'wx' }));
  } catch (err) {
    await rm(tempPath, { force: true });
    if (overLimit) throw tooLarge(maxBytes);
    throw new HttpError(400, 'bad_request', `the upload was interrupted: ${(err as Error).message}`);
  }
  return { sha256: hash.digest('hex'), sizeBytes, tempPath };
}

/** Move an upload to its content address (keeping the existing copy when the content is known). */
export async function commitUpload(filesDir: string, upload: StoredUpload): Promise<string> {
  const key = storageKeyOf(upload.sha256);
  const target = contentPath(filesDir, key);
  if (await exists(target)) {
    await rm(upload.tempPath, { force: true });
  } else {
    await mkdir(path.dirname(target), { recursive: true });
    await rename(upload.tempPath, target);
  }
  return key;
}

export async function discardUpload(upload: StoredUpload): Promise<void> {
  await rm(upload.tempPath, { force: true });
}

export async function removeContent(filesDir: string, storageKey: string): Promise<void> {
  await rm(contentPath(filesDir, storageKey), { force: true });
}

export async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
