// An osTicket API stand-in (https://docs.osticket.com/en/latest/Developer%20Documentation/API/Tickets.html):
// `POST /api/tickets.json` with X-API-Key, JSON with RFC 2397 data URLs for the message and the
// attachments; answers 201 with the ticket number as text. There is no endpoint for existing tickets.

import { startHelpdesk, type HelpdeskServer, type Reply } from './helpdesk-server.js';

export interface OsticketFile {
  name: string;
  contentType: string;
  data: Buffer;
}

export interface OsticketRecord {
  number: string;
  ticket: Record<string, unknown>;
  message: { contentType: string; text: string };
  attachments: OsticketFile[];
}

export interface OsticketStandIn extends HelpdeskServer {
  accepted: OsticketRecord[];
}

const KNOWN = new Set(['alert', 'autorespond', 'source', 'name', 'email', 'phone', 'subject', 'ip', 'message', 'attachments', 'priority', 'topicId', 'duedate']);

/** RFC 2397: data:[<mediatype>][;base64],<data> */
export function parseDataUrl(s: unknown): { contentType: string; data: Buffer } | null {
  if (typeof s !== 'string') return null;
  const m = /^data:([^,]*?)(;base64)?,(.*)$/s.exec(s);
  if (!m) return null;
  const data = m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  if (m[2] && Buffer.from(data).toString('base64').replace(/=+$/, '') !== m[3]!.replace(/=+$/, '')) return null;
  return { contentType: m[1] || 'text/plain;charset=US-ASCII', data };
}

const bad = (text: string, status = 400): Reply => ({ status, body: text });

export async function startOsticket(apiKey: string, customFields: string[] = []): Promise<OsticketStandIn> {
  const accepted: OsticketRecord[] = [];
  let next = 100_001;
  const server = await startHelpdesk(async (req) => {
    if (req.url !== '/api/tickets.json') return bad('Unknown API call', 404);
    if (req.method !== 'POST') return bad('Method not allowed', 405);
    if (req.headers['x-api-key'] !== apiKey) return bad('API key not authorized', 401);
    if (!/^application\/json\b/.test(String(req.headers['content-type'] ?? ''))) return bad('Unsupported data format', 415);
    let v: unknown;
    try {
      v = JSON.parse(req.body.toString('utf8'));
    } catch {
      return bad('Unable to parse JSON request');
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return bad('Unable to parse JSON request');
    const t = v as Record<string, unknown>;
    for (const k of Object.keys(t)) if (!KNOWN.has(k) && !customFields.includes(k)) return bad(`${k}: Unexpected data received`);
    for (const k of ['name', 'email', 'subject', 'message']) if (typeof t[k] !== 'string' || !(t[k] as string).trim()) return bad(`${k}: Required field missing`);
    if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t.email as string)) return bad('email: Valid email address required');
    if (t.source !== undefined && t.source !== 'API') return bad('source: Invalid ticket source');
    for (const k of ['alert', 'autorespond']) if (t[k] !== undefined && typeof t[k] !== 'boolean') return bad(`${k}: must be true or false`);
    const message = parseDataUrl(t.message);
    if (!message || !/^text\/(html|plain)\b/.test(message.contentType)) return bad('message: expected a text/html or text/plain data URL');
    const files: OsticketFile[] = [];
    if (t.attachments !== undefined) {
      if (!Array.isArray(t.attachments)) return bad('attachments: expected a list');
      for (const a of t.attachments) {
        const entries = a && typeof a === 'object' && !Array.isArray(a) ? Object.entries(a as Record<string, unknown>) : [];
        if (entries.length !== 1) return bad('attachments: each entry is {"name": "data:..."}');
        const [name, url] = entries[0]!;
        const d = parseDataUrl(url);
        if (!d) return bad(`attachments: ${name} is not a valid data URL`);
        files.push({ name, contentType: d.contentType, data: d.data });
      }
    }
    const number = String(next++);
    accepted.push({ number, ticket: t, message: { contentType: message.contentType, text: message.data.toString('utf8') }, attachments: files });
    return { status: 201, body: number };
  });
  return Object.assign(server, { accepted });
}
