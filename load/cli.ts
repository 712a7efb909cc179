// loadlab: one CLI, a command map, one file per subcommand. Each command returns its exit code;
// a CliError prints one line and exits with its code (2 = could not run). The map holds each
// command's one-line summary and imports its module only when that command runs (or is asked for
// --help): a start imports one command's code, not all of them (tsx transpiles what is imported).
import { runCommand, type CommandEntry } from './lib/command';

export const COMMANDS: Record<string, CommandEntry> = {
  migrate: {
    summary: 'apply database migrations (embedded PostgreSQL unless DATABASE_URL is set)',
    load: async () => (await import('./commands/migrate')).migrateCommand,
  },
  seed: {
    summary: 'seed deterministic data with COPY (embedded PostgreSQL unless DATABASE_URL is set)',
    load: async () => (await import('./commands/seed')).seedCommand,
  },
  serve: {
    summary: 'run the API server (Ctrl-C to stop); --workers N: N processes sharing the port',
    load: async () => (await import('./commands/serve')).serveCommand,
  },
  build: {
    summary: 'bundle the k6 scenarios with esbuild into dist/scenarios/',
    load: async () => (await import('./commands/build')).buildCommand,
  },
  load: {
    summary: 'run a load test with k6 and write a report (own server unless --target)',
    load: async () => (await import('./commands/load')).loadCommand,
  },
  level: {
    summary: 'hold a fixed arrival rate: level 1/2/3 = 100/200/500 requests/s (thresholds p95<50ms, p99<100ms, errors<0.1%, cache>85%)',
    load: async () => (await import('./commands/level')).levelCommand,
  },
  gate: {
    summary: 'CI performance gate: short load + thresholds (+ --baseline regression check); exit 0 pass, 1 fail, 2 could not run',
    load: async () => (await import('./commands/gate')).gateCommand,
  },
  compare: {
    summary: 'per operation Δp50/p95/p99 and error rate with bootstrap intervals and a verdict (faster / slower / no significant change)',
    load: async () => (await import('./commands/compare')).compareCommand,
  },
  merge: {
    summary: 'one report from k6 instances\' result files (k6-operator runners, other machines); exit 0 pass, 1 fail, 2 incomplete',
    load: async () => (await import('./commands/merge')).mergeCommand,
  },
  'k6-operator': {
    summary: 'write a k6-operator TestRun (parallelism N) + ConfigMap archive + results claim for the users scenario, and the steps to run and merge it',
    load: async () => (await import('./commands/k6-operator')).k6OperatorCommand,
  },
  'db-stats': {
    summary: 'per-table rows, total/table/index size and bytes per row, with totals',
    load: async () => (await import('./commands/db-stats')).dbStatsCommand,
  },
  'bench-seed': {
    summary: 'benchmark: stress seed vs psql \\copy vs 500-row INSERT batches (own embedded PostgreSQL)',
    load: async () => (await import('./commands/bench-seed')).benchSeedCommand,
  },
  capacity: {
    summary: 'stepped loads -> resource demands, MVA and the USL -> the answer at the target users (--validate runs them for real)',
    load: async () => (await import('./commands/capacity')).capacityCommand,
  },
  'bench-api': {
    summary: 'benchmark GET /members/:id (cache off/on), /livez and raw pg at p95 < 50 ms',
    load: async () => (await import('./commands/bench-api')).benchApiCommand,
  },
  'bench-scale': {
    summary: 'level 3 and the bench-api ceiling with 1 vs 2 workers, the read replica on vs off, and the capacity model\'s what-if for each',
    load: async () => (await import('./commands/bench-scale')).benchScaleCommand,
  },
  'bench-4000': {
    summary: 'the 4,000-user goal on the stress data: p95, p99, errors, delivered vs demanded throughput, pool, k6 CPU; pass/fail',
    load: async () => (await import('./commands/bench-4000')).bench4000Command,
  },
  integrity: {
    summary: 'run the database integrity checks (exit 1 when issues are found)',
    load: async () => (await import('./commands/integrity')).integrityCommand,
  },
  heal: {
    summary: 'repair what integrity finds, re-check, notify (--dry-run changes nothing; --summary: last 7 days, --days N)',
    load: async () => (await import('./commands/heal')).healCommand,
  },
  'inject-anomalies': {
    summary: 'plant anomalies of each kind the integrity checker knows (for testing heal)',
    load: async () => (await import('./commands/inject-anomalies')).injectAnomaliesCommand,
  },
  resilience: {
    summary: 'long-term resilience report: disk, files, sha256, growth, stale, outliers, query plans, indexes, backups',
    load: async () => (await import('./commands/resilience')).resilienceCommand,
  },
  backup: {
    summary: 'write a pg_dump custom-format backup (needs pg_dump >= the server version)',
    load: async () => (await import('./commands/backup')).backupCommand,
  },
  restore: {
    summary: 'verify a backup: restore it into a scratch database and compare row counts',
    load: async () => (await import('./commands/restore')).restoreCommand,
  },
  'bench-care': {
    summary: 'benchmark integrity + heal on the stress data set with 1% anomalies (not a test)',
    load: async () => (await import('./commands/bench-care')).benchCareCommand,
  },
  'bench-merge': {
    summary: 'merge benchmark: merged vs exact percentiles (real 2-instance run), 50 x 1,000,000-request files (seconds, memory), 1 vs 2 k6 instances',
    load: async () => (await import('./commands/bench-merge')).benchMergeCommand,
  },
  'bench-compare': {
    summary: 'compare benchmark: false-alarm rate over N pairs of identical runs, detection rate over M CACHE_ENABLED=false pairs, in compare and gate --baseline',
    load: async () => (await import('./commands/bench-compare')).benchCompareCommand,
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `usage: loadlab <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nloadlab <command> --help for a command's options`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    console.error(`loadlab: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: loadlab ${name} ${command.usage}\n\n${entry.summary}`);
    return 0;
  }
  return runCommand(name, command, rest);
}

if (import.meta.url === `file://${process.argv[1]}` || process.env.LOADLAB_CLI_MAIN === '1') {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      console.error(err);
      process.exit(2);
    },
  );
}
