// Custom k6 metrics shared by scenarios. Every response is inspected once:
// - cache_hit: one sample per response that carries X-Cache (HIT=1, MISS=0) — one lookup, one count;
// - server_db_ms / server_app_ms: the server's own timing from Server-Timing;
// - writes_acked: one sample per acknowledged (2xx) write, tagged with what to verify afterwards;
// - harness_errors: a 404 on an id the harness sampled (a harness bug, not load).
import { Counter, Rate, Trend } from 'k6/metrics';

export const cacheHit = new Rate('cache_hit');
export const serverDbMs = new Trend('server_db_ms', true);
export const serverAppMs = new Trend('server_app_ms', true);
export const writesAcked = new Counter('writes_acked');
export const harnessErrors = new Counter('harness_errors');

interface ResponseLike {
  status: number;
  headers: Record<string, string>;
}

const SERVER_TIMING = /(db|app);dur=([\d.]+)/g;

export function observeResponse(res: ResponseLike, tags: Record<string, string>): void {
  const xCache = res.headers['X-Cache'];
  if (xCache === 'HIT' || xCache === 'MISS') cacheHit.add(xCache === 'HIT' ? 1 : 0, tags);
  const timing = res.headers['Server-Timing'];
  if (timing) {
    SERVER_TIMING.lastIndex = 0;
    for (let m = SERVER_TIMING.exec(timing); m; m = SERVER_TIMING.exec(timing)) {
      (m[1] === 'db' ? serverDbMs : serverAppMs).add(Number(m[2]), tags);
    }
  }
}

/**
 * Record an acknowledged write. `ref` names the row (`member:12`), `expect` what must be found
 * there afterwards (`exists`, or `field=value`). The harness verifies every one after the run.
 */
export function ackWrite(op: string, ref: string, expect: string): void {
  writesAcked.add(1, { op, ref, expect });
}
