// Stopping promptly: every service probe honours the abort signal (SIGTERM on a scan, a scraper
// hanging up on the exporter), against a tarpit that would otherwise hold it for --timeout-ms.

import { writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHost } from '../../checker/probes/dns.js';
import { probeHttp } from '../../checker/probes/http.js';
import { probeIcmp } from '../../checker/probes/icmp.js';
import { probeSsh } from '../../checker/probes/ssh.js';
import { probeTls } from '../../checker/probes/tls.js';
import { ICMP_SLACK_MS } from '../../checker/probes/icmp.js';
import { withDeadline } from '../../checker/probes/probe.js';
import { SqliteHistory } from '../../checker/history/sqlite.js';
import { createNetns } from '../harness/netns.js';
import { startSilentServer, type TestServer } from '../harness/servers.js';
import { requireBuild, startCli, tempDir } from './helpers.js';

let tarpit: TestServer;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  requireBuild();
  tarpit = await startSilentServer();
  ({ dir, cleanup } = await tempDir());
});
afterAll(async () => {
  await tarpit?.stop();
  await cleanup?.();
});

// Every probe here is given a 10 s deadline and aborted far sooner: "stopped at the abort" means
// well before that timeout (a bound a busy machine cannot miss), not within a tight window.
const PROBE_TIMEOUT_MS = 10_000;
const STOPPED_BEFORE_MS = PROBE_TIMEOUT_MS / 4;

const waitFor = async (cond: () => boolean, ms: number) => {
  const t0 = Date.now();
  while (!cond() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
};

describe('service probes stop on abort', () => {
  it('ICMP: waiting on an address that never answers (inside a test namespace), it stops at the abort', async () => {
    const ns = await createNetns({});
    try {
      // .6 of the namespace's /29 is assigned to nobody: no echo reply ever comes.
      const silent = ns.hostAddress.replace(/\.1$/, '.6');
      const t0 = Date.now();
      // The check's 10 s deadline, inside a stop that comes after 300 ms.
      const r = await withDeadline(10_000 + ICMP_SLACK_MS, AbortSignal.timeout(300), (signal) => probeIcmp({ addresses: [silent], replyWithinMs: 10_000 }, { signal }));
      expect(Date.now() - t0).toBeLessThan(STOPPED_BEFORE_MS);
      expect(r).toEqual({ measured: false, reason: 'stopped before an answer (the check was aborted)', alive: null, rttMs: null });
    } finally {
      await ns.stop();
    }
  });

  it('DNS: an aborted check stops waiting for the resolver', async () => {
    await expect(withDeadline(10_000, AbortSignal.abort(), (signal) => resolveHost('pbx.example.com', { signal }))).rejects.toMatchObject({ reason: 'stopped before an answer (the check was aborted)' });
    expect(await withDeadline(10_000, AbortSignal.abort(), (signal) => resolveHost('127.0.0.1', { signal }))).toEqual(['127.0.0.1']); // a literal needs no lookup
  });

  it('SSH: aborted mid-banner wait, it returns at once and closes its socket', async () => {
    const before = tarpit.connections();
    const t0 = Date.now();
    const facts = await withDeadline(10_000, AbortSignal.timeout(300), (signal) => probeSsh({ address: '127.0.0.1', port: tarpit.port, host: '127.0.0.1' }, { signal }));
    expect(Date.now() - t0).toBeLessThan(STOPPED_BEFORE_MS);
    expect(tarpit.connections()).toBe(before + 1);
    expect(facts.error).toBe('stopped before an answer (the check was aborted)');
    expect(facts.timedOut).toBeUndefined();
  });

  it('SSH and HTTP: a signal already aborted (the probe was queued behind the per-host cap) dials nothing', async () => {
    const before = tarpit.connections();
    const stopped = AbortSignal.abort();
    const t0 = Date.now();
    const [ssh, http, tls] = await Promise.all([
      withDeadline(10_000, stopped, (signal) => probeSsh({ address: '127.0.0.1', port: tarpit.port, host: '127.0.0.1' }, { signal })),
      withDeadline(10_000, stopped, (signal) => probeHttp({ address: '127.0.0.1', port: tarpit.port, host: '127.0.0.1', scheme: 'http' }, { signal })),
      withDeadline(10_000, stopped, (signal) => probeTls({ address: '127.0.0.1', port: tarpit.port, host: '127.0.0.1' }, { signal, now: () => new Date() })),
    ]);
    expect(Date.now() - t0).toBeLessThan(STOPPED_BEFORE_MS);
    expect(ssh.error).toBe('stopped before an answer (the check was aborted)');
    expect(http.error).toBe('aborted');
    expect(tls.error).toBe('aborted');
    await new Promise((r) => setTimeout(r, 100));
    expect(tarpit.connections()).toBe(before);
  });
});

/** Tarpits on the well-known ports (HTTP 80, HTTPS 443, SSH 2020) of a loopback address of their own. */
async function wellKnownTarpits(address: string): Promise<{ accepted: () => number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const servers = await Promise.all(
    [80, 443, 2020].map(
      (port) =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer((c) => {
            accepted++;
            sockets.add(c);
            c.on('error', () => {});
          });
          s.once('error', (err) => reject(new Error(`cannot listen on ${address}:${port} (${(err as NodeJS.ErrnoException).code}): this test needs root and a free loopback address`)));
          s.listen(port, address, () => resolve(s));
        }),
    ),
  );
  return {
    accepted: () => accepted,
    stop: async () => {
      for (const c of sockets) c.destroy();
      await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    },
  };
}

describe('pbxready scan --probes full', () => {
  it('SIGTERM while HTTP, TLS and SSH probes wait on tarpits (10 s --timeout-ms) stops long before the timeout', async () => {
    const address = `127.66.${process.pid % 250}.${(Date.now() % 250) + 1}`;
    const pits = await wellKnownTarpits(address);
    try {
      const inv = join(dir, 'tarpits.txt');
      const db = join(dir, 'tarpits.db');
      await writeFile(inv, Array.from({ length: 3 }, (_, i) => `${address} pbxware name=t${i} ports=80,443,2020`).join('\n'));
      const { child, done } = startCli(['scan', '--inventory', inv, '--allow-private', '--db', db, '--timeout-ms', String(PROBE_TIMEOUT_MS), '--format', 'ndjson']);
      // 3 hosts × 3 ports connected (TCP) and at least one service probe each on top.
      await waitFor(() => pits.accepted() >= 12, PROBE_TIMEOUT_MS / 2); // a loaded machine starts node slowly
      expect(pits.accepted()).toBeGreaterThanOrEqual(12);
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      child.kill('SIGTERM');
      const r = await done;
      expect(Date.now() - t0).toBeLessThan(STOPPED_BEFORE_MS);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('SCAN_INTERRUPTED The scan was interrupted after 0 of 3 hosts.');
      const store = new SqliteHistory(db);
      try {
        expect(store.listRuns()[0]).toMatchObject({ status: 'interrupted', hostsDone: 0, hostsTotal: 3 });
      } finally {
        store.close();
      }
    } finally {
      await pits.stop();
    }
  });
});
