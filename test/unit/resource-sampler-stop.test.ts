// ResourceSampler.stop() is one stop however often it is called: executeRun (load/run-report.ts)
// calls it as k6 ends without waiting, then awaits it again. The second call found the first one's
// last sample under way, skipped it and returned the series without it (and a tick under way when
// stop() was called made even the first call skip its last sample), so resources.json could end a
// second early. Against a local /metrics that holds its answers until the test lets them go: the
// state (an interval tick under way at stop()) is made, not waited for by chance.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { ApiClient } from '../../load/lib/data-pool';
import { startResourceSampler } from '../../load/results/resource-sampler';
import { waitFor } from '../support/run-process';

let server: Server | undefined;
afterEach(() => {
  server?.closeAllConnections();
  server?.close();
});

it('stop() twice while an interval tick is under way: the same series, ending with a sample taken after stop()', async () => {
  let scrapes = 0;
  let release = false;
  const held: (() => void)[] = [];
  server = createServer((_req, res) => {
    const n = ++scrapes;
    const answer = () => res.end(`http_requests_total{method="GET",route="/api/v1/members/:id",status="200"} ${n * 10}\n`);
    // The first scrape (the sampler's first tick) is answered at once; later ones wait for the test.
    if (n === 1 || release) answer();
    else held.push(answer);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const sampler = startResourceSampler({ intervalMs: 50, api: new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'token') });
  await waitFor('an interval tick under way (its scrape held)', () => held.length === 1, 10_000);

  const stoppedAt = Date.now();
  const first = sampler.stop();
  const second = sampler.stop();
  expect(second).toBe(first);
  release = true;
  for (const answer of held.splice(0)) answer();
  const [a, b] = await Promise.all([first, second]);

  expect(b).toEqual(a);
  expect(scrapes).toBe(3); // the first tick, the one under way, and the last sample of stop()
  expect(b.samples).toHaveLength(2);
  expect(b.samples[0]!.t).toBeLessThanOrEqual(stoppedAt);
  expect(b.samples[1]!.t).toBeGreaterThanOrEqual(stoppedAt);
  expect(b.samples.map((s) => s.requests_rps! > 0)).toEqual([true, true]);
  // Stopped: no tick after it, and a later stop() is still the same one.
  await new Promise((r) => setTimeout(r, 150));
  expect(scrapes).toBe(3);
  expect(await sampler.stop()).toEqual(b);
});
