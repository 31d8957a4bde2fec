// Sending one help-desk request: auth added here and only here, retries on 429/5xx and on failures
// to connect, honouring Retry-After, every error message scrubbed of secrets.

import { BodyTooLarge, readCappedText } from '../read-capped.js';
import fetch, { File, FormData, type RequestInit, type Response } from 'node-fetch';
import { PbxreadyError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';
import { decideRetry, isRetryableStatus, type RetryPolicy } from './retry.js';
import { joinUrl, type TicketRequest } from './request.js';

export interface AuthHeader {
  name: string;
  value: string;
}

export interface HttpReply {
  status: number;
  text: string;
}

export interface HttpDeps {
  fetch?: (url: string, init: RequestInit) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** One line per retry, for stderr. */
  log?: (line: string) => void;
}

/** The desk could not be reached or said no, after the retries: the caller keeps the report. */
export class TicketDeliveryError extends PbxreadyError {
  readonly status: number | null;
  constructor(message: string, status: number | null) {
    super('E_TICKET_DELIVERY', message);
    this.status = status;
  }
}

function bodyOf(req: TicketRequest): { body?: RequestInit['body']; contentType?: string } {
  const b = req.body;
  switch (b.kind) {
    case 'json':
      return { body: JSON.stringify(b.value), contentType: 'application/json' };
    case 'raw':
      return { body: Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength), contentType: b.contentType };
    case 'multipart': {
      // node-fetch sets multipart/form-data with its boundary itself.
      const form = new FormData();
      for (const p of b.parts) {
        if ('value' in p) form.append(p.name, p.value);
        else form.append(p.name, new File([p.file.data], p.file.filename, { type: p.file.contentType }));
      }
      return { body: form as unknown as RequestInit['body'] };
    }
    case 'none':
      return {};
  }
}

/** A desk's error body, short and on one line, for the one-line error. */
export function errorExcerpt(text: string): string {
  const flat = secrets.scrub(text).replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}

/** Errors raised before a request reaches the desk: repeating it cannot make a duplicate. */
const CONNECT_PHASE_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** A desk's answer (a ticket or note object, an error) is a few KiB. */
const MAX_ANSWER_BYTES = 1024 * 1024;

const sleepReal = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function sendTicketRequest(desk: string, req: TicketRequest, baseUrl: string, auth: AuthHeader, policy: RetryPolicy, deps: HttpDeps = {}): Promise<HttpReply> {
  const doFetch = deps.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
  const sleep = deps.sleep ?? sleepReal;
  const now = deps.now ?? Date.now;
  const url = joinUrl(baseUrl, req.path);
  for (let attempt = 1; ; attempt++) {
    const { body, contentType } = bodyOf(req);
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'pbxready', ...req.headers, [auth.name]: auth.value };
    if (contentType) headers['Content-Type'] = contentType;
    let problem: string;
    let status: number | null = null;
    let retryAfter: string | null = null;
    try {
      const res = await doFetch(url, { method: req.method, headers, body, redirect: 'error', signal: AbortSignal.timeout(policy.timeoutMs) });
      // A desk's answer is a small JSON object; anything beyond the cap is not read at all.
      const text = await readCappedText(res, MAX_ANSWER_BYTES).catch((err: unknown) => {
        if (err instanceof BodyTooLarge) throw new TicketDeliveryError(`${desk} answered ${res.status} with more than ${MAX_ANSWER_BYTES} bytes to ${req.purpose}`, res.status);
        throw err;
      });
      if (res.status >= 200 && res.status < 300) return { status: res.status, text };
      status = res.status;
      retryAfter = res.headers.get('retry-after');
      problem = `${desk} answered ${res.status}${text ? ` (${errorExcerpt(text)})` : ''} to ${req.purpose}`;
      if (!isRetryableStatus(res.status)) throw new TicketDeliveryError(problem, status);
    } catch (err) {
      if (err instanceof TicketDeliveryError) throw err;
      const e = err as { name?: string; code?: string; message?: string };
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      const why = timedOut ? `no answer within ${policy.timeoutMs} ms` : (e.code ?? errorExcerpt(e.message ?? String(err)));
      // Sent but unanswered: the desk may have made the ticket or note already, and a second one is
      // worse than a clear error. Only failures before the request left are safe to repeat.
      if (timedOut || !CONNECT_PHASE_ERRORS.has(e.code ?? '')) {
        throw new TicketDeliveryError(`${desk} gave no answer to ${req.purpose}: ${why}; not retried, because it may have arrived (look at the ticket before sending again)`, null);
      }
      problem = `${desk} could not be reached for ${req.purpose}: ${why}`;
    }
    const next = decideRetry(attempt, retryAfter, policy, now());
    if (!next.retry) throw new TicketDeliveryError(`${problem}; ${next.why}`, status);
    deps.log?.(`${problem}; retrying in ${next.delayMs < 1000 ? `${next.delayMs} ms` : `${(next.delayMs / 1000).toFixed(1)} s`} (${next.why}, attempt ${attempt + 1} of ${policy.attempts})`);
    await sleep(next.delayMs);
  }
}
