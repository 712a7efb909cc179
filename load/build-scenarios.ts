// Bundles every scenario entry file (scenarios/*.ts) with esbuild into dist/scenarios/*.js for k6:
// ESM, platform neutral, k6 modules external, not minified, with source maps. The build fails if
// a bundle pulls in anything from node_modules or server code other than the plain domain
// constants: zod or faker inside a VU costs megabytes per VU at 4,000 VUs.
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { PROJECT_ROOT } from './lib/local-env';

export const SCENARIOS_DIR = path.join(PROJECT_ROOT, 'scenarios');
export const SCENARIOS_OUT = path.join(PROJECT_ROOT, 'dist', 'scenarios');

/** Server files a scenario may import values from: plain constants only. */
const ALLOWED_SERVER_INPUTS = new Set(['server/domain/routes.ts', 'server/domain/enums.ts']);

export function forbiddenInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter(
    (input) => input.includes('node_modules/') || (input.startsWith('server/') && !ALLOWED_SERVER_INPUTS.has(input)) || /^(load|seeds|maintenance)\//.test(input),
  );
}

export interface BuiltScenario {
  name: string;
  file: string;
  bytes: number;
}

export function scenarioEntries(): string[] {
  return readdirSync(SCENARIOS_DIR)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(SCENARIOS_DIR, f));
}

export async function buildScenarios(entries = scenarioEntries()): Promise<BuiltScenario[]> {
  const result = await build({
    entryPoints: entries,
    outdir: SCENARIOS_OUT,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2020',
    external: ['k6', 'k6/*'],
    minify: false,
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: PROJECT_ROOT,
  });
  const bad = forbiddenInputs(result.metafile);
  if (bad.length) {
    throw new Error(`scenario bundle pulls in code that must not run inside k6 VUs (use 'import type'): ${bad.join(', ')}`);
  }
  // Written only after the check: a refused build leaves no bundle behind for k6 to run. Each file
  // goes to a temporary name and is renamed into place, so a k6 started by another run (parallel
  // test files, two terminals) never reads a half-written bundle.
  for (const f of result.outputFiles) {
    mkdirSync(path.dirname(f.path), { recursive: true });
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, out]) => ({ name: path.basename(file, '.js'), file: path.join(PROJECT_ROOT, file), bytes: out.bytes }));
}
