// The shape of a subcommand (a summary for the help text, its usage line, run() -> exit code) and
// how one is run: a CliError is one line on stderr with its exit code, anything else exit 2.
import { CliError } from './cli-error';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}

export async function runCommand(name: string, command: Command, argv: string[]): Promise<number> {
  try {
    return await command.run(argv);
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`loadlab ${name}: ${err.message}`);
      return err.exitCode;
    }
    console.error(`loadlab ${name}: ${(err as Error).stack ?? String(err)}`);
    return 2;
  }
}
