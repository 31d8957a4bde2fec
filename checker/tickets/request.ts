// A help-desk request described as data: what the I/O layer sends, what --dry-run prints, what
// the limits are checked against. Authentication is not part of it: the sender adds it, so no
// builder and no dry-run ever holds the key.

import { UsageError } from '../../shared/errors.js';
import { formatBytes } from '../../shared/render/document.js';
import { secrets } from '../../shared/redact.js';

export interface Attachment {
  filename: string;
  contentType: string;
  data: Uint8Array;
}

export type MultipartPart = { name: string; value: string } | { name: string; file: Attachment };

export type RequestBody =
  | { kind: 'json'; value: unknown }
  | { kind: 'multipart'; parts: MultipartPart[] }
  | { kind: 'raw'; contentType: string; data: Uint8Array }
  | { kind: 'none' };

export interface TicketRequest {
  /** What this step does, in words ("upload report.json"), for dry-run lines and errors. */
  purpose: string;
  method: 'GET' | 'POST' | 'PUT';
  /** Path and query, appended to the base URL. */
  path: string;
  headers: Record<string, string>;
  body: RequestBody;
}

export interface AttachmentLimit {
  /** Largest single file, in bytes. */
  perFile?: number;
  /** Largest sum over the files of one request/ticket, in bytes. */
  total?: number;
  /** Why, for the error message ("Freshdesk allows 20 MB of attachments per ticket"). */
  rule: string;
}

/** An attachment over the desk's limit: a usage problem (exit 3), found before anything is sent. */
export class AttachmentTooLargeError extends UsageError {}

/** Refuse before sending: a help desk that rejects the upload after 20 MB went over the wire helps nobody. */
export function checkAttachmentLimit(attachments: readonly Attachment[], limit: AttachmentLimit, encodedSize: (a: Attachment) => number = (a) => a.data.byteLength): void {
  for (const a of attachments) {
    const size = encodedSize(a);
    if (limit.perFile !== undefined && size > limit.perFile) {
      throw new AttachmentTooLargeError(`attachment ${a.filename} is ${formatBytes(size)}, over the limit of ${formatBytes(limit.perFile)} (${limit.rule}); nothing was sent`);
    }
  }
  const total = attachments.reduce((n, a) => n + encodedSize(a), 0);
  if (limit.total !== undefined && total > limit.total) {
    throw new AttachmentTooLargeError(`attachments total ${formatBytes(total)}, over the limit of ${formatBytes(limit.total)} (${limit.rule}); nothing was sent`);
  }
}

const PREVIEW = 600;

function preview(text: string): string {
  return text.length > PREVIEW ? `${text.slice(0, PREVIEW)}… (${text.length} characters in all)` : text;
}

/** Long data URLs would bury the request: show their type and size instead. */
function shortenDataUrls(value: unknown): unknown {
  if (typeof value === 'string') {
    const m = /^data:([^,]*),/.exec(value);
    return m && value.length > 120 ? `data:${m[1]},… (${value.length - m[0].length} characters)` : value;
  }
  if (Array.isArray(value)) return value.map(shortenDataUrls);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shortenDataUrls(v)]));
  return value;
}

/**
 * What --dry-run prints for one request. `authHeader` names the header the sender would add; its
 * value is never known here, and the whole text is scrubbed of registered secrets besides.
 */
export function describeRequest(req: TicketRequest, baseUrl: string, authHeader: string): string {
  const lines = [`${req.method} ${joinUrl(baseUrl, req.path)}    # ${req.purpose}`, `${authHeader}: [redacted]`];
  for (const [k, v] of Object.entries(req.headers)) lines.push(`${k}: ${v}`);
  const body = req.body;
  switch (body.kind) {
    case 'json':
      lines.push('Content-Type: application/json', '', JSON.stringify(shortenDataUrls(body.value), null, 2));
      break;
    case 'multipart':
      lines.push('Content-Type: multipart/form-data', '');
      for (const p of body.parts) {
        lines.push('value' in p ? `  ${p.name} = ${JSON.stringify(preview(p.value))}` : `  ${p.name} = file ${p.file.filename} (${p.file.contentType}, ${p.file.data.byteLength} bytes)`);
      }
      break;
    case 'raw':
      lines.push(`Content-Type: ${body.contentType}`, '', `  <${body.data.byteLength} bytes>`);
      break;
    case 'none':
      break;
  }
  return secrets.scrub(`${lines.join('\n')}\n`);
}

export function joinUrl(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}${path.startsWith('/') ? path : `/${path}`}`;
}

/** RFC 2397 data URL, base64: unambiguous for any bytes, which osTicket's parser accepts. */
export function dataUrl(contentType: string, data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return `data:${contentType};base64,${bytes.toString('base64')}`;
}

export function ticketIdOf(value: unknown, flag = '--ticket'): string {
  const s = String(value ?? '').trim();
  if (!/^[1-9]\d{0,17}$/.test(s)) throw new UsageError(`${flag} "${s}" is not a ticket number`);
  return s;
}
