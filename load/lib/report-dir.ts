// Every run writes reports/<UTC timestamp>-<kind>/.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './local-env';

export function utcStamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

export function createReportDir(kind: string, root = process.env.LOADLAB_REPORTS_DIR ?? path.join(PROJECT_ROOT, 'reports')): string {
  const base = path.join(root, `${utcStamp()}-${kind}`);
  let dir = base;
  for (let i = 2; ; i++) {
    try {
      mkdirSync(dir, { recursive: false });
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') mkdirSync(root, { recursive: true });
      else if ((err as NodeJS.ErrnoException).code === 'EEXIST') dir = `${base}-${i}`;
      else throw err;
    }
  }
}
