// Freshdesk API v2 (https://developers.freshdesk.com/api/): basic auth with the API key as user and
// "X" as password; notes and tickets as multipart/form-data with `attachments[]`. Freshdesk bodies
// are HTML, so the body is the HTML rendering of the same summary (its <body> part: Freshdesk drops
// <head>/<style> anyway).

import { ticketBody, type TicketContent } from './content.js';
import { customFieldValues, formFactsHtml, type FormSettings } from './fields.js';
import { ISSUE_TYPES, type Priority, type TicketForm } from './form.js';
import { dryRunOutcome, jsonReply, type TicketProvider } from './provider.js';
import type { AttachmentLimit, MultipartPart, TicketRequest } from './request.js';

/** "The total size of these attachments cannot exceed 20MB" (per ticket/note); counted in decimal MB to stay on the safe side. */
export const FRESHDESK_LIMIT: AttachmentLimit = { total: 20_000_000, rule: 'Freshdesk allows 20 MB of attachments per ticket' };

export const FRESHDESK_DEFAULT_FIELDS = { product: 'cf_product', version: 'cf_version', edition: 'cf_edition', licence: 'cf_licence_number' } as const;

const PRIORITY: Record<Priority, number> = { low: 1, medium: 2, high: 3, urgent: 4 };
const STATUS_OPEN = 2;

// ---- requests (pure) ----

function files(content: TicketContent): MultipartPart[] {
  return content.attachments.map((file) => ({ name: 'attachments[]', file }));
}

export function freshdeskNoteRequest(ticketId: string, content: TicketContent): TicketRequest {
  return {
    purpose: `private note with ${content.attachments.length} attachments on ticket ${ticketId}`,
    method: 'POST',
    path: `/api/v2/tickets/${ticketId}/notes`,
    headers: {},
    body: { kind: 'multipart', parts: [{ name: 'body', value: ticketBody(content, 'html') }, { name: 'private', value: 'true' }, ...files(content)] },
  };
}

export function freshdeskCreateRequest(content: TicketContent, form: TicketForm, settings: FormSettings): TicketRequest {
  const parts: MultipartPart[] = [{ name: 'email', value: form.requester.email }];
  if (form.requester.name) parts.push({ name: 'name', value: form.requester.name });
  parts.push(
    { name: 'subject', value: form.subject },
    { name: 'description', value: ticketBody(content, 'html', formFactsHtml(form)) },
    { name: 'status', value: String(STATUS_OPEN) },
    { name: 'priority', value: String(PRIORITY[form.priority]) },
    { name: 'type', value: settings.issueTypes[form.issueType] },
  );
  for (const { field, value } of customFieldValues(form, settings)) parts.push({ name: `custom_fields[${field}]`, value });
  parts.push(...files(content));
  return { purpose: 'new ticket', method: 'POST', path: '/api/v2/tickets', headers: {}, body: { kind: 'multipart', parts } };
}

// ---- provider ----

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export const freshdesk: TicketProvider = {
  name: 'freshdesk',
  title: 'Freshdesk',
  authHeaderName: 'Authorization',
  auth: (c) => ({ name: 'Authorization', value: basic(c.apiKey ?? '', 'X') }),
  limit: FRESHDESK_LIMIT,
  defaults: { customFields: { ...FRESHDESK_DEFAULT_FIELDS }, issueTypes: { ...ISSUE_TYPES } },

  async attach(ctx, ticketId, content) {
    const reply = await ctx.send(freshdeskNoteRequest(ticketId, content));
    if (!reply) return dryRunOutcome('freshdesk', ticketId);
    const note = jsonReply('Freshdesk', reply);
    return { provider: 'freshdesk', ticket: ticketId, summary: `private note ${String(note.id ?? '?')} added to Freshdesk ticket ${ticketId} with ${content.attachments.length} attachments` };
  },

  async create(ctx, content, form) {
    const reply = await ctx.send(freshdeskCreateRequest(content, form, ctx.settings));
    if (!reply) return dryRunOutcome('freshdesk');
    const id = String(jsonReply('Freshdesk', reply).id ?? '?');
    return { provider: 'freshdesk', ticket: id, summary: `Freshdesk ticket ${id} created: ${ctx.connection.baseUrl.replace(/\/+$/, '')}/a/tickets/${id}` };
  },
};
