// HTTP(S) GUI fetch: status, redirects (bounded, same host only), Server header, <title>, a capped
// body, and whether the page looks like a product's GUI. Certificates are not verified here: the
// TLS probe judges them, and a self-signed GUI must still be recognised.

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { isIP } from 'node:net';
import fetch from 'node-fetch';
import type { HttpFacts } from '../../shared/model.js';
import { recognizeGui } from '../../shared/profiles.js';
import { pageTitle } from '../../shared/rules/http.js';

export interface HttpProbeOptions {
  host: string;
  scheme: 'http' | 'https';
  timeoutMs: number;
  maxRedirects?: number;
  maxBodyBytes?: number;
  signal?: AbortSignal;
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

/**
 * GET / on one address, naming the user's host in Host and SNI. Redirects are followed only while
 * they stay on the same host (never to other machines); each Location is recorded.
 */
export async function probeHttp(address: string, port: number, options: HttpProbeOptions): Promise<HttpFacts> {
  const { host, timeoutMs } = options;
  const maxRedirects = options.maxRedirects ?? HTTP_DEFAULTS.maxRedirects;
  const maxBodyBytes = options.maxBodyBytes ?? HTTP_DEFAULTS.maxBodyBytes;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`${TIMEOUT_PREFIX} ${timeoutMs} ms`)), timeoutMs);
  const onAbort = () => controller.abort(new Error('aborted'));
  // Already stopped (queued behind the per-host cap when the abort came): do not dial at all.
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const httpAgent = new HttpAgent({ keepAlive: false });
  const httpsAgent = new HttpsAgent({ keepAlive: false, rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });

  let scheme = options.scheme;
  let dialPort = port;
  let path = '/';
  const facts: HttpFacts = { url: `${origin(scheme, host, port)}/`, status: null, redirects: [], server: null, title: null, recognized: null, bodyBytes: 0 };
  try {
    for (let hop = 0; ; hop++) {
      const res = await fetch(`${scheme}://${bracket(address)}:${dialPort}${path}`, {
        redirect: 'manual',
        signal: controller.signal,
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
          scheme = next.protocol === 'https:' ? 'https' : 'http';
          dialPort = next.port ? Number(next.port) : DEFAULT_PORT[scheme];
          path = `${next.pathname}${next.search}`;
          continue;
        }
      }
      const body = await readCapped(res.body, maxBodyBytes);
      facts.bodyBytes = body.length;
      const html = body.toString('utf8');
      facts.title = pageTitle(html);
      facts.recognized = recognizeGui({ title: facts.title, server: facts.server, body: html });
      return facts;
    }
  } catch (err) {
    const reason = controller.signal.aborted ? errorReason(controller.signal.reason) : errorReason(err);
    return { ...facts, error: reason };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
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
