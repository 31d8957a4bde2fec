// --agent URL --agent-token-file F: fetch GET /report from `pbxready-agent serve` with a bearer token.

import { BodyTooLarge, readCappedText, type StreamedBody } from '../read-capped.js';
import { failed, type AgentOutcome, type AgentSource } from './source.js';
import { parseAgentReport } from '../../shared/agent-report/validate.js';

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export type FetchLike = (url: string, init: { headers: Record<string, string>; signal: AbortSignal; redirect: 'manual' }) => Promise<StreamedBody & { status: number }>;

/** The report URL: the serve base URL with /report, unless it names /report already. */
export function reportUrl(base: string): string {
  const u = new URL(base);
  if (!u.pathname.endsWith('/report')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/report`;
  return u.toString();
}

export function httpAgentSource(base: string, token: string, timeoutMs: number, fetchImpl: FetchLike = fetch as unknown as FetchLike): AgentSource {
  const url = reportUrl(base);
  return {
    via: 'http',
    async fetch(ctx): Promise<AgentOutcome> {
      let status: number;
      let body: string;
      try {
        const res = await fetchImpl(url, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          // Its own limit, and the check's stop (a fleet scan stopped by SIGTERM stops the fetch too).
          signal: ctx?.options.signal ? AbortSignal.any([AbortSignal.timeout(timeoutMs), ctx.options.signal]) : AbortSignal.timeout(timeoutMs),
          redirect: 'manual',
        });
        status = res.status;
        // Counted while it arrives: the cap stops an endless answer, not only a finished large one.
        body = await readCappedText(res, MAX_BODY_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLarge) return failed('http', 'invalid-report', `GET ${url} sent more than ${MAX_BODY_BYTES} bytes`);
        const e = err as Error & { cause?: { code?: string; message?: string } };
        if (e.name === 'TimeoutError' || e.name === 'AbortError' || e.name === 'DeadlineExceeded') return failed('http', 'timeout', `GET ${url} timed out after ${timeoutMs} ms`);
        return failed('http', 'unreachable', `GET ${url} failed: ${e.cause?.code ?? e.cause?.message ?? e.message}`);
      }
      if (status === 401 || status === 403) return failed('http', 'auth', `GET ${url} was refused (HTTP ${status}): check the token in --agent-token-file`);
      if (status !== 200) return failed('http', 'http-status', `GET ${url} answered HTTP ${status}`);
      const parsed = parseAgentReport(body);
      if ('problem' in parsed) return failed('http', 'invalid-report', `GET ${url} gave ${parsed.problem}`);
      return { ok: true, via: 'http', report: parsed.report };
    },
  };
}
