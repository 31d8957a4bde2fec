// Freshdesk API v2 requests (https://developers.freshdesk.com/api/): notes and tickets as
// multipart/form-data with `attachments[]`. Freshdesk bodies are HTML, so the body is the HTML
// rendering of the same summary (its <body> part: Freshdesk drops <head>/<style> anyway).

import type { TicketContent } from './content.js';
import { customFieldValues, formFactsHtml, type FormSettings } from './fields.js';
import type { Priority, TicketForm } from './form.js';
import type { AttachmentLimit, MultipartPart, TicketRequest } from './request.js';

/** "The total size of these attachments cannot exceed 20MB" (per ticket/note); counted in decimal MB to stay on the safe side. */
export const FRESHDESK_LIMIT: AttachmentLimit = { total: 20_000_000, rule: 'Freshdesk allows 20 MB of attachments per ticket' };

export const FRESHDESK_DEFAULT_FIELDS = { product: 'cf_product', version: 'cf_version', edition: 'cf_edition', licence: 'cf_licence_number' } as const;

const PRIORITY: Record<Priority, number> = { low: 1, medium: 2, high: 3, urgent: 4 };
const STATUS_OPEN = 2;

function files(content: TicketContent): MultipartPart[] {
  return content.attachments.map((file) => ({ name: 'attachments[]', file }));
}

export function freshdeskNoteRequest(ticketId: string, content: TicketContent): TicketRequest {
  return {
    purpose: `private note with ${content.attachments.length} attachments on ticket ${ticketId}`,
    method: 'POST',
    path: `/api/v2/tickets/${ticketId}/notes`,
    headers: {},
    body: { kind: 'multipart', parts: [{ name: 'body', value: content.htmlFragment }, { name: 'private', value: 'true' }, ...files(content)] },
  };
}

export function freshdeskCreateRequest(content: TicketContent, form: TicketForm, settings: FormSettings): TicketRequest {
  const parts: MultipartPart[] = [{ name: 'email', value: form.requester.email }];
  if (form.requester.name) parts.push({ name: 'name', value: form.requester.name });
  parts.push(
    { name: 'subject', value: form.subject },
    { name: 'description', value: formFactsHtml(form) + content.htmlFragment },
    { name: 'status', value: String(STATUS_OPEN) },
    { name: 'priority', value: String(PRIORITY[form.priority]) },
    { name: 'type', value: settings.issueTypes[form.issueType] },
  );
  for (const { field, value } of customFieldValues(form, settings)) parts.push({ name: `custom_fields[${field}]`, value });
  parts.push(...files(content));
  return { purpose: 'new ticket', method: 'POST', path: '/api/v2/tickets', headers: {}, body: { kind: 'multipart', parts } };
}
