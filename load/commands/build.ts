// loadlab build: bundle the k6 scenarios into dist/scenarios/ (also done before every run).
import { z } from 'zod';
import { buildScenarios } from '../build-scenarios';
import { parseOptions } from '../lib/args';
import { CliError } from '../lib/cli-error';
import type { Command } from '../lib/command';

export const buildCommand: Command = {
  usage: '',
  async run(argv) {
    parseOptions(argv, {}, z.object({}).passthrough());
    try {
      for (const s of await buildScenarios()) console.log(`${s.name.padEnd(20)} ${(s.bytes / 1024).toFixed(1)} KB  ${s.file}`);
    } catch (err) {
      throw new CliError((err as Error).message, 1);
    }
    return 0;
  },
};
