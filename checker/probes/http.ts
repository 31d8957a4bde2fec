// HTTP(S) GUI fetch: status, redirects (bounded, same host only), Server header, <title>, a capped
// body, whether the page looks like a product's GUI, and where the time went (connect, TLS,
// processing, transfer — blackbox_exporter's phases). Certificates are not verified here: the
// TLS probe judges them, and a self-signed GUI must still be recognised.

import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { HttpFacts, HttpTimings } from '../../shared/model.js';
import { recognizeGui } from '../../shared/profiles.js';
import { pageTitle } from '../../shared/rules/http.js';
import { deadlineMs, type ProbeContext } from './probe.js';

export interface HttpTarget {
  address: string;
  port: number;
  /** The user's name for the host: Host header and SNI. */
  host: string;
  scheme: 'http' | 'https';
  maxRedirects?: number;
  maxBodyBytes?: number;
}

export const HTTP_DEFAULTS = Object.freeze({ maxRedirects: 5, maxBodyBytes: 256 * 1024 });

const TIMEOUT_PREFIX = 'no HTTP response within';

export function httpTimedOut(h: HttpFacts): boolean {
  return h.error?.startsWith(TIMEOUT_PREFIX) ?? false;
}

const bracket = (h: string) => (isIP(h) === 6 ? `[${h}]` : h);
const DEFAULT_PORT = { http: 80, https: 443 } as const;

function origin(scheme: 'http' | 'https', host: string, port: number): string {
  return `${scheme}://${bracket(host)}${port === DEFAULT_PORT[scheme] ? '' : `:${port}`}`;
}

