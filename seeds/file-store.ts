// --with-files: real content on disk, content-addressed by sha256 under FILES_DIR (the layout of
// server/files/storage-path.ts). Remembers which files it created, so a failed seed can remove
// them again and leave the directory as it was.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { storageKey, storagePath } from '../server/files/storage-path';
import type { FileSink } from './generators';

export class FileStore implements FileSink {
  readonly created: string[] = [];
  bytesWritten = 0;
  private readonly dirs = new Set<string>();

  constructor(
    readonly filesDir: string,
    /** Content size = nominal size × fileScale (at least 64 bytes, so each file keeps its magic number). */
    readonly fileScale: number,
  ) {}

  scaledSize(nominalBytes: number): number {
    return Math.max(64, Math.round(nominalBytes * this.fileScale));
  }

  store(content: Buffer): { sha256: string; storageKey: string } {
    const sha256 = createHash('sha256').update(content).digest('hex');
    const file = storagePath(this.filesDir, sha256);
    if (!existsSync(file)) {
      const dir = path.dirname(file);
      if (!this.dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        this.dirs.add(dir);
      }
      writeFileSync(file, content, { flag: 'wx' });
      this.created.push(file);
      this.bytesWritten += content.length;
    }
    return { sha256, storageKey: storageKey(sha256) };
  }

  /** Delete the files this store created (after a failed seed). */
  removeCreated(): void {
    for (const file of this.created.splice(0)) rmSync(file, { force: true });
  }
}
