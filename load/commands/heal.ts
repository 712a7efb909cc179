// loadlab heal: integrity → repair (one transaction per check) → re-check → notify. A fix counts
// only when the re-check no longer finds it. --dry-run prints the exact changes and changes nothing;
// --summary shows the heal runs of the last 7 days (--days N, 1–366). Exit 0 when nothing remains unfixed, 1 otherwise.
import path from 'node:path';
import { z } from 'zod';
import { resolveChecks } from '../../maintenance/checks';
import { formatHeal, formatRunSummary } from '../../maintenance/care-format';
import { heal, recentHealRuns } from '../../maintenance/heal';
import { defaultCheckContext } from '../../maintenance/integrity';
import { loadNotifyConfig, Notifier } from '../../maintenance/notifications';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';
import { listOption, usingCareDatabase } from '../lib/care-target';
import { PROJECT_ROOT } from '../lib/local-env';

export const healCommand: Command = {
  usage: '[--dry-run] [--summary [--days N]] [--checks id,id] [--channels log,webhook,slack,email] [--json] [--quiet]',
  async run(argv) {
    const opts = parseOptions(
      argv,
      {
        'dry-run': { type: 'boolean' },
        summary: { type: 'boolean' },
        checks: { type: 'string' },
        channels: { type: 'string' },
        days: { type: 'string' },
        json: { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
      z.object({
        'dry-run': z.boolean().default(false),
        summary: z.boolean().default(false),
        checks: z.string().optional(),
        channels: z.string().optional(),
        days: z.coerce.number().int().min(1).max(366).default(7),
        json: z.boolean().default(false),
        quiet: z.boolean().default(false),
      }),
    );
    const log = opts.json ? () => {} : console.log;
    if (opts.summary) {
      const rows = await usingCareDatabase((db) => recentHealRuns(db, opts.days), log);
      console.log(opts.json ? JSON.stringify(rows, null, 2) : formatRunSummary(rows, opts.days));
      return 0;
    }
    let checks;
    try {
      checks = resolveChecks(listOption(opts.checks));
    } catch (err) {
      throw new CliError(`--checks: ${(err as Error).message}`);
    }
    let notifier: Notifier;
    try {
      notifier = new Notifier(loadNotifyConfig(opts.channels ? { ...process.env, NOTIFY_CHANNELS: opts.channels } : process.env));
    } catch (err) {
      throw new CliError(`notifications: ${(err as Error).message}`);
    }
    const ctx = defaultCheckContext(process.env, PROJECT_ROOT);
    const auditDir = path.resolve(PROJECT_ROOT, process.env.HEAL_AUDIT_DIR ?? '.data/logs/auto-heal');
    try {
      const report = await usingCareDatabase(
        (db) => heal(db, { checks, ctx, dryRun: opts['dry-run'], auditDir, notifier, lockTimeoutMs: Number(process.env.HEAL_LOCK_TIMEOUT_MS ?? 5000) }),
        log,
      );
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else console.log(formatHeal(report, { changes: opts['dry-run'] || !opts.quiet }));
      return report.checks.some((c) => c.unfixed > 0 || c.error) ? 1 : 0;
    } finally {
      notifier.close();
    }
  },
};
