// Where file content lives on disk: content-addressed by sha256 under FILES_DIR, fanned out by the
// first two byte pairs (FILES_DIR/ab/cd/abcd…). One module so the API's file routes, the seeder
// (--with-files) and the integrity checks agree on the layout.
import path from 'node:path';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The storage key recorded in file_attachments.storage_key: `ab/cd/<sha256>` (always `/`). */
export function storageKey(sha256: string): string {
  if (!SHA256_HEX.test(sha256)) throw new TypeError(`not a lower-case hex sha256: ${sha256}`);
  return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

/** Absolute (or filesDir-relative) path of the content with this sha256. */
export function storagePath(filesDir: string, sha256: string): string {
  return path.join(filesDir, ...storageKey(sha256).split('/'));
}
