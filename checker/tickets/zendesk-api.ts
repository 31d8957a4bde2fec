// Zendesk Support API requests (https://developer.zendesk.com/api-reference/ticketing/): each file
// is uploaded first (raw body, one token each), then one comment or new ticket names the tokens.
// The comment body is the Markdown summary as plain text: Markdown reads as text by design, and
// the HTML page is attached for the formatted view.

import type { TicketContent } from './content.js';
import { customFieldValues, formFactsMarkdown, type FormSettings } from './fields.js';
import type { IssueTypeKey, Priority, TicketForm } from './form.js';
import type { AttachmentLimit, TicketRequest } from './request.js';

/** Zendesk: "The maximum attachment size is 50 MB" per file. */
export const ZENDESK_LIMIT: AttachmentLimit = { perFile: 50_000_000, rule: 'Zendesk allows 50 MB per attachment' };

const PRIORITY: Record<Priority, string> = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' };
/** Zendesk's own ticket types are problem/incident/question/task; Bicom's issue type goes into a tag and an optional custom field. */
const TYPE: Record<IssueTypeKey, string> = { technical: 'problem', escalation: 'problem', feedback: 'question' };

export function zendeskUploadRequests(content: TicketContent): TicketRequest[] {
  return content.attachments.map((a) => ({
    purpose: `upload ${a.filename}`,
    method: 'POST' as const,
    path: `/api/v2/uploads?filename=${encodeURIComponent(a.filename)}`,
    headers: {},
    body: { kind: 'raw' as const, contentType: a.contentType, data: a.data },
  }));
}

export function zendeskCommentRequest(ticketId: string, content: TicketContent, tokens: string[]): TicketRequest {
  return {
    purpose: `private comment with ${tokens.length} uploads on ticket ${ticketId}`,
    method: 'PUT',
    path: `/api/v2/tickets/${ticketId}`,
    headers: {},
    body: { kind: 'json', value: { ticket: { comment: { body: content.markdown, public: false, uploads: tokens } } } },
  };
}

export function zendeskCreateRequest(content: TicketContent, form: TicketForm, settings: FormSettings, tokens: string[]): TicketRequest {
  const ticket: Record<string, unknown> = {
    subject: form.subject,
    comment: { body: formFactsMarkdown(form) + content.markdown, uploads: tokens },
    requester: form.requester.name ? { email: form.requester.email, name: form.requester.name } : { email: form.requester.email },
    priority: PRIORITY[form.priority],
    type: TYPE[form.issueType],
    tags: ['pbxready', `issue_type_${form.issueType}`, ...(form.emergency ? ['emergency'] : [])],
  };
  const custom = customFieldValues(form, settings).filter((c) => typeof c.field === 'number');
  if (custom.length) ticket.custom_fields = custom.map(({ field, value }) => ({ id: field, value }));
  return { purpose: 'new ticket', method: 'POST', path: '/api/v2/tickets', headers: {}, body: { kind: 'json', value: { ticket } } };
}

/** Placeholders --dry-run shows where the upload tokens would go. */
export function placeholderTokens(content: TicketContent): string[] {
  return content.attachments.map((a) => `<token of upload ${a.filename}>`);
}
