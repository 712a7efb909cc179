// Admin notifications for heal: priority rules, and four real channels — log (JSONL file), webhook
// (JSON POST), slack (incoming-webhook payload) and email (SMTP via nodemailer). Each remote channel
// sits behind its own opossum circuit breaker with a timeout; a failing channel never fails the heal,
// it is reported in the delivery results instead. Unlike the old system's channels, which only
// printed a message, every channel here delivers or says why it did not.
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import CircuitBreaker from 'opossum';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { Severity } from './checks';

export const CHANNEL_NAMES = ['log', 'webhook', 'slack', 'email'] as const;
export type ChannelName = (typeof CHANNEL_NAMES)[number];
export type Priority = 'critical' | 'high' | 'medium' | 'low';

export interface CheckOutcome {
  id: string;
  severity: Severity;
  found: number;
  fixed: number;
  unfixed: number;
  /** The check could not run, or its repair failed (rolled back). */
  error?: string;
}

/**
 * critical: unfixed critical issues remain; high: more than 10 unfixed warnings; medium: a large
 * volume (more than 100 issues found); low: anything else that was found. null: nothing found.
 */
export function notificationPriority(outcomes: readonly CheckOutcome[]): Priority | null {
  const found = outcomes.reduce((n, c) => n + c.found, 0);
  if (outcomes.some((c) => c.severity === 'critical' && c.unfixed > 0)) return 'critical';
  if (outcomes.filter((c) => c.severity === 'warning').reduce((n, c) => n + c.unfixed, 0) > 10) return 'high';
  if (found > 100) return 'medium';
  if (found > 0) return 'low';
  return null;
}

export interface Notification {
  source: 'loadlab';
  kind: 'heal';
  run_id: string;
  dry_run: boolean;
  priority: Priority;
  subject: string;
  text: string;
  totals: { found: number; fixed: number; unfixed: number };
  checks: CheckOutcome[];
  created_at: string;
}

export interface DeliveryResult {
  channel: ChannelName;
  ok: boolean;
  ms: number;
  error?: string;
  /** The breaker's state after this delivery. */
  breaker?: 'closed' | 'open' | 'half-open';
}

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

export const NotifyConfigSchema = z
  .object({
    NOTIFY_CHANNELS: z
      .string()
      .default('log')
      .transform((v) => [...new Set(v.split(',').map((s) => s.trim()).filter(Boolean))])
      .pipe(z.array(z.enum(CHANNEL_NAMES, { error: (i) => `unknown channel '${String(i.input)}' (known: ${CHANNEL_NAMES.join(', ')})` }))),
    NOTIFY_LOG_FILE: z.string().default('.data/logs/notifications.jsonl'),
    NOTIFY_WEBHOOK_URL: z.url().optional(),
    NOTIFY_SLACK_WEBHOOK_URL: z.url().optional(),
    SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
    NOTIFY_EMAIL_TO: z.string().optional(),
    NOTIFY_EMAIL_FROM: z.string().default('loadlab <loadlab@localhost>'),
    NOTIFY_TIMEOUT_MS: z.coerce.number().int().min(50).default(5000),
    NOTIFY_BREAKER_RESET_MS: z.coerce.number().int().min(10).default(30_000),
    NOTIFY_BREAKER_VOLUME: z.coerce.number().int().min(1).default(3),
    NOTIFY_MIN_PRIORITY: z.enum(['critical', 'high', 'medium', 'low']).default('low'),
    NOTIFY_SMTP_IGNORE_TLS: bool.default(false),
  })
  .superRefine((c, ctx) => {
    const need = (channel: ChannelName, key: keyof typeof c, what: string) => {
      if (c.NOTIFY_CHANNELS.includes(channel) && !c[key]) ctx.addIssue({ code: 'custom', path: [key], message: `${what} is required when NOTIFY_CHANNELS includes ${channel}` });
    };
    need('webhook', 'NOTIFY_WEBHOOK_URL', 'NOTIFY_WEBHOOK_URL');
    need('slack', 'NOTIFY_SLACK_WEBHOOK_URL', 'NOTIFY_SLACK_WEBHOOK_URL');
    need('email', 'SMTP_URL', 'SMTP_URL');
    need('email', 'NOTIFY_EMAIL_TO', 'NOTIFY_EMAIL_TO');
  });
export type NotifyConfig = z.infer<typeof NotifyConfigSchema>;

/** Env → NotifyConfig; throws one line naming the variable. */
export function loadNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const r = NotifyConfigSchema.safeParse(env);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new Error(`${i.path.join('.') || 'notification settings'}: ${i.message}`);
  }
  return r.data;
}

const PRIORITY_RANK: Record<Priority, number> = { low: 0, medium: 1, high: 2, critical: 3 };

type Sender = (n: Notification) => Promise<void>;

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  // Drain the body so the connection is released.
  const text = await res.text().catch(() => '');
  if (!res.ok) throw new Error(`HTTP ${res.status} from ${new URL(url).host}${text ? `: ${text.slice(0, 120)}` : ''}`);
}

