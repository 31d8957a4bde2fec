// A Freshdesk API v2 stand-in (https://developers.freshdesk.com/api/#create_note,
// #create_ticket): basic auth `API_KEY:X`, multipart/form-data with `attachments[]`, 20 MB of
// attachments, Freshdesk's error bodies. Anything else is refused as Freshdesk would.

import { basicAuthOf, parseMultipart, startHelpdesk, type HelpdeskServer, type RecordedRequest, type Reply } from './helpdesk-server.js';

export interface FreshdeskAttachment {
  name: string;
  contentType: string;
  size: number;
  text: string;
}

export interface FreshdeskRecord {
  ticketId: number;
  kind: 'note' | 'ticket';
  fields: Record<string, string>;
  attachments: FreshdeskAttachment[];
}

export interface FreshdeskStandIn extends HelpdeskServer {
  accepted: FreshdeskRecord[];
}

export const FRESHDESK_TYPES = ['Question', 'Incident', 'Problem', 'Feature Request', 'Technical Issue', 'Escalation', 'Feedback'];
export const FRESHDESK_CUSTOM_FIELDS = ['cf_product', 'cf_version', 'cf_edition', 'cf_licence_number'];
const MAX_TOTAL = 20 * 1024 * 1024;
const NOTE_FIELDS = new Set(['body', 'private', 'incoming', 'notify_emails[]', 'user_id', 'attachments[]']);
const TICKET_FIELDS = new Set(['name', 'email', 'phone', 'subject', 'description', 'status', 'priority', 'type', 'source', 'tags[]', 'cc_emails[]', 'attachments[]']);

function invalid(field: string, message: string, code = 'invalid_value'): Reply {
  return { status: 400, body: { description: 'Validation failed', errors: [{ field, message, code }] } };
}

async function readForm(req: RecordedRequest, allowed: (name: string) => boolean): Promise<{ fields: Record<string, string>; attachments: FreshdeskAttachment[] } | Reply> {
  const ct = String(req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data;\s*boundary=/.test(ct)) return { status: 415, body: { code: 'invalid_content_type', message: "Content-Type header should have 'multipart/form-data'" } };
  let form: FormData;
  try {
    form = await parseMultipart(req);
  } catch {
    return { status: 400, body: { code: 'invalid_multipart', message: 'The multipart body could not be parsed' } };
  }
  const fields: Record<string, string> = {};
  const attachments: FreshdeskAttachment[] = [];
  for (const [name, value] of form.entries()) {
    if (!allowed(name)) return invalid(name, 'Unexpected/invalid field in request', 'invalid_field');
    if (name === 'attachments[]') {
      if (typeof value === 'string') return invalid('attachments', 'It should be a valid file', 'datatype_mismatch');
      attachments.push({ name: value.name, contentType: value.type, size: value.size, text: await value.text() });
    } else {
      if (typeof value !== 'string') return invalid(name, 'It should be a/an String', 'datatype_mismatch');
      if (name in fields) return invalid(name, 'Duplicate field', 'duplicate_value');
      fields[name] = value;
    }
  }
  if (attachments.reduce((n, a) => n + a.size, 0) > MAX_TOTAL) return invalid('attachments', 'The cumulative size of all attachments must not exceed 20 MB', 'invalid_size');
  return { fields, attachments };
}

export async function startFreshdesk(apiKey: string, knownTickets: number[] = [42]): Promise<FreshdeskStandIn> {
  const accepted: FreshdeskRecord[] = [];
  let nextId = 1000;
  const server = await startHelpdesk(async (req) => {
    if (basicAuthOf(req) !== `${apiKey}:X`) return { status: 401, body: { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' } };
    const path = req.url.split('?')[0] ?? '';
    const note = /^\/api\/v2\/tickets\/(\d+)\/notes$/.exec(path);
    if (note) {
      if (req.method !== 'POST') return { status: 405, body: { message: 'Method not allowed' } };
      const ticketId = Number(note[1]);
      if (!knownTickets.includes(ticketId)) return { status: 404, body: { code: 'access_denied', message: 'Ticket not found' } };
      const form = await readForm(req, (n) => NOTE_FIELDS.has(n));
      if ('status' in form) return form;
      if (!form.fields.body) return invalid('body', 'It should be a/an String', 'missing_field');
      if (form.fields.private !== undefined && !['true', 'false'].includes(form.fields.private)) return invalid('private', 'It should be a/an Boolean', 'datatype_mismatch');
      accepted.push({ ticketId, kind: 'note', ...form });
      return { status: 201, body: { id: nextId++, ticket_id: ticketId, body: form.fields.body, private: form.fields.private === 'true', attachments: form.attachments.map((a) => ({ name: a.name, content_type: a.contentType, size: a.size })) } };
    }
    if (path === '/api/v2/tickets') {
      if (req.method !== 'POST') return { status: 405, body: { message: 'Method not allowed' } };
      const form = await readForm(req, (n) => TICKET_FIELDS.has(n) || /^custom_fields\[[a-z0-9_]+\]$/.test(n));
      if ('status' in form) return form;
      const f = form.fields;
      for (const required of ['email', 'subject', 'description', 'status', 'priority']) if (!f[required]) return invalid(required, 'It should be a/an String', 'missing_field');
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(f.email!)) return invalid('email', 'It should be in the valid email format');
      if (!['2', '3', '4', '5'].includes(f.status!)) return invalid('status', 'It should be one of these values: 2,3,4,5');
      if (!['1', '2', '3', '4'].includes(f.priority!)) return invalid('priority', 'It should be one of these values: 1,2,3,4');
      if (f.type !== undefined && !FRESHDESK_TYPES.includes(f.type)) return invalid('type', `It should be one of these values: ${FRESHDESK_TYPES.join(',')}`);
      for (const name of Object.keys(f)) {
        const cf = /^custom_fields\[(.+)\]$/.exec(name);
        if (cf && !FRESHDESK_CUSTOM_FIELDS.includes(cf[1]!)) return invalid(cf[1]!, 'Unexpected/invalid field in request', 'invalid_field');
      }
      const id = nextId++;
      accepted.push({ ticketId: id, kind: 'ticket', ...form });
      return { status: 201, body: { id, subject: f.subject, status: Number(f.status), priority: Number(f.priority), type: f.type ?? null } };
    }
    return { status: 404, body: { code: 'not_found', message: 'The requested URL was not found' } };
  });
  return Object.assign(server, { accepted });
}
