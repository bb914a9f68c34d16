import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A local stand-in for Slack and a webhook receiver: records each POST; answers as `mode` says. */
export interface HttpListener {
  port: number;
  mode: { webhook: 'ok' | 'fail'; slack: 'ok' | 'fail' };
  received: { webhook: { authorization?: string; url: string }[]; slack: number };
  close(): Promise<void>;
}

export async function startHttpListener(): Promise<HttpListener> {
  const listener: Omit<HttpListener, 'port' | 'close'> = { mode: { webhook: 'ok', slack: 'ok' }, received: { webhook: [], slack: 0 } };
  const server = createHttpServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/services/')) {
        listener.received.slack++;
        if (listener.mode.slack === 'ok') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        else res.writeHead(404, { 'content-type': 'text/plain' }).end('no_service');
        return;
      }
      listener.received.webhook.push({ authorization: req.headers.authorization, url });
      if (listener.mode.webhook === 'ok') res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      else res.writeHead(500, { 'content-type': 'text/plain' }).end('upstream unavailable');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    ...listener,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  } as HttpListener;
}

/**
 * A minimal SMTP server (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA, QUIT) on loopback, without TLS:
 * enough for nodemailer with `tls: none`. Accepts the login when the password matches and `mode` is ok.
 */
export interface SmtpListener {
  port: number;
  mode: 'ok' | 'reject';
  logins: { user: string; ok: boolean }[];
  messages: number;
  close(): Promise<void>;
}

export async function startSmtpListener(user: string, password: string): Promise<SmtpListener> {
  const sockets = new Set<Socket>();
  const state = { mode: 'ok' as 'ok' | 'reject', logins: [] as { user: string; ok: boolean }[], messages: 0 };
  const server = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const reply = (text: string) => socket.write(`${text}\r\n`);
    const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');
    let buffer = '';
    let inData = false;
    let stage: 'none' | 'login-user' | 'login-pass' | 'plain' = 'none';
    let loginUser = '';
    const check = (u: string, p: string) => {
      const ok = state.mode === 'ok' && u === user && p === password;
      state.logins.push({ user: u, ok });
      reply(ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
    };
    const handle = (line: string) => {
      if (inData) {
        if (line === '.') {
          inData = false;
          state.messages++;
          reply('250 2.0.0 OK queued');
        }
        return;
      }
      if (stage === 'login-user') {
        loginUser = decode(line);
        stage = 'login-pass';
        return void reply('334 UGFzc3dvcmQ6');
      }
      if (stage === 'login-pass') {
        stage = 'none';
        return check(loginUser, decode(line));
      }
      if (stage === 'plain') {
        stage = 'none';
        const [, u = '', p = ''] = decode(line).split('\0');
        return check(u, p);
      }
      const [verb = '', ...rest] = line.split(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          return void socket.write('250-localhost\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
        case 'HELO':
        case 'RSET':
        case 'NOOP':
        case 'MAIL':
        case 'RCPT':
          return void reply('250 OK');
        case 'AUTH': {
          const [method = '', initial] = rest;
          if (method.toUpperCase() === 'PLAIN') {
            if (initial) {
              const [, u = '', p = ''] = decode(initial).split('\0');
              return check(u, p);
            }
            stage = 'plain';
            return void reply('334 ');
          }
          if (method.toUpperCase() === 'LOGIN') {
            if (initial) {
              loginUser = decode(initial);
              stage = 'login-pass';
              return void reply('334 UGFzc3dvcmQ6');
            }
            stage = 'login-user';
            return void reply('334 VXNlcm5hbWU6');
          }
          return void reply('504 5.5.4 Unrecognized authentication type');
        }
        case 'DATA':
          inData = true;
          return void reply('354 End data with <CR><LF>.<CR><LF>');
        case 'QUIT':
          reply('221 2.0.0 Bye');
          return void socket.end();
        default:
          return void reply('502 5.5.2 Command not recognized');
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        handle(line);
      }
    });
    reply('220 localhost ESMTP fault-campaign');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const listener = {
    port: (server.address() as AddressInfo).port,
    get mode() {
      return state.mode;
    },
    set mode(value: 'ok' | 'reject') {
      state.mode = value;
    },
    get logins() {
      return state.logins;
    },
    get messages() {
      return state.messages;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return listener;
}
