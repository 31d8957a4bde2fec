// osTicket API (https://docs.osticket.com/en/latest/Developer%20Documentation/API/Tickets.html):
// `POST /api/tickets.json` with the key in X-API-Key (osTicket also binds it to the caller's IP
// address). The stock API only creates tickets — it has no endpoint to add a note or a file to an
// existing one — so `attach` is refused rather than faked.

import { UsageError } from '../../shared/errors.js';
import { ticketBody, type TicketContent } from './content.js';
import { customFieldValues, formFactsHtml, type FormSettings } from './fields.js';
import { ISSUE_TYPES, type TicketForm } from './form.js';
import { errorExcerpt } from './http.js';
import { dryRunOutcome, type TicketProvider } from './provider.js';
import { dataUrl, type Attachment, type AttachmentLimit, type TicketRequest } from './request.js';

/** osTicket's admin "Maximum File Size" (1 MB unless raised); checked on the decoded file. Overridable in the config. */
export const OSTICKET_LIMIT: AttachmentLimit = { perFile: 1_048_576, rule: 'osTicket\'s default maximum file size; raise "maxAttachmentBytes" in the config if your desk allows more' };

export const OSTICKET_NO_ATTACH = 'osTicket\'s API can only create tickets, not add notes or files to an existing one: use `pbxready ticket create --provider osticket`, or attach the report by hand';

const PRIORITY_ID = { low: 1, medium: 2, high: 3, urgent: 4 } as const;

// ---- requests (pure) ----

function attachmentEntry(a: Attachment): Record<string, string> {
  return { [a.filename]: dataUrl(a.contentType, a.data) };
}

export function osticketCreateRequest(content: TicketContent, form: TicketForm, settings: FormSettings): TicketRequest {
  const value: Record<string, unknown> = {
    alert: true,
    autorespond: true,
    source: 'API',
    name: form.requester.name ?? form.requester.email,
    email: form.requester.email,
    subject: form.subject,
    message: dataUrl('text/html;charset=utf-8', ticketBody(content, 'html', formFactsHtml(form))),
    priority: PRIORITY_ID[form.priority],
    attachments: content.attachments.map(attachmentEntry),
  };
  // osTicket takes custom form fields by their variable names as top-level keys.
  for (const { field, value: v } of customFieldValues(form, settings)) if (typeof field === 'string' && !(field in value)) value[field] = v;
  return { purpose: 'new ticket', method: 'POST', path: '/api/tickets.json', headers: {}, body: { kind: 'json', value } };
}

// ---- provider ----

export const osticket: TicketProvider = {
  name: 'osticket',
  title: 'osTicket',
  authHeaderName: 'X-API-Key',
  auth: (c) => ({ name: 'X-API-Key', value: c.apiKey ?? '' }),
  limit: OSTICKET_LIMIT,
  defaults: { customFields: {}, issueTypes: { ...ISSUE_TYPES } },

  async attach() {
    throw new UsageError(OSTICKET_NO_ATTACH);
  },

  async create(ctx, content, form) {
    const reply = await ctx.send(osticketCreateRequest(content, form, ctx.settings));
    if (!reply) return dryRunOutcome('osticket');
    // osTicket answers 201 with the new ticket's number as plain text.
    const number = errorExcerpt(reply.text);
    return { provider: 'osticket', ticket: number, summary: `osTicket ticket #${number} created` };
  },
};
