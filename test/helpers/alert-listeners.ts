import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A local HTTP endpoint standing in for Slack and a webhook receiver: records every POST. */
export interface HttpListener {
  url: string;
  requests: { path: string; headers: Record<string, string | string[] | undefined>; body: any }[];
  /** Status codes to answer with next, per path (then 200). */
  failNext(path: string, ...statuses: number[]): void;
  close(): Promise<void>;
}

export async function startHttpListener(): Promise<HttpListener> {
  const requests: HttpListener['requests'] = [];
  const queued = new Map<string, number[]>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const status = queued.get(req.url ?? '')?.shift() ?? 200;
      requests.push({ path: req.url ?? '', headers: req.headers, body: body ? JSON.parse(body) : undefined });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? 'ok' : status === 404 ? 'no_service' : 'unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    failNext: (path, ...statuses) => queued.set(path, [...(queued.get(path) ?? []), ...statuses]),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A real SMTP server on loopback (smtp-server): records every message it accepts. */
export interface SmtpListener {
  port: number;
  messages: { from: string; to: string[]; raw: string; user?: string }[];
  close(): Promise<void>;
}

export async function startSmtpListener(options: { users?: Record<string, string> } = {}): Promise<SmtpListener> {
  const messages: SmtpListener['messages'] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS'],
    authOptional: !options.users,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth: any, _session: any, callback: any) {
      if (options.users && options.users[auth.username] === auth.password) callback(null, { user: auth.username });
      else callback(new Error('invalid credentials'));
    },
    onData(stream: any, session: any, callback: any) {
      let raw = '';
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')));
      stream.on('end', () => {
        messages.push({ from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r: any) => r.address), raw, user: session.user });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return { port, messages, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
