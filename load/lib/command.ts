// The shape of a subcommand (its usage line, run() -> exit code), its entry in the command map (a
// summary for the help text and the import of its module), and how one is run: a CliError is one
// line on stderr with its exit code, anything else exit 2. Every command first cleans up what an
// earlier, killed loadlab left running (and says so); a run command (`interruptible`) turns
// SIGINT/SIGTERM/SIGHUP into a partial report (lib/interrupt.ts).
import { cleanStrays } from '../../common/child-guard';
import { CliError } from './cli-error';
import { interruptible } from './interrupt';

export interface Command {
  /** The options after `loadlab <command>`, for `loadlab <command> --help`. */
  usage: string;
  /** Runs load: a signal stops k6 and the report of what ran is written (exit code EXIT_INTERRUPTED). */
  interruptible?: boolean;
  run(argv: string[]): Promise<number>;
}

/** A line of the command map (load/cli.ts): the summary costs nothing, the module is imported by load(). */
export interface CommandEntry {
  summary: string;
  load(): Promise<Command>;
}

export async function runCommand(name: string, command: Command, argv: string[]): Promise<number> {
  try {
    for (const line of await cleanStrays()) console.error(`loadlab ${name}: ${line}`);
    return await (command.interruptible ? interruptible(() => command.run(argv)) : command.run(argv));
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`loadlab ${name}: ${err.message}`);
      return err.exitCode;
    }
    console.error(`loadlab ${name}: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}
