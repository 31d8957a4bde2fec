// How long one host's check takes against the per-host cap: 8 ports of a server that accepts and
// never speaks (each TLS probe runs to its timeout), checked with the cap at 1 (sequential), 2, 4, 8,
// compared in the same run with the slowest single probe. Run: npm run bench:check

import { createServer, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_DEPS, runCheck } from '../checker/check.js';
import { CHECK_DEFAULTS } from '../checker/check-options.js';
import { withDeadline } from '../checker/probes/probe.js';
import { probeTls } from '../checker/probes/tls.js';

const TIMEOUT_MS = 500;
const PORTS = [9101, 9102, 9103, 9104, 9105, 9106, 9107, 9108];

const sockets = new Set<Socket>();
const server = createServer((s) => {
  sockets.add(s);
  s.on('error', () => {});
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as { port: number }).port;
const portMap = Object.fromEntries([...PORTS, 3306, 5038].map((p) => [p, port]));

let t = performance.now();
await withDeadline(TIMEOUT_MS, undefined, (signal) => probeTls({ address: '127.0.0.1', port, host: 'localhost' }, { signal }));
const single = performance.now() - t;
console.log(`slowest single probe (TLS handshake timeout): ${single.toFixed(0)} ms`);
console.log(`${PORTS.length} silent ports (+ 2 exposure ports), --timeout-ms ${TIMEOUT_MS}:`);
for (const cap of [1, 2, 4, 8]) {
  t = performance.now();
  await runCheck({ ...CHECK_DEFAULTS, host: '127.0.0.1', allowPrivate: true, ports: PORTS, timeoutMs: TIMEOUT_MS, perHostConcurrency: cap, icmp: false }, { ...DEFAULT_DEPS, portMap });
  const ms = performance.now() - t;
  console.log(`  --max-connections ${cap}: ${ms.toFixed(0).padStart(5)} ms  (${(ms / single).toFixed(1)}× the slowest probe)`);
}
for (const s of sockets) s.destroy();
server.close();