function errorReason(err: unknown): string {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  const msg = (e.message ?? String(err)).replace(/^request to \S+ failed, reason:\s*/, '').split('\n')[0] ?? '';
  return code && !msg.includes(code) ? `${msg} (${code})` : msg;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

/**
 * Phase clock over every connection the probe opens (keep-alive is off: one per hop). It watches
 * the sockets the agents create; the phases of each hop are added up, as blackbox_exporter does.
 */
class PhaseClock {
  private sums = { connect: 0, tls: 0, processing: 0, transfer: 0 };
  private reached = { connect: false, tls: false, processing: false, transfer: false };
  private firstByteAt: number | null = null;

  watch(socket: Socket, tls: boolean): void {
    const opened = performance.now();
    let readyAt: number | null = null;
    this.firstByteAt = null;
    socket.once('connect', () => {
      readyAt = performance.now();
      this.add('connect', readyAt - opened);
    });
    if (tls) {
      socket.once('secureConnect', () => {
        const now = performance.now();
        if (readyAt !== null) this.add('tls', now - readyAt);
        readyAt = now;
      });
    }
    socket.once('data', () => {
      this.firstByteAt = performance.now();
      if (readyAt !== null) this.add('processing', this.firstByteAt - readyAt);
    });
  }

  /** The body of the current hop was read (or dropped, for a redirect). */
  bodyDone(): void {
    if (this.firstByteAt !== null) this.add('transfer', performance.now() - this.firstByteAt);
    this.firstByteAt = null;
  }

  timings(tls: boolean): HttpTimings {
    const value = (k: keyof PhaseClock['sums']) => (this.reached[k] ? round(this.sums[k]) : null);
    return { connectMs: value('connect'), tlsMs: tls || this.reached.tls ? value('tls') : null, processingMs: value('processing'), transferMs: value('transfer') };
  }

  private add(phase: keyof PhaseClock['sums'], ms: number): void {
    this.sums[phase] += ms;
    this.reached[phase] = true;
  }
}

type Connect = (options: ClientRequestArgs, callback?: (err: Error | null, stream: Duplex) => void) => Duplex | null | undefined;

/** Let the clock see each socket an agent creates. */
function timed<A extends HttpAgent>(agent: A, clock: PhaseClock, tls: boolean): A {
  const create = (agent.createConnection as Connect).bind(agent);
  agent.createConnection = ((options, callback) => {
    const socket = create(options, callback);
    if (socket) clock.watch(socket as Socket, tls);
    return socket;
  }) as Connect;
  return agent;
}

/**
 * GET / on one address, naming the user's host in Host and SNI. Redirects are followed only while
 * they stay on the same host (never to other machines); each Location is recorded.
 */
export async function probeHttp(target: HttpTarget, { signal }: ProbeContext): Promise<HttpFacts> {
  // Loaded on first use: a port-only fleet scan never needs it.
  const { default: fetch } = await import('node-fetch');
  const { address, port, host } = target;
  const maxRedirects = target.maxRedirects ?? HTTP_DEFAULTS.maxRedirects;
  const maxBodyBytes = target.maxBodyBytes ?? HTTP_DEFAULTS.maxBodyBytes;
  const clock = new PhaseClock();
  const httpAgent = timed(new HttpAgent({ keepAlive: false }), clock, false);
  const httpsAgent = timed(new HttpsAgent({ keepAlive: false, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) }), clock, true);

  let scheme = target.scheme;
  let dialPort = port;
  let path = '/';
  let usedTls = false;
  const facts: HttpFacts = { url: `${origin(scheme, host, port)}/`, status: null, redirects: [], server: null, title: null, recognized: null, bodyBytes: 0 };
  try {
    // Already stopped (queued behind the per-host cap when the abort came): do not dial at all.
    if (signal.aborted) throw signal.reason;
    for (let hop = 0; ; hop++) {
      usedTls ||= scheme === 'https';
      const res = await fetch(`${scheme}://${bracket(address)}:${dialPort}${path}`, {
        redirect: 'manual',
        signal,
        agent: scheme === 'https' ? httpsAgent : httpAgent,
        headers: { Host: `${bracket(host)}${dialPort === DEFAULT_PORT[scheme] ? '' : `:${dialPort}`}`, 'User-Agent': 'pbxready', Accept: 'text/html,*/*' },
      });
      facts.status = res.status;
      facts.server = res.headers.get('server');
      const location = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
      if (location !== null && hop < maxRedirects) {
        const next = new URL(location, `${origin(scheme, host, dialPort)}${path}`);
        facts.redirects.push(next.href);
        const sameHost = [host, address, bracket(host), bracket(address)].includes(next.hostname);
        res.body?.resume();
        if (sameHost && (next.protocol === 'http:' || next.protocol === 'https:')) {
          clock.bodyDone();
          scheme = next.protocol === 'https:' ? 'https' : 'http';
          dialPort = next.port ? Number(next.port) : DEFAULT_PORT[scheme];
          path = `${next.pathname}${next.search}`;
          continue;
        }
      }
      const body = await readCapped(res.body, maxBodyBytes);
      clock.bodyDone();
      facts.bodyBytes = body.length;
      const html = body.toString('utf8');
      facts.title = pageTitle(html);
      facts.recognized = recognizeGui({ title: facts.title, server: facts.server, body: html });
      facts.timings = clock.timings(usedTls);
      return facts;
    }
  } catch (err) {
    const ms = deadlineMs(signal);
    const reason = ms !== null ? `${TIMEOUT_PREFIX} ${ms} ms` : signal.aborted ? 'aborted' : errorReason(err);
    return { ...facts, timings: clock.timings(usedTls), error: reason };
  } finally {
    httpAgent.destroy();
    httpsAgent.destroy();
  }
}

/** Read at most `cap` bytes, then stop the download: a GUI is recognised from its first page. */
async function readCapped(body: NodeJS.ReadableStream | null, cap: number): Promise<Buffer> {
  if (!body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = cap - size;
    chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
    size += Math.min(chunk.length, room);
    if (size >= cap) {
      (body as unknown as { destroy?: () => void }).destroy?.();
      break;
    }
  }
  return Buffer.concat(chunks);
}
