// Every run writes reports/<UTC timestamp>-<kind>/. A reports folder that cannot be made is one
// line naming it (exit 2), before any load is sent.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { CliError } from './cli-error';
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
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') dir = `${base}-${i}`;
      else if (code === 'ENOENT' && i === 2) {
        try {
          mkdirSync(root, { recursive: true });
        } catch (e) {
          throw new CliError(`cannot create the reports folder ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      } else throw new CliError(`cannot create the report folder ${dir}: ${code ?? (err as Error).message}`);
    }
  }
}
