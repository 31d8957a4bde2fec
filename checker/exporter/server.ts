// `pbxready exporter`: a blackbox_exporter-style HTTP server. Prometheus schedules the probing
// (`/probe?target=HOST&module=pbxware|serverware|issabel`) and scales it over as many exporters as
// needed; `/metrics` is the exporter's own health.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Product } from '../../shared/model.js';
import { PRODUCTS } from '../../shared/profiles.js';
import { PROMETHEUS_CONTENT_TYPE, exposition } from '../../shared/render/prometheus.js';
import { probeFamilies } from './exposition.js';
import { fenceProblem, type TargetFence } from './fence.js';
import { bearerMatches } from '../../shared/cli/token-file.js';
import { DEFAULT_DEPS, runCheck, type CheckDeps } from '../check.js';
import { makeCheckOptions, type CheckOptions } from '../check-options.js';

/** The check's limits (the flags' parsed values), plus the exporter's own. */
export interface ExporterOptions extends Pick<CheckOptions, 'timeoutMs' | 'perHostConcurrency' | 'allowPrivate' | 'probes'> {
  /** Probes running at once; more wait (Prometheus retries on its own schedule). */
  maxInFlight: number;
  /** Which targets may be probed (--allow-targets); default: public targets, private ones with allowPrivate. */
  fence?: TargetFence;
  /** --probe-token-file: /probe needs `Authorization: Bearer <token>` (Prometheus: authorization.credentials_file). */
  probeToken?: string;
}

const TARGET = /^(\[[0-9a-f:.]+\]|[a-z0-9.:-]{1,253})$/i;

/** Answer this much before Prometheus gives up (blackbox_exporter keeps 0.5 s), at most a third of a short timeout. */
const SCRAPE_MARGIN_MS = 500;

/**
 * How long this scrape may take: Prometheus sends its scrape_timeout in a header; the probe must
 * answer a little before it, or the scrape fails with no metrics at all. Without the header,
 * --timeout-ms alone bounds each probe.
 */
export function scrapeBudgetMs(header: string | string[] | undefined, timeoutMs: number): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (!Number.isFinite(seconds) || seconds <= 0) return timeoutMs;
  const scrapeMs = seconds * 1000;
  return Math.max(1, Math.min(timeoutMs, Math.floor(scrapeMs - Math.min(SCRAPE_MARGIN_MS, scrapeMs / 3))));
}

export function createExporter(opts: ExporterOptions, deps: CheckDeps = DEFAULT_DEPS): Server {
  const own = { probes: new Map<string, number>(), seconds: 0, inFlight: 0, errors: 0 };
  const self = new Set(Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address)));
  const started = Date.now() / 1000;

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  };

  const probe = async (url: URL, req: IncomingMessage, res: ServerResponse) => {
    if (opts.probeToken !== undefined && !bearerMatches(req.headers.authorization, opts.probeToken)) {
      res.setHeader('www-authenticate', 'Bearer realm="pbxready-exporter"');
      return send(res, 401, 'unauthorized\n');
    }
    const target = url.searchParams.get('target') ?? '';
    const module = url.searchParams.get('module') ?? 'pbxware';
    if (!TARGET.test(target)) return send(res, 400, 'target must be a host name or an IP address\n');
    if (!(PRODUCTS as string[]).includes(module)) return send(res, 400, `module must be one of: ${PRODUCTS.join(', ')}\n`);
    if (own.inFlight >= opts.maxInFlight) return send(res, 503, 'too many probes in flight\n');
    const host = target.replace(/^\[(.*)\]$/, '$1');
    // The fence is decided on the addresses the probe will dial: resolved once here and pinned, so a
    // name cannot resolve to a public address for the check and a private one for the connection.
    let addresses: string[] = [];
    if (isIP(host) !== 0) addresses = [host];
    else {
      try {
        addresses = await deps.resolve(host, { signal: AbortSignal.timeout(opts.timeoutMs) });
      } catch {
        addresses = []; // DNS_FAILED comes from the check itself, which makes no connection
      }
    }
    const refused = fenceProblem({ ...(opts.fence ?? { allowPrivate: opts.allowPrivate, cidrs: null, globs: [] }), own: self }, host, addresses);
    if (refused) return send(res, 400, `${refused}\n`);
    own.inFlight++;
    const t0 = performance.now();
    // Stop probing when the scraper hangs up (its own timeout, a restart): nobody reads the answer.
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableEnded) gone.abort();
    });
    const budgetMs = scrapeBudgetMs(req.headers['x-prometheus-scrape-timeout-seconds'], opts.timeoutMs);
    // Each probe gets at most the budget; the deadline cuts a chain of them (connect, retry, TLS,
    // page) so the whole answer still arrives in time, reporting what was not finished as failed.
    const signal = AbortSignal.any([gone.signal, AbortSignal.timeout(budgetMs)]);
    try {
      const report = await runCheck(
        makeCheckOptions({ host, ...(addresses.length ? { addresses } : {}), product: module as Product, timeoutMs: budgetMs, perHostConcurrency: opts.perHostConcurrency, allowPrivate: opts.allowPrivate, probes: opts.probes, retryFiltered: true, icmp: false, signal }),
        deps,
      );
      if (gone.signal.aborted) return;
      const seconds = (performance.now() - t0) / 1000;
      own.seconds += seconds;
      const key = `${module}\u0000${report.verdict}`;
      own.probes.set(key, (own.probes.get(key) ?? 0) + 1);
      send(res, 200, exposition(probeFamilies(report, seconds)), PROMETHEUS_CONTENT_TYPE);
    } catch (err) {
      own.errors++;
      send(res, 500, `probe failed: ${(err as Error).message}\n`);
    } finally {
      own.inFlight--;
    }
  };

  const metrics = (res: ServerResponse) => {
    const mem = process.memoryUsage();
    send(
      res,
      200,
      exposition([
        { name: 'pbxready_exporter_probes_total', help: 'Probes answered, by module and verdict.', type: 'counter', samples: [...own.probes].map(([k, v]) => ({ labels: { module: k.split('\u0000')[0]!, verdict: k.split('\u0000')[1]! }, value: v })) },
        { name: 'pbxready_exporter_probe_seconds_total', help: 'Time spent probing.', type: 'counter', samples: [{ value: own.seconds }] },
        { name: 'pbxready_exporter_probe_errors_total', help: 'Probes that failed inside the exporter (not host failures).', type: 'counter', samples: [{ value: own.errors }] },
        { name: 'pbxready_exporter_probes_in_flight', help: 'Probes running now.', type: 'gauge', samples: [{ value: own.inFlight }] },
        { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: mem.rss }] },
        { name: 'process_start_time_seconds', help: 'Start time of the process since the Unix epoch in seconds.', type: 'gauge', samples: [{ value: Math.floor(started) }] },
      ]),
      PROMETHEUS_CONTENT_TYPE,
    );
  };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://exporter');
    if (req.method !== 'GET') return send(res, 405, 'GET only\n');
    if (url.pathname === '/probe') return void probe(url, req, res);
    if (url.pathname === '/metrics') return metrics(res);
    if (url.pathname === '/') return send(res, 200, '<html><body><h1>pbxready exporter</h1><p><a href="/metrics">/metrics</a> · /probe?target=HOST&amp;module=pbxware|serverware|issabel</p></body></html>\n', 'text/html; charset=utf-8');
    return send(res, 404, 'not found\n');
  });
}
