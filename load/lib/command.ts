// The shape of a subcommand: a summary for the help text, its usage line, and run() -> exit code.
export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
}
