// Errors a command raises for the user: printed as one line, with the command's exit code.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
