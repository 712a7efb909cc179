// meta.json: where a report came from (git sha, versions, options, data, machine).
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { PROJECT_ROOT } from '../lib/local-env';

export function buildMeta(o: { kind: string; k6Version: string; options: Record<string, unknown>; data: string }) {
  const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
  return {
    kind: o.kind,
    git_sha: git.status === 0 ? git.stdout.trim() : null,
    git_dirty: dirty.status === 0 ? dirty.stdout.trim().length > 0 : null,
    k6_version: o.k6Version,
    node_version: process.version,
    options: o.options,
    data: o.data,
    machine: { cpus: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}` },
    created_at: new Date().toISOString(),
  };
}
