// Small real servers on 127.0.0.1, port 0: TCP that stays silent or speaks the wrong protocol,
// TLS, and HTTP(S) pages that look like a PBX GUI or a router. Each returns {port, stop()}.

import { createServer as createHttpServer, type RequestListener } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { KeyPair } from './tls-certs.js';

export interface TestServer {
  port: number;
  /** Connections accepted so far. */
  connections(): number;
  stop(): Promise<void>;
}

type Listening = NetServer & { close(cb?: (err?: Error) => void): unknown };

async function listen(server: Listening, host = '127.0.0.1'): Promise<TestServer> {
  const sockets = new Set<Socket>();
  let count = 0;
  server.on('connection', (s: Socket) => {
    count++;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  // TLS servers report the raw socket's connection separately; count those too.
  server.on('secureConnection', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  return {
    port: address.port,
    connections: () => count,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Accepts connections and never sends a byte (a tarpit, a hung service). */
export function startSilentServer(): Promise<TestServer> {
  return listen(createNetServer(() => {}));
}

/** Sends `greeting` on connect and ignores whatever the client says (SMTP, MySQL, …). */
export function startGreetingServer(greeting: string | Buffer): Promise<TestServer> {
  return listen(createNetServer((s) => s.write(greeting)));
}

/** TLS that completes the handshake and then says nothing. */
export function startTlsServer(pair: KeyPair): Promise<TestServer> {
  const server = createTlsServer({ key: pair.key, cert: pair.cert }, () => {});
  server.on('tlsClientError', () => {});
  return listen(server as unknown as Listening);
}

export function startHttpServer(handler: RequestListener): Promise<TestServer> {
  return listen(createHttpServer(handler) as unknown as Listening);
}

export function startHttpsServer(pair: KeyPair, handler: RequestListener): Promise<TestServer> {
  const server = createHttpsServer({ key: pair.key, cert: pair.cert }, handler);
  server.on('tlsClientError', () => {});
  return listen(server as unknown as Listening);
}

/** A port where nothing listens: bound, then released (the kernel answers it with RST). */
export async function closedPort(): Promise<number> {
  const s = await listen(createNetServer());
  await s.stop();
  return s.port;
}

export const PAGES = {
  pbxware: '<!doctype html><html><head><title>PBXware 7 - Login</title></head><body><div id="login">Bicom Systems PBXware</div></body></html>',
  serverware: '<!doctype html><html><head><title>SERVERware 4</title></head><body>SERVERware login</body></html>',
  issabel: '<!doctype html><html><head><title>Issabel - Login</title></head><body>Issabel PBX</body></html>',
  router: '<!doctype html><html><head><title>RT-AX58U Router Login</title></head><body>Sign in to your router</body></html>',
} as const;

/** A GUI page handler: `page` on /, with an optional Server header. */
export function page(html: string, server = 'nginx'): RequestListener {
  return (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', Server: server });
    res.end(html);
  };
}
