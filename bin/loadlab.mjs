#!/usr/bin/env node
// Thin bin: register tsx so the TypeScript CLI runs as-is, then hand over to load/cli.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../load/cli.ts');
process.exit(await main(process.argv.slice(2)));
