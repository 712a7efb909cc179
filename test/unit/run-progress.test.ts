// The progress lines read k6's samples CSV while k6 is still writing it: lines arrive in pieces, in
// several files (several k6 processes), and the figures must be the ones the samples say.
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { formatProgress, LiveSamples, startProgress } from '../../load/lib/run-progress';
import { percentile } from '../../load/results/stats';

const HEADER = 'metric_name,timestamp,metric_value,error_code,expected_response,method,name,scenario,status,extra_tags,metadata\n';
const T0 = 1_796_000_000_000;

function request(t: number, ms: number, failed: boolean): string {
  return [
    `http_reqs,${t},1.000000,,true,GET,GET /members/:id,level,200,op=read_member_detail,`,
    `http_req_duration,${t},${ms.toFixed(6)},,${!failed},GET,"GET /members/:id",level,${failed ? 503 : 200},op=read_member_detail,`,
    `http_req_failed,${t},${failed ? '1.000000' : '0.000000'},,${!failed},GET,GET /members/:id,level,${failed ? 503 : 200},op=read_member_detail,`,
  ].join('\n');
}

describe('LiveSamples', () => {
  it('counts requests, failures and users, and reads p95 within 1 % of the exact one, from growing files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-progress-'));
    const a = path.join(dir, 'a.csv');
    const b = path.join(dir, 'b.csv');
    const live = new LiveSamples([a, b]);
    live.poll(); // neither file exists yet
    expect(live.snapshot(0)).toMatchObject({ requests: 0, failed: 0, users: 0, ratePerS: 0 });
    expect(live.snapshot(0).p95Ms).toBeNaN();

    writeFileSync(a, HEADER);
    writeFileSync(b, HEADER);
    const durations: number[] = [];
    let text = '';
    // 10 s at 20 requests/s in file a, 10/s in file b; every 10th request fails.
    for (let s = 0; s < 10; s++) {
      for (let i = 0; i < 30; i++) {
        const ms = 1 + ((s * 30 + i) * 37) % 400;
        durations.push(ms);
        const line = request(T0 + s * 1000 + i * 30, ms, (s * 30 + i) % 10 === 0);
        if (i < 20) text += `${line}\n`;
        else appendFileSync(b, `${line}\n`);
      }
      text += `vus,${T0 + s * 1000},${5 + s}.000000,,,,,,,,\n`;
      appendFileSync(b, `vus,${T0 + s * 1000},3.000000,,,,,,,,\n`);
    }
    // File a arrives in two pieces, the cut in the middle of a line.
    const cut = Math.floor(text.length / 2) + 7;
    appendFileSync(a, text.slice(0, cut));
    live.poll();
    const half = live.snapshot(5);
    expect(half.requests).toBeLessThan(300);
    appendFileSync(a, text.slice(cut));
    live.poll();
    const s = live.snapshot(10);
    expect(s.requests).toBe(300);
    expect(s.failed).toBe(30);
    expect(s.users).toBe(14 + 3); // the newest vus sample of each file, added up
    expect(s.ratePerS).toBe(30); // seconds 4..8 complete: 30 each (second 9 is still "filling")
    const exact = percentile(Float64Array.from(durations).sort(), 95);
    expect(Math.abs(s.p95Ms - exact) / exact).toBeLessThanOrEqual(0.011);
  });

  it('ignores a file that is not k6 CSV output', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-progress-'));
    const f = path.join(dir, 'x.csv');
    writeFileSync(f, 'a,b,c\nhttp_req_duration,1,2\n');
    const live = new LiveSamples([f]);
    live.poll();
    expect(live.snapshot(1).requests).toBe(0);
  });
});

describe('progress lines', () => {
  it('says elapsed / planned, users, req/s, requests (of planned), errors and p95', () => {
    const line = formatProgress({ label: 'load', seconds: 610, requests: 2500 }, { elapsedS: 75, users: 50, ratePerS: 98.25, requests: 1234, failed: 3, p95Ms: 12.34 });
    expect(line).toBe('load: 1:15 / 10:10  users 50  98.3 req/s  1,234 / 2,500 requests  errors 3 (0.24%)  p95 12.3 ms');
    expect(formatProgress({ label: 'x' }, { elapsedS: 3725, users: 0, ratePerS: 0, requests: 0, failed: 0, p95Ms: Number.NaN })).toBe(
      'x: 1:02:05  users 0  0.0 req/s  0 requests  errors 0  p95 -',
    );
  });

  it('an arrival-rate run shows its target rate and the VUs busy (not "users")', () => {
    const line = formatProgress({ label: 'level1', seconds: 70, arrivalRateRps: 100 }, { elapsedS: 30, users: 1, ratePerS: 100, requests: 2894, failed: 0, p95Ms: 3.9 });
    expect(line).toBe('level1: 0:30 / 1:10  target 100 req/s  VUs busy 1  100.0 req/s  2,894 requests  errors 0 (0.00%)  p95 3.9 ms');
  });

  it('rewrites one line on a terminal every 2 s and ends it with a newline when stopped', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const writes: string[] = [];
    const p = startProgress({ label: 't' }, [path.join(os.tmpdir(), 'loadlab-no-such.csv')], { isTTY: true, write: (s: string) => writes.push(s) });
    vi.advanceTimersByTime(1000);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(3000);
    p.stop();
    vi.useRealTimers();
    expect(writes.length).toBe(4); // at 2 s, at 4 s, the final state, the newline
    expect(writes[0]).toMatch(/^\r\x1b\[2Kt: 0:02 {2}users 0/);
    expect(writes[1]).toMatch(/^\r\x1b\[2Kt: 0:04 /);
    expect(writes[writes.length - 1]).toBe('\n');
  });

  it('writes a plain line every 30 s when not on a terminal, and nothing at the end', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
    const writes: string[] = [];
    const p = startProgress({ label: 'ci', seconds: 600 }, [path.join(os.tmpdir(), 'loadlab-no-such.csv')], { isTTY: false, write: (s: string) => writes.push(s) }, {});
    vi.advanceTimersByTime(29_000);
    expect(writes).toEqual([]);
    vi.advanceTimersByTime(32_000);
    p.stop();
    vi.useRealTimers();
    expect(writes).toEqual(['progress ci: 0:30 / 10:00  users 0  0.0 req/s  0 requests  errors 0  p95 -\n', 'progress ci: 1:00 / 10:00  users 0  0.0 req/s  0 requests  errors 0  p95 -\n']);
  });
});
