// loadlab inject-anomalies: plant each anomaly kind the integrity checker knows (bypassing
// constraints where needed, see maintenance/anomalies.ts) and print the ids planted per kind.
import { z } from 'zod';
import { ANOMALY_KINDS, plantAnomalies, resolveKinds } from '../../maintenance/anomalies';
import { defaultCheckContext } from '../../maintenance/integrity';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { listOption, usingCareDatabase } from '../lib/care-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const injectAnomaliesCommand: Command = {
  usage: `[--kinds kind,kind] [--count N] [--json]\n\nkinds: ${Object.keys(ANOMALY_KINDS).join(', ')}`,
  async run(argv) {
    const opts = parseOptions(
      argv,
      { kinds: { type: 'string' }, count: { type: 'string' }, json: { type: 'boolean' } },
      z.object({ kinds: z.string().optional(), count: z.coerce.number().int().min(1).max(100_000).default(1), json: z.boolean().default(false) }),
    );
    let kinds: string[];
    try {
      kinds = resolveKinds(listOption(opts.kinds));
    } catch (err) {
      throw new CliError(`--kinds: ${(err as Error).message}`);
    }
    const { filesDir } = defaultCheckContext(process.env, PROJECT_ROOT);
    const planted = await usingCareDatabase(async (db) => {
      try {
        return await plantAnomalies(db, kinds, opts.count, { filesDir });
      } catch (err) {
        // Each kind is planted in its own transaction: the failing kind left nothing behind.
        const e = err as Error & { kind?: string };
        throw new CliError(`planting failed${e.kind ? ` for ${e.kind}` : ''} (that kind was rolled back): ${e.message.split('\n')[0]}`);
      }
    }, opts.json ? () => {} : console.log);
    if (opts.json) {
      console.log(JSON.stringify(planted, null, 2));
      return 0;
    }
    for (const p of planted) {
      console.log(`${p.kind}: ${p.description}${p.bypass ? ` [bypass: ${p.bypass}]` : ''}`);
      for (const [check, ids] of Object.entries(p.findings)) console.log(`  ${check}: ${ids.length} → ${ids.join(' ')}`);
    }
    return 0;
  },
};
