// `scan --notify-webhook URL`: the drift as JSON, with a Slack-compatible `text`, POSTed only when
// something changed. A webhook URL is a credential (Slack's carries its token): it is redacted.

import type { DriftSummary } from '../../shared/model.js';
import { driftText } from '../history/drift.js';

export type Poster = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;

export function driftPayload(d: DriftSummary): { text: string; fromRun: number; toRun: number; changes: DriftSummary['changes'] } {
  return { text: driftText(d), fromRun: d.fromRun, toRun: d.toRun, changes: d.changes };
}

/** Returns null when posted, else the reason it was not (the caller reports it; the scan still counts). */
export async function notifyDrift(url: string, d: DriftSummary, post: Poster = fetch, timeoutMs = 10_000): Promise<string | null> {
  try {
    const res = await post(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(driftPayload(d)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? null : `the webhook answered HTTP ${res.status}`;
  } catch (err) {
    return `the webhook could not be reached: ${(err as Error).message}`;
  }
}
