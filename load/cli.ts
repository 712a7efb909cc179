// loadlab: one CLI, a command map, one file per subcommand. Each command returns its exit code;
// a CliError prints one line and exits with its code (2 = could not run).
import { runCommand, type Command } from './lib/command';
import { bench4000Command } from './commands/bench-4000';
import { benchApiCommand } from './commands/bench-api';
import { benchScaleCommand } from './commands/bench-scale';
import { buildCommand } from './commands/build';
import { compareCommand } from './commands/compare';
import { gateCommand } from './commands/gate';
import { levelCommand } from './commands/level';
import { loadCommand } from './commands/load';
import { migrateCommand } from './commands/migrate';
import { seedCommand } from './commands/seed';
import { serveCommand } from './commands/serve';
import { dbStatsCommand } from './commands/db-stats';
import { benchSeedCommand } from './commands/bench-seed';
import { capacityCommand } from './commands/capacity';
import { healCommand } from './commands/heal';
import { injectAnomaliesCommand } from './commands/inject-anomalies';
import { integrityCommand } from './commands/integrity';
import { resilienceCommand } from './commands/resilience';
import { backupCommand } from './commands/backup';
import { restoreCommand } from './commands/restore';
import { benchCareCommand } from './commands/bench-care';
import { mergeCommand } from './commands/merge';
import { k6OperatorCommand } from './commands/k6-operator';
import { benchCompareCommand } from './commands/bench-compare';
import { benchMergeCommand } from './commands/bench-merge';

export const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  seed: seedCommand,
  serve: serveCommand,
  build: buildCommand,
  load: loadCommand,
  level: levelCommand,
  gate: gateCommand,
  compare: compareCommand,
  merge: mergeCommand,
  'k6-operator': k6OperatorCommand,
  'db-stats': dbStatsCommand,
  'bench-seed': benchSeedCommand,
  capacity: capacityCommand,
  'bench-api': benchApiCommand,
  'bench-scale': benchScaleCommand,
  'bench-4000': bench4000Command,
  integrity: integrityCommand,
  heal: healCommand,
  'inject-anomalies': injectAnomaliesCommand,
  resilience: resilienceCommand,
  backup: backupCommand,
  restore: restoreCommand,
  'bench-care': benchCareCommand,
  'bench-merge': benchMergeCommand,
  'bench-compare': benchCompareCommand,
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
  const command = COMMANDS[name];
  if (!command) {
    console.error(`loadlab: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: loadlab ${name} ${command.usage}\n\n${command.summary}`);
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
