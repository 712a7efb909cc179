// Notification channels against real local sinks: an HTTP server (webhook and Slack payloads) and an
// SMTP server (smtp-server) — messages are received and inspected. Plus the circuit breaker (opens
// after failures, half-open after resetTimeout, closes on success), timeouts, unreachable endpoints,
// and a heal whose channel fails: the heal completes and reports the failed channel.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { plantAnomalies } from '../../maintenance/anomalies';
import { CHECKS } from '../../maintenance/checks';
import { heal, recentHealRuns } from '../../maintenance/heal';
import {
  buildNotification,
  loadNotifyConfig,
  NotificationChannel,
  notificationPriority,
  Notifier,
  type CheckOutcome,
  type Notification,
} from '../../maintenance/notifications';
import { careContext, insertCleanBase, tempFilesDir } from '../support/care-fixtures';
import { createTestDatabase, type TestDatabase } from '../support/database';
import { waitFor } from '../support/run-process';

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

/** A real HTTP sink: records requests; `mode` decides the answer. */
class HttpSink {
  received: Received[] = [];
  mode: 'ok' | 'fail' | 'hang' = 'ok';
  private server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => {
      this.received.push({ path: req.url ?? '', headers: req.headers, body: data ? JSON.parse(data) : null });
      if (this.mode === 'hang') return; // never answers
      res.writeHead(this.mode === 'ok' ? 200 : 500, { 'content-type': 'text/plain' }).end(this.mode === 'ok' ? 'ok' : 'sink failure');
    });
  });
  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  async stop() {
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

interface Mail {
  from: string;
  to: string[];
  raw: string;
}

let http: HttpSink;
let httpUrl: string;
let smtp: SMTPServer;
let smtpPort: number;
const mails: Mail[] = [];

beforeAll(async () => {
  http = new HttpSink();
  httpUrl = await http.start();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, cb) {
      let raw = '';
      stream.on('data', (c) => (raw += c));
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await http?.stop();
  await new Promise<void>((r) => smtp.close(() => r()));
});

const outcomes: CheckOutcome[] = [
  { id: 'employment_multiple_current', severity: 'critical', found: 2, fixed: 0, unfixed: 2 },
  { id: 'employment_overlap', severity: 'warning', found: 3, fixed: 3, unfixed: 0 },
];
const note = (): Notification => buildNotification({ run_id: 'run-1', dry_run: false, checks: outcomes }, 'critical');

describe('priority rules', () => {
  const o = (severity: 'critical' | 'warning' | 'info', found: number, unfixed: number): CheckOutcome => ({ id: 'x', severity, found, fixed: found - unfixed, unfixed });
  it('critical when unfixed critical issues remain', () => {
    expect(notificationPriority([o('critical', 1, 1)])).toBe('critical');
    expect(notificationPriority([o('critical', 500, 0), o('warning', 20, 20)])).toBe('high');
  });
  it('high for more than 10 unfixed warnings, medium for more than 100 found, low otherwise, none when clean', () => {
    expect(notificationPriority([o('warning', 11, 11)])).toBe('high');
    expect(notificationPriority([o('warning', 10, 10)])).toBe('low');
    expect(notificationPriority([o('warning', 101, 0)])).toBe('medium');
    expect(notificationPriority([o('info', 150, 150)])).toBe('medium');
    expect(notificationPriority([o('info', 3, 3)])).toBe('low');
    expect(notificationPriority([o('info', 0, 0)])).toBeNull();
  });
});

describe('configuration', () => {
  it('names an unknown channel and a missing endpoint in one line', () => {
    expect(() => loadNotifyConfig({ NOTIFY_CHANNELS: 'log,pager' })).toThrow(/unknown channel 'pager'/);
    expect(() => loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook' })).toThrow(/NOTIFY_WEBHOOK_URL is required/);
    expect(() => loadNotifyConfig({ NOTIFY_CHANNELS: 'email', SMTP_URL: 'smtp://127.0.0.1:25' })).toThrow(/NOTIFY_EMAIL_TO/);
    expect(loadNotifyConfig({}).NOTIFY_CHANNELS).toEqual(['log']);
  });
});

describe('delivery to real sinks', () => {
  it('webhook: a JSON POST with the whole notification', async () => {
    http.mode = 'ok';
    http.received = [];
    const n = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook', NOTIFY_WEBHOOK_URL: `${httpUrl}/hooks/care` }));
    const [r] = await n.notify(note());
    n.close();
    expect(r).toMatchObject({ channel: 'webhook', ok: true });
    expect(http.received).toHaveLength(1);
    expect(http.received[0]!.path).toBe('/hooks/care');
    expect(http.received[0]!.headers['content-type']).toBe('application/json');
    expect(http.received[0]!.body).toMatchObject({ source: 'loadlab', run_id: 'run-1', priority: 'critical', totals: { found: 5, fixed: 3, unfixed: 2 } });
    expect(http.received[0]!.body.checks.map((c: CheckOutcome) => c.id)).toEqual(['employment_multiple_current', 'employment_overlap']);
  });

  it('slack: an incoming-webhook payload (text + blocks)', async () => {
    http.mode = 'ok';
    http.received = [];
    const n = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'slack', NOTIFY_SLACK_WEBHOOK_URL: `${httpUrl}/services/T000/B000/XXX` }));
    const [r] = await n.notify(note());
    n.close();
    expect(r?.ok).toBe(true);
    const body = http.received[0]!.body;
    expect(body.text).toContain('heal: 5 found, 3 fixed, 2 unfixed');
    expect(body.blocks[0]).toMatchObject({ type: 'header' });
    expect(body.blocks[1].text.text).toContain('employment_multiple_current');
  });

  it('email: an SMTP message with the priority in the subject and the checks in the body', async () => {
    mails.length = 0;
    const n = new Notifier(
      loadNotifyConfig({ NOTIFY_CHANNELS: 'email', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, NOTIFY_EMAIL_TO: 'admin@local46.test', NOTIFY_SMTP_IGNORE_TLS: 'true' }),
    );
    const [r] = await n.notify(note());
    n.close();
    expect(r).toMatchObject({ channel: 'email', ok: true });
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['admin@local46.test']);
    expect(mails[0]!.raw).toMatch(/Subject: \[loadlab\]\[CRITICAL\] heal: 5 found, 3 fixed, 2 unfixed/);
    expect(mails[0]!.raw).toMatch(/^X-Loadlab-Run-Id: run-1\r?$/im);
    expect(mails[0]!.raw).toContain('employment_multiple_current');
  });

  it('a failing, a hanging and an unreachable endpoint are reported, never thrown', async () => {
    http.mode = 'fail';
    const failing = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook', NOTIFY_WEBHOOK_URL: httpUrl }));
    expect((await failing.notify(note()))[0]).toMatchObject({ ok: false, error: expect.stringContaining('HTTP 500') });
    failing.close();

    http.mode = 'hang';
    const hanging = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook', NOTIFY_WEBHOOK_URL: httpUrl, NOTIFY_TIMEOUT_MS: '200' }));
    expect((await hanging.notify(note()))[0]).toMatchObject({ ok: false, error: 'timed out after 200 ms' });
    hanging.close();

    const closed = new HttpSink();
    const closedUrl = await closed.start();
    await closed.stop();
    const unreachable = new Notifier(loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook,log', NOTIFY_WEBHOOK_URL: closedUrl, NOTIFY_LOG_FILE: path.join(await tempFilesDir(), 'n.jsonl') }));
    const results = await unreachable.notify(note());
    unreachable.close();
    expect(results[0]).toMatchObject({ channel: 'webhook', ok: false, error: expect.stringMatching(/ECONNREFUSED|fetch failed/) });
    expect(results[1]).toMatchObject({ channel: 'log', ok: true });
    http.mode = 'ok';
  });
});

