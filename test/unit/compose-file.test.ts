// docker-compose.yml and the Dockerfile hold what issue #15 asks of the stack: a health check on
// every service, an API that can be scaled (no fixed container name or host port) behind a proxy,
// an optional replica and the k6 run as profiles, a multi-stage non-root image on Node LTS slim.
// When a compose tool is installed, `make compose-check` must accept the file and refuse a broken one.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '..', '..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { healthcheck?: { test?: unknown }; profiles?: string[]; ports?: string[]; container_name?: string; image?: string; environment?: Record<string, string>; depends_on?: Record<string, { condition: string }> }>;
};
const hasComposeTool = spawnSync('sh', ['-c', 'command -v docker-compose || (command -v docker && docker compose version)'], { stdio: 'ignore' }).status === 0;

describe('docker-compose.yml', () => {
  it('has a primary, an optional replica, a scalable API behind a proxy and k6, each with a health check', () => {
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['api', 'k6', 'postgres', 'postgres-replica', 'prepare', 'proxy']);
    for (const [name, svc] of Object.entries(s)) expect(svc.healthcheck?.test, `${name} has no health check`).toBeTruthy();
    expect(s.api!.ports).toBeUndefined();
    expect(s.api!.container_name).toBeUndefined();
    expect(s['postgres-replica']!.profiles).toEqual(['replica']);
    expect(s.k6!.profiles).toEqual(['load']);
    expect(s.k6!.environment!.BASE_URL).toBe('http://proxy:8080');
    expect(s.proxy!.depends_on!.api!.condition).toBe('service_healthy');
  });

  it('builds the API from a multi-stage Dockerfile on Node LTS slim that runs as a non-root user', () => {
    const docker = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    const froms = [...docker.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^node:(20|22|24)-[a-z]+-slim$/);
    const users = [...docker.matchAll(/^USER\s+(\S+)/gm)].map((m) => m[1]!);
    expect(users.at(-1)).toBe('node');
  });

  it.skipIf(!hasComposeTool)('passes make compose-check, and a misspelt key fails the compose tool', () => {
    const out = execFileSync(path.join(root, 'scripts', 'compose-check'), { encoding: 'utf8' });
    expect(out).toMatch(/docker-compose.yml is valid/);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'compose-'));
    const bad = path.join(dir, 'docker-compose.yml');
    writeFileSync(bad, readFileSync(path.join(root, 'docker-compose.yml'), 'utf8').replace('healthcheck:', 'healthchek:'));
    const tool = spawnSync('sh', ['-c', `docker-compose -f ${bad} config -q || docker compose -f ${bad} config -q`], { env: { ...process.env, API_TOKEN: 'x'.repeat(16) }, encoding: 'utf8' });
    expect(tool.status).not.toBe(0);
    expect(tool.stderr).toMatch(/healthchek/);
  });
});
