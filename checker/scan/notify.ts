// What a scan tells people after it ran: the drift since the previous run as notices — one for the
// changes (worse ones first), one RECOVERY for the problems that cleared — sent to a webhook (JSON
// with a Slack-compatible `text`) and/or by e-mail. Only when something changed. A webhook URL is a
// credential (Slack's carries its token): it is redacted everywhere, like the SMTP password.

import type { DriftChange, DriftSummary } from '../../shared/model.js';
import { driftText } from '../history/drift.js';

export type Poster = (url: string, init: { method: 'POST'; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;

export type NoticeKind = 'drift' | 'recovery';

export interface Notice {
  kind: NoticeKind;
  /** One line: the e-mail subject, the first line of the webhook text. */
  subject: string;
  /** Slack-compatible text (mrkdwn), bounded. */
  text: string;
  fromRun: number;
  toRun: number;
  changes: DriftChange[];
}

/** Bounded like driftText: a big drift stays one readable message. */
function recoveryText(subject: string, changes: DriftChange[], limit = 40): string {
  const lines = changes.slice(0, limit).map((c) => `• :white_check_mark: ${c.message}`);
  if (changes.length > limit) lines.push(`… and ${changes.length - limit} more`);
  return [subject, ...lines].join('\n');
}

/** The drift as notices: the changes (if any besides recoveries), then the RECOVERY (if any). */
export function noticesOf(d: DriftSummary): Notice[] {
  const out: Notice[] = [];
  const changes = d.changes.filter((c) => !c.recovery);
  const recovered = d.changes.filter((c) => c.recovery);
  if (changes.length) {
    const worse = changes.filter((c) => c.worse).length;
    const summary: DriftSummary = { ...d, changes };
    out.push({
      kind: 'drift',
      subject: `pbxready: ${changes.length} change(s) in the fleet since run ${d.fromRun}${worse ? ` (${worse} worse)` : ''}`,
      text: driftText(summary),
      fromRun: d.fromRun,
      toRun: d.toRun,
      changes,
    });
  }
  if (recovered.length) {
    const subject = `pbxready RECOVERY: ${recovered.length} problem(s) cleared since run ${d.fromRun}`;
    out.push({ kind: 'recovery', subject, text: recoveryText(subject, recovered), fromRun: d.fromRun, toRun: d.toRun, changes: recovered });
  }
  return out;
}

export function noticePayload(n: Notice): { kind: NoticeKind; subject: string; text: string; fromRun: number; toRun: number; changes: DriftChange[] } {
  return { kind: n.kind, subject: n.subject, text: n.text, fromRun: n.fromRun, toRun: n.toRun, changes: n.changes };
}

/** Returns null when posted, else the reason it was not (the caller reports it; the scan still counts). */
export async function postNotice(url: string, n: Notice, post: Poster = fetch, timeoutMs = 10_000): Promise<string | null> {
  try {
    const res = await post(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(noticePayload(n)),
      signal: AbortSignal.timeout(timeoutMs),
    });
    return res.ok ? null : `the webhook answered HTTP ${res.status}`;
  } catch (err) {
    return `the webhook could not be reached: ${(err as Error).message}`;
  }
}
