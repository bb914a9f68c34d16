import { redactIn } from '../util/redact.js';
import type { AlertChannel } from '../config/types.js';
import { errorMessage } from '../errors.js';
import { alertText, type Alert } from './message.js';
import { timeoutSignal } from '../util/timeout-signal.js';

/**
 * Delivery of one alert to one channel, with retries and exponential backoff. A delivery never
 * throws: it reports what happened, so a broken channel cannot fail a snapshot.
 */
export interface Delivery {
  channel: AlertChannel['kind'];
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface SendOptions {
  env: NodeJS.ProcessEnv;
  retries: number;
  timeoutMs: number;
  /** First backoff; doubled after each failed attempt (capped at 30 s). */
  backoffMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/** `permanent`: retrying cannot help (a 404 webhook, a rejected recipient, a missing secret). */
class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent = false,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function channelName(channel: AlertChannel): string {
  return channel.kind === 'email' ? `email (${channel.to.join(', ')})` : channel.kind;
}

/**
 * POSTs JSON to a webhook URL. Credentials in the URL (`https://user:pass@host/…`) are sent as HTTP
 * basic auth, as curl does, and never printed: messages name the URL without user info or query
 * string (redact.ts). A URL that cannot be used at all is a permanent failure, not retried.
 */
async function postJson(raw: string, body: unknown, headers: Record<string, string>, timeoutMs: number): Promise<void> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Slack and webhook URLs are secrets: not even a broken one is echoed.
    throw new DeliveryError('the URL is not a URL (its value is not shown)', true);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new DeliveryError(`the URL is not an http(s) URL (it starts ${url.protocol}; the rest is not shown)`, true);
  const auth: Record<string, string> = url.username || url.password ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}` } : {};
  url.username = '';
  url.password = '';
  let response: Response;
  const timeout = timeoutSignal(timeoutMs);
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body: JSON.stringify(body), signal: timeout.signal });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    // No system error code: the request could not be made at all (a TypeError), and never will.
    throw new DeliveryError(`${url.host}: ${redactIn(cause ?? errorMessage(error), raw)}`, cause === undefined && error instanceof TypeError);
  } finally {
    timeout.clear();
  }
  if (response.ok) {
    await response.body?.cancel();
    return;
  }
  const text = redactIn((await response.text().catch(() => '')).slice(0, 200).trim(), raw);
  const retryAfter = Number(response.headers.get('retry-after'));
  const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
  throw new DeliveryError(`HTTP ${response.status}${text ? `: ${text}` : ''}`, !retryable, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined);
}

function secret(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new DeliveryError(`${name} is not set`, true);
  return value;
}

const EMOJI: Record<Alert['severity'], string> = { critical: ':rotating_light:', warning: ':warning:', resolved: ':white_check_mark:', info: ':information_source:' };

function slackPayload(alert: Alert) {
  return {
    text: `${alert.title}: ${alert.lines[0] ?? ''}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${EMOJI[alert.severity]} *${alert.title}*\n${alert.lines.join('\n')}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: `host \`${alert.host}\` · data directory \`${alert.dataDir}\` · \`snap status\` for details` }] },
    ],
  };
}

async function sendOnce(channel: AlertChannel, alert: Alert, options: SendOptions): Promise<void> {
  switch (channel.kind) {
    case 'slack':
      return postJson(secret(options.env, channel.webhookUrlEnv), slackPayload(alert), {}, options.timeoutMs);
    case 'webhook': {
      const url = channel.url ?? secret(options.env, channel.urlEnv);
      const token = options.env[channel.tokenEnv]?.trim();
      // A line break in the token would break the header, and the error would quote it.
      if (token && !/^[\x21-\x7e]+$/.test(token)) throw new DeliveryError(`${channel.tokenEnv} holds a line break, a space or a character that cannot go in an HTTP header (its value is not shown)`, true);
      return postJson(url, { source: 'snap', ...alert }, token ? { authorization: `Bearer ${token}` } : {}, options.timeoutMs);
    }
    case 'email': {
      const { default: nodemailer } = await import('nodemailer');
      const user = options.env[channel.userEnv];
      const transport = nodemailer.createTransport({
        host: channel.host,
        port: channel.port,
        secure: channel.tls === 'implicit',
        requireTLS: channel.tls === 'starttls',
        ignoreTLS: channel.tls === 'none',
        connectionTimeout: options.timeoutMs,
        greetingTimeout: options.timeoutMs,
        socketTimeout: options.timeoutMs,
        ...(user ? { auth: { user, pass: options.env[channel.passwordEnv] ?? '' } } : {}),
      });
      try {
        await transport.sendMail({ from: channel.from, to: channel.to, subject: `[snap] ${alert.title.replace(/^snap: /, '')}`, text: alertText(alert), headers: { 'X-Snap-Alert': alert.event } });
      } catch (error) {
        const e = error as { responseCode?: number; code?: string };
        // 5xx replies and bad credentials are final; 4xx replies and network trouble may pass on a retry.
        const permanent = (e.responseCode !== undefined && e.responseCode >= 500) || e.code === 'EAUTH' || e.code === 'EENVELOPE';
        throw new DeliveryError(`${channel.host}:${channel.port}: ${errorMessage(error)}`, permanent);
      } finally {
        transport.close();
      }
    }
  }
}

export async function deliver(channel: AlertChannel, alert: Alert, options: SendOptions): Promise<Delivery> {
  const sleep = options.sleep ?? sleepFor;
  const base = options.backoffMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      await sendOnce(channel, alert, options);
      return { channel: channel.kind, ok: true, attempts: attempt };
    } catch (error) {
      const failure = error instanceof DeliveryError ? error : new DeliveryError(errorMessage(error));
      if (failure.permanent || attempt > options.retries) return { channel: channel.kind, ok: false, attempts: attempt, error: failure.message };
      const waitMs = Math.min(30_000, failure.retryAfterMs ?? base * 2 ** (attempt - 1));
      options.log?.(`alert ${alert.event} → ${channelName(channel)}: attempt ${attempt} failed (${failure.message}); retrying in ${Math.round(waitMs / 100) / 10} s`);
      await sleep(waitMs);
    }
  }
}