describe('circuit breaker', () => {
  it('opens after failures (calls are then not attempted), goes half-open after resetTimeout, closes on success', async () => {
    http.mode = 'fail';
    http.received = [];
    const config = loadNotifyConfig({ NOTIFY_CHANNELS: 'webhook', NOTIFY_WEBHOOK_URL: httpUrl });
    // 2 s open: the blocked call comes well inside it even on a stalled machine (300 ms could pass
    // between two calls); half-open is polled for, and must not come before the reset time.
    const RESET_MS = 2000;
    const n = new Notifier({ ...config, NOTIFY_BREAKER_VOLUME: 2, NOTIFY_BREAKER_RESET_MS: RESET_MS });
    const channel: NotificationChannel = n.channels[0]!;
    expect((await channel.deliver(note())).breaker).toBe('closed');
    const beforeOpen = performance.now();
    const second = await channel.deliver(note());
    expect(second).toMatchObject({ ok: false, breaker: 'open' });
    expect(http.received).toHaveLength(2);

    const blocked = await channel.deliver(note());
    expect(blocked).toMatchObject({ ok: false, error: 'circuit open: not attempted', breaker: 'open' });
    expect(http.received).toHaveLength(2); // really blocked: the sink saw nothing

    await waitFor('the breaker to go half-open', () => channel.breaker.halfOpen, 15_000);
    expect(performance.now() - beforeOpen).toBeGreaterThanOrEqual(RESET_MS - 5); // not before resetTimeout
    expect(channel.breaker.halfOpen).toBe(true);
    http.mode = 'ok';
    const recovered = await channel.deliver(note());
    expect(recovered).toMatchObject({ ok: true, breaker: 'closed' });
    expect(http.received).toHaveLength(3);
    n.close();
  });
});

describe('heal with a failing channel', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => t?.drop());

  it('completes the heal, delivers on the working channels and records the failed one', async () => {
    const filesDir = await tempFilesDir();
    await insertCleanBase(t.db, filesDir);
    await plantAnomalies(t.db, ['employment_organization_missing'], 1, { filesDir });
    http.mode = 'ok';
    http.received = [];
    mails.length = 0;
    const closed = new HttpSink();
    const deadUrl = await closed.start();
    await closed.stop();
    const notifier = new Notifier(
      loadNotifyConfig({
        NOTIFY_CHANNELS: 'log,webhook,slack,email',
        NOTIFY_LOG_FILE: path.join(filesDir, 'notify.jsonl'),
        NOTIFY_WEBHOOK_URL: deadUrl,
        NOTIFY_SLACK_WEBHOOK_URL: `${httpUrl}/slack`,
        SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
        NOTIFY_EMAIL_TO: 'ops@local46.test',
        NOTIFY_SMTP_IGNORE_TLS: 'true',
      }),
    );
    const report = await heal(t.db, { checks: CHECKS, ctx: careContext(filesDir), dryRun: false, auditDir: path.join(filesDir, 'audit'), notifier });
    notifier.close();
    expect(report.priority).toBe('critical');
    expect(report.deliveries.map((d) => [d.channel, d.ok])).toEqual([
      ['log', true],
      ['webhook', false],
      ['slack', true],
      ['email', true],
    ]);
    expect(http.received.map((r) => r.path)).toEqual(['/slack']);
    expect(mails).toHaveLength(1);
    const [run] = await recentHealRuns(t.db, 7);
    expect(run).toMatchObject({ run_id: report.run_id, priority: 'critical', issues_unfixed: 1, failed_channels: ['webhook'] });
  });
});