export function slackPayload(n: Notification) {
  const icon = { critical: ':rotating_light:', high: ':warning:', medium: ':large_orange_diamond:', low: ':information_source:' }[n.priority];
  return {
    text: `${icon} ${n.subject}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: n.subject.slice(0, 150) } },
      { type: 'section', text: { type: 'mrkdwn', text: '```' + n.text.slice(0, 2900) + '```' } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `run ${n.run_id} · priority *${n.priority}*` }] },
    ],
  };
}

function senderFor(channel: ChannelName, c: NotifyConfig): Sender {
  switch (channel) {
    case 'log':
      return async (n) => {
        await mkdir(path.dirname(path.resolve(c.NOTIFY_LOG_FILE)), { recursive: true });
        await appendFile(c.NOTIFY_LOG_FILE, `${JSON.stringify(n)}\n`);
      };
    case 'webhook':
      return (n) => postJson(c.NOTIFY_WEBHOOK_URL!, n, c.NOTIFY_TIMEOUT_MS);
    case 'slack':
      return (n) => postJson(c.NOTIFY_SLACK_WEBHOOK_URL!, slackPayload(n), c.NOTIFY_TIMEOUT_MS);
    case 'email': {
      const transport = nodemailer.createTransport(c.SMTP_URL!, {
        connectionTimeout: c.NOTIFY_TIMEOUT_MS,
        greetingTimeout: c.NOTIFY_TIMEOUT_MS,
        socketTimeout: c.NOTIFY_TIMEOUT_MS,
        ignoreTLS: c.NOTIFY_SMTP_IGNORE_TLS,
      } as object);
      return async (n) => {
        await transport.sendMail({
          from: c.NOTIFY_EMAIL_FROM,
          to: c.NOTIFY_EMAIL_TO,
          subject: `[loadlab][${n.priority.toUpperCase()}] ${n.subject}`,
          text: n.text,
          headers: { 'X-Loadlab-Run-Id': n.run_id, 'X-Loadlab-Priority': n.priority },
        });
      };
    }
  }
}

export function breakerState(b: CircuitBreaker): 'closed' | 'open' | 'half-open' {
  return b.opened ? 'open' : b.halfOpen ? 'half-open' : 'closed';
}

/** One channel: its sender behind a breaker (the log channel too — a full disk is a failure). */
export class NotificationChannel {
  readonly breaker: CircuitBreaker<[Notification], void>;
  private readonly timeoutMs: number;
  constructor(
    readonly name: ChannelName,
    send: Sender,
    opts: { timeoutMs: number; resetTimeoutMs: number; volumeThreshold: number },
  ) {
    this.timeoutMs = opts.timeoutMs;
    this.breaker = new CircuitBreaker(send, {
      timeout: opts.timeoutMs,
      resetTimeout: opts.resetTimeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: opts.volumeThreshold,
      name,
    });
    // Failures are reported through deliver(); keep opossum from logging unhandled events.
    this.breaker.on('failure', () => {});
  }

  async deliver(n: Notification): Promise<DeliveryResult> {
    const t0 = performance.now();
    try {
      await this.breaker.fire(n);
      return { channel: this.name, ok: true, ms: Math.round(performance.now() - t0), breaker: breakerState(this.breaker) };
    } catch (err) {
      const e = err as Error & { code?: string };
      const message = e.code === 'EOPENBREAKER' ? 'circuit open: not attempted' : e.code === 'ETIMEDOUT' ? `timed out after ${this.timeoutMs} ms` : oneLine(e);
      return { channel: this.name, ok: false, ms: Math.round(performance.now() - t0), error: message, breaker: breakerState(this.breaker) };
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

function oneLine(e: Error & { code?: string; cause?: unknown }): string {
  const cause = e.cause as { code?: string; message?: string } | undefined;
  const detail = cause?.code ?? cause?.message;
  return `${e.message}${detail && !e.message.includes(detail) ? ` (${detail})` : ''}`.replace(/\s+/g, ' ').trim();
}

export class Notifier {
  readonly channels: NotificationChannel[];
  constructor(readonly config: NotifyConfig) {
    const opts = { timeoutMs: config.NOTIFY_TIMEOUT_MS, resetTimeoutMs: config.NOTIFY_BREAKER_RESET_MS, volumeThreshold: config.NOTIFY_BREAKER_VOLUME };
    this.channels = config.NOTIFY_CHANNELS.map((name) => new NotificationChannel(name, senderFor(name, config), opts));
  }

  /** Deliver on every channel, in parallel; never throws. Below NOTIFY_MIN_PRIORITY nothing is sent. */
  async notify(n: Notification): Promise<DeliveryResult[]> {
    if (PRIORITY_RANK[n.priority] < PRIORITY_RANK[this.config.NOTIFY_MIN_PRIORITY]) return [];
    return Promise.all(this.channels.map((c) => c.deliver(n)));
  }

  close(): void {
    for (const c of this.channels) c.shutdown();
  }
}

export function buildNotification(run: { run_id: string; dry_run: boolean; checks: CheckOutcome[] }, priority: Priority): Notification {
  const totals = run.checks.reduce((t, c) => ({ found: t.found + c.found, fixed: t.fixed + c.fixed, unfixed: t.unfixed + c.unfixed }), { found: 0, fixed: 0, unfixed: 0 });
  const subject = `${run.dry_run ? 'heal dry run' : 'heal'}: ${totals.found} found, ${totals.fixed} fixed, ${totals.unfixed} unfixed`;
  const lines = run.checks
    .filter((c) => c.found > 0 || c.error)
    .map(
      (c) =>
        `${c.severity.padEnd(8)} ${c.id.padEnd(36)} found ${String(c.found).padStart(6)}  fixed ${String(c.fixed).padStart(6)}  unfixed ${String(c.unfixed).padStart(6)}${c.error ? `  (${c.error})` : ''}`,
    );
  const text = [`loadlab ${subject} (priority ${priority}, run ${run.run_id})`, '', ...lines].join('\n');
  return { source: 'loadlab', kind: 'heal', run_id: run.run_id, dry_run: run.dry_run, priority, subject, text, totals, checks: run.checks, created_at: new Date().toISOString() };
}
