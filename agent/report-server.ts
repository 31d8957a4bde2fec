// The read-only HTTP(S) endpoint a remote checker asks: GET /report with a bearer token, and
// GET /metrics for Prometheus (the same token; from loopback without it only when configured).
// The token is compared in constant time (equal-length digests) and never logged.

import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import { isIP } from 'node:net';
import type { Logger } from 'pino';
import { classifyAddress } from '../shared/address.js';
import type { AgentReport, OutputFormat } from '../shared/model.js';
import { agentDocument } from '../shared/render/agent-document.js';
import { FORMATS, renderReport } from '../shared/render/index.js';
import { PROMETHEUS_CONTENT_TYPE, exposition } from '../shared/render/prometheus.js';
import { agentFamilies } from './metrics.js';

export interface ReportServerOptions {
  token: string;
  tls?: { cert: Buffer; key: Buffer };
  produce: () => Promise<AgentReport>;
  log: Logger;
  /** GET /metrics from a loopback address needs no token (a Prometheus on the same host). Off by default. */
  metricsWithoutTokenOnLoopback?: boolean;
  /**
   * GET /metrics is answered from a collection at most this old (0: a fresh one every scrape).
   * GET /report is always fresh: a person asking wants now.
   */
  metricsMaxAgeMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** Default for --metrics-max-age-s: two Prometheus servers of an HA pair share one collection. */
export const METRICS_MAX_AGE_MS = 30_000;

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (a dual-stack listener). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && isIP(address) !== 0 && classifyAddress(address) === 'loopback';
}

/** Constant-time bearer check: both sides hashed first, so lengths never differ. */
export function authorized(header: string | undefined, expected: Buffer): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  const given = digest(m ? m[1]! : '');
  return timingSafeEqual(given, expected) && m !== null;
}

const CONTENT_TYPE: Record<OutputFormat, string> = {
  json: 'application/json; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
};

export function createReportServer(o: ReportServerOptions): Server {
  const expected = digest(o.token);
  const now = o.now ?? Date.now;
  const maxAge = o.metricsMaxAgeMs ?? METRICS_MAX_AGE_MS;
  // Requests that arrive while a report is being made share it: a burst cannot stack queries on the DB.
  let inFlight: Promise<AgentReport> | null = null;
  let last: { at: number; report: AgentReport } | null = null;
  const report = () =>
    (inFlight ??= o
      .produce()
      .then((r) => ((last = { at: now(), report: r }), r))
      .finally(() => (inFlight = null)));
  // Scrapes (every Prometheus of an HA pair, every minute) reuse a collection younger than maxAge.
  const forMetrics = () => (last && maxAge > 0 && now() - last.at < maxAge ? Promise.resolve(last.report) : report());

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8', extra: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...extra });
      res.end(req.method === 'HEAD' ? undefined : body);
      o.log.info({ method: req.method, path: url.pathname, status }, 'request');
    };
    const open = url.pathname === '/metrics' && o.metricsWithoutTokenOnLoopback === true && isLoopback(req.socket.remoteAddress);
    if (!open && !authorized(req.headers.authorization, expected)) return send(401, 'unauthorized\n', undefined, { 'www-authenticate': 'Bearer realm="pbxready-agent"' });
    if (url.pathname !== '/report' && url.pathname !== '/metrics') return send(404, 'not found: only GET /report and GET /metrics\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, `method not allowed: only GET ${url.pathname}\n`, undefined, { allow: 'GET, HEAD' });
    if (url.pathname === '/metrics') {
      try {
        return send(200, exposition(agentFamilies(await forMetrics())), PROMETHEUS_CONTENT_TYPE);
      } catch (err) {
        o.log.error({ err: (err as Error).message }, 'report failed');
        return send(500, 'the report could not be made\n');
      }
    }
    const format = (url.searchParams.get('format') ?? 'json') as OutputFormat;
    if (!FORMATS.includes(format)) return send(400, `unknown format (expected one of: ${FORMATS.join(', ')})\n`);
    try {
      send(200, renderReport(await report(), format, agentDocument), CONTENT_TYPE[format]);
    } catch (err) {
      o.log.error({ err: (err as Error).message }, 'report failed');
      send(500, 'the report could not be made\n');
    }
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  return o.tls ? createHttps({ cert: o.tls.cert, key: o.tls.key }, listener) : createHttp(listener);
}
