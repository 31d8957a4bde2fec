// A Zendesk Support API stand-in (https://developer.zendesk.com/api-reference/ticketing/tickets/ticket-attachments/#upload-files,
// .../tickets/tickets/#update-ticket, #create-ticket): API-token basic auth `{email}/token:{token}`,
// raw-body uploads that return a token, comments and new tickets naming the tokens.

import { randomBytes } from 'node:crypto';
import { basicAuthOf, startHelpdesk, type HelpdeskServer, type Reply } from './helpdesk-server.js';
import { isRecord } from '../../shared/json.js';

export interface ZendeskUpload {
  token: string;
  filename: string;
  contentType: string;
  data: Buffer;
  used: boolean;
}

export interface ZendeskRecord {
  ticketId: number;
  kind: 'comment' | 'ticket';
  ticket: Record<string, unknown>;
  uploads: ZendeskUpload[];
}

export interface ZendeskStandIn extends HelpdeskServer {
  uploads: ZendeskUpload[];
  accepted: ZendeskRecord[];
}

const MAX_FILE = 50 * 1024 * 1024;
const PRIORITIES = ['urgent', 'high', 'normal', 'low'];
const TYPES = ['problem', 'incident', 'question', 'task'];

function invalid(field: string, description: string): Reply {
  return { status: 422, body: { error: 'RecordInvalid', description: 'Record validation errors', details: { [field]: [{ description }] } } };
}


function onlyKeys(o: Record<string, unknown>, allowed: string[], where: string): Reply | null {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  return extra.length ? invalid(where, `unexpected key(s): ${extra.join(', ')}`) : null;
}

export async function startZendesk(email: string, apiToken: string, knownTickets: number[] = [42]): Promise<ZendeskStandIn> {
  const uploads: ZendeskUpload[] = [];
  const accepted: ZendeskRecord[] = [];
  let nextId = 5000;

  function comment(c: unknown, where: string): { uploads: ZendeskUpload[] } | Reply {
    if (!isRecord(c)) return invalid(where, 'comment must be an object');
    const bad = onlyKeys(c, ['body', 'html_body', 'public', 'uploads'], where);
    if (bad) return bad;
    const bodies = ['body', 'html_body'].filter((k) => typeof c[k] === 'string' && (c[k] as string).length > 0);
    if (bodies.length !== 1) return invalid(where, 'exactly one of body or html_body is required');
    if (c.public !== undefined && typeof c.public !== 'boolean') return invalid(where, 'public must be a boolean');
    const tokens = c.uploads ?? [];
    if (!Array.isArray(tokens) || !tokens.every((t) => typeof t === 'string')) return invalid(where, 'uploads must be an array of tokens');
    const used: ZendeskUpload[] = [];
    for (const t of tokens as string[]) {
      const u = uploads.find((x) => x.token === t && !x.used);
      if (!u) return invalid(where, `upload token ${t} is unknown or already used`);
      used.push(u);
    }
    for (const u of used) u.used = true;
    return { uploads: used };
  }

  const server = await startHelpdesk(async (req) => {
    if (basicAuthOf(req) !== `${email}/token:${apiToken}`) return { status: 401, body: { error: "Couldn't authenticate you" } };
    const url = new URL(req.url, 'http://127.0.0.1');
    const path = url.pathname.replace(/\.json$/, '');
    const ct = String(req.headers['content-type'] ?? '');
    if (path === '/api/v2/uploads') {
      if (req.method !== 'POST') return { status: 405, body: { error: 'InvalidEndpoint' } };
      const filename = url.searchParams.get('filename');
      if (!filename) return { status: 400, body: { error: 'InvalidEndpoint', description: 'filename is required' } };
      if (!ct || /^multipart\/|^application\/x-www-form-urlencoded/.test(ct)) return { status: 400, body: { error: 'Unprocessable', description: 'send the file as the raw body with its own Content-Type' } };
      if (req.body.length === 0) return invalid('file', 'is empty');
      if (req.body.length > MAX_FILE) return { status: 413, body: { error: 'RequestEntityTooLarge' } };
      const up: ZendeskUpload = { token: randomBytes(12).toString('hex'), filename, contentType: ct, data: req.body, used: false };
      uploads.push(up);
      return { status: 201, body: { upload: { token: up.token, attachment: { file_name: filename, content_type: ct, size: req.body.length } } } };
    }
    const one = /^\/api\/v2\/tickets\/(\d+)$/.exec(path);
    if (one || path === '/api/v2/tickets') {
      if (!/^application\/json\b/.test(ct)) return { status: 415, body: { error: 'UnsupportedMediaType', description: 'Content-Type must be application/json' } };
      let v: unknown;
      try {
        v = JSON.parse(req.body.toString('utf8'));
      } catch {
        return { status: 400, body: { error: 'Unprocessable Entity', description: 'JSON parse error' } };
      }
      if (!isRecord(v) || !isRecord(v.ticket) || Object.keys(v).length !== 1) return invalid('ticket', 'the body must be {"ticket": {...}}');
      const t = v.ticket;
      if (one) {
        if (req.method !== 'PUT') return { status: 405, body: { error: 'InvalidEndpoint' } };
        const id = Number(one[1]);
        if (!knownTickets.includes(id)) return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
        const bad = onlyKeys(t, ['comment', 'status', 'priority'], 'ticket');
        if (bad) return bad;
        const c = comment(t.comment, 'comment');
        if ('status' in c) return c;
        accepted.push({ ticketId: id, kind: 'comment', ticket: t, uploads: c.uploads });
        return { status: 200, body: { ticket: { id }, audit: { events: [{ type: 'Comment', public: (t.comment as Record<string, unknown>).public ?? true, attachments: c.uploads.map((u) => ({ file_name: u.filename })) }] } } };
      }
      if (req.method !== 'POST') return { status: 405, body: { error: 'InvalidEndpoint' } };
      const bad = onlyKeys(t, ['subject', 'comment', 'requester', 'priority', 'type', 'tags', 'custom_fields'], 'ticket');
      if (bad) return bad;
      if (typeof t.subject !== 'string' || !t.subject) return invalid('subject', 'is required');
      if (!isRecord(t.requester) || typeof t.requester.email !== 'string' || !/^[^\s@]+@[^\s@]+$/.test(t.requester.email)) return invalid('requester', 'email is required');
      const rbad = onlyKeys(t.requester, ['email', 'name', 'locale_id'], 'requester');
      if (rbad) return rbad;
      if (t.priority !== undefined && !PRIORITIES.includes(String(t.priority))) return invalid('priority', `must be one of ${PRIORITIES.join(', ')}`);
      if (t.type !== undefined && !TYPES.includes(String(t.type))) return invalid('type', `must be one of ${TYPES.join(', ')}`);
      if (t.tags !== undefined && !(Array.isArray(t.tags) && t.tags.every((x) => typeof x === 'string' && !/\s/.test(x)))) return invalid('tags', 'must be an array of words');
      if (t.custom_fields !== undefined && !(Array.isArray(t.custom_fields) && t.custom_fields.every((f) => isRecord(f) && Number.isInteger(f.id) && 'value' in f))) return invalid('custom_fields', 'must be [{id, value}]');
      const c = comment(t.comment, 'comment');
      if ('status' in c) return c;
      const id = nextId++;
      accepted.push({ ticketId: id, kind: 'ticket', ticket: t, uploads: c.uploads });
      return { status: 201, body: { ticket: { id, subject: t.subject, priority: t.priority ?? null, type: t.type ?? null } } };
    }
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  });
  return Object.assign(server, { uploads, accepted });
}
