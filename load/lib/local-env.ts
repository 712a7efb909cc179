// Local runs keep their secrets in `.env` (git-ignored): the API token is generated once, then
// reused, so a server started by `loadlab serve` and a later `loadlab load --target` agree.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const ENV_FILE = path.join(PROJECT_ROOT, '.env');

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
    if (!m) continue;
    out[m[1]!] = m[2]!.replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}

/** Load `.env` into process.env (without overriding real env vars) and make sure API_TOKEN exists. */
export function ensureLocalEnv(file = ENV_FILE): { apiToken: string; created: boolean } {
  const existing = existsSync(file) ? parseEnvFile(readFileSync(file, 'utf8')) : {};
  let created = false;
  if (!existing.API_TOKEN) {
    existing.API_TOKEN = randomBytes(24).toString('hex');
    const prefix = existsSync(file) ? `${readFileSync(file, 'utf8').replace(/\n?$/, '\n')}` : '# local secrets for loadlab (git-ignored)\n';
    writeFileSync(file, `${prefix}API_TOKEN=${existing.API_TOKEN}\n`, { mode: 0o600 });
    created = true;
  }
  for (const [k, v] of Object.entries(existing)) if (process.env[k] === undefined) process.env[k] = v;
  return { apiToken: process.env.API_TOKEN!, created };
}
