// Argument parsing for subcommands: node:util.parseArgs for the syntax, zod for the meaning.
// Errors become one-line CliErrors naming the option.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { CliError } from './cli-error';

/** Seconds in a k6-style duration (90s, 10m, 1h, 1500ms). */
export function durationSeconds(d: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(d);
  if (!m) throw new CliError(`not a duration: ${d}`);
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

export function parseOptions<S extends z.ZodTypeAny>(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
  schema: S,
  opts: { allowPositionals?: boolean } = {},
): z.infer<S> & { _: string[] } {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: opts.allowPositionals ?? false, strict: true });
  } catch (err) {
    const message = (err as Error).message.split('\n')[0]!;
    const ambiguous = /Option '(--[\w-]+)[^']*' argument is ambiguous/.exec(message);
    if (ambiguous) throw new CliError(`${ambiguous[1]}: the value looks like an option; write ${ambiguous[1]}=VALUE`);
    throw new CliError(message);
  }
  const result = schema.safeParse({ ...parsed.values, _: parsed.positionals });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const name = issue.path.length ? `--${String(issue.path[0]).replace(/_/g, '-')}` : 'arguments';
    throw new CliError(`${name}: ${issue.message}`);
  }
  return { ...(result.data as object), _: parsed.positionals } as z.infer<S> & { _: string[] };
}
