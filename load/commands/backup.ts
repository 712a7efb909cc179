// loadlab backup: a pg_dump custom-format backup of the target database into BACKUP_DIR (default
// .data/backups), with the row counts at backup time beside it for `loadlab restore --verify`.
import path from 'node:path';
import { z } from 'zod';
import { backupDatabase } from '../../maintenance/backup';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { usingCareDatabase } from '../lib/care-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const backupCommand: Command = {
  usage: '[--dir DIR]',
  async run(argv) {
    const opts = parseOptions(argv, { dir: { type: 'string' } }, z.object({ dir: z.string().min(1).optional() }));
    const dir = path.resolve(PROJECT_ROOT, opts.dir ?? process.env.BACKUP_DIR ?? '.data/backups');
    return usingCareDatabase(async (db, target) => {
      let r;
      try {
        r = await backupDatabase(db, target.url, dir, PROJECT_ROOT);
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      const rows = Object.values(r.counts).reduce((a, b) => a + b, 0);
      console.log(`backup ${r.file}: ${(r.bytes / 1024 / 1024).toFixed(1)} MB, ${rows} rows, ${r.seconds.toFixed(1)} s (${r.tool.name} ${r.tool.version})`);
      return 0;
    }, console.log);
  },
};
