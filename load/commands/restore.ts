// loadlab restore --verify FILE: restore a backup into a scratch database on the same server,
// compare its row counts with those taken at backup time, drop the scratch database.
// Exit 0 when every table matches, 1 when one differs, 2 when it could not run.
import path from 'node:path';
import { z } from 'zod';
import { verifyRestore } from '../../maintenance/backup';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { usingCareDatabase } from '../lib/care-target';

export const restoreCommand: Command = {
  usage: '--verify FILE',
  async run(argv) {
    const opts = parseOptions(argv, { verify: { type: 'string' } }, z.object({ verify: z.string({ error: 'FILE is required (restore only verifies)' }).min(1) }));
    const file = path.resolve(opts.verify);
    return usingCareDatabase(async (db, target) => {
      let r;
      try {
        r = await verifyRestore(db, target.url, file, path.resolve(import.meta.dirname, '..', '..'));
      } catch (err) {
        throw new CliError((err as Error).message, 2);
      }
      for (const t of r.tables) console.log(`${t.ok ? 'ok  ' : 'DIFF'} ${t.table.padEnd(24)} backup ${String(t.expected).padStart(9)}  restored ${String(t.restored).padStart(9)}`);
      console.log(`${r.ok ? 'verified' : 'MISMATCH'}: ${file} restored into ${r.scratch_database} in ${r.seconds.toFixed(1)} s (dropped)`);
      return r.ok ? 0 : 1;
    }, console.log);
  },
};
