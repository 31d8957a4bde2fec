// The benchmark fleet's listeners, run inside its namespace (bench/fleet-net.ts starts this file):
// `tcp` accepts and closes; `full` serves what a PBXware answers with — a GUI page over HTTP on
// 80/81 and HTTPS on 443, and SSH (banner, key exchange, auth methods) on 2020/2222 (ssh2's server).
// Prints "ready" once every port listens. Arguments: tcp|full KEYDIR PORTS

import { readFileSync } from 'node:fs';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { createServer as createTcp } from 'node:net';
import { join } from 'node:path';

const [mode = 'tcp', keyDir = '.', portList = ''] = process.argv.slice(2);
const ports = portList.split(',').map(Number);
const PAGE = '<!doctype html><html><head><title>PBXware login</title></head><body><h1>Bicom Systems PBXware</h1></body></html>';
const page = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/html', server: 'nginx', connection: 'close' });
  res.end(PAGE);
};

/** What every server here is to this file: net, http(s) and ssh2 servers alike. */
interface Listener {
  listen(options: { port: number; host: string; backlog: number }, ready: () => void): unknown;
  on(event: 'error', handler: (err: Error) => void): unknown;
}

async function serverFor(port: number): Promise<Listener> {
  if (mode !== 'full') return createTcp((s) => (s.on('error', () => {}), s.destroy()));
  if (port === 443) return createHttps({ key: readFileSync(join(keyDir, 'tls.key')), cert: readFileSync(join(keyDir, 'tls.crt')) }, page);
  if (port === 2020 || port === 2222) {
    const { default: ssh2 } = await import('ssh2');
    const server = new ssh2.Server({ hostKeys: [readFileSync(join(keyDir, 'ssh_host_ed25519_key'))], ident: 'OpenSSH_9.2p1 Debian-2+deb12u3' }, (client) => {
      client.on('error', () => {});
      client.on('authentication', (ctx) => ctx.reject(['publickey', 'password']));
    });
    return server;
  }
  return createHttp(page);
}

let ready = 0;
for (const port of ports) {
  const server = await serverFor(port);
  server.on('error', (err) => {
    process.stderr.write(`listener ${port}: ${err.message}\n`);
    process.exit(1);
  });
  server.listen({ port, host: '0.0.0.0', backlog: 65535 }, () => {
    if (++ready === ports.length) console.log('ready');
  });
}
