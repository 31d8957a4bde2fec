// Zendesk Support API (https://developer.zendesk.com/api-reference/ticketing/): API token auth is
// basic auth as `{email}/token:{token}`; each file is uploaded first (raw body, one token each), then
// one comment or new ticket names the tokens. The comment body is the Markdown summary as plain
// text: Markdown reads as text by design, and the HTML page is attached for the formatted view.

import { UsageError } from '../../shared/errors.js';
import { ticketBody, type TicketContent } from './content.js';
import { customFieldValues, formFactsMarkdown, type FormSettings } from './fields.js';
import { ISSUE_TYPES, type IssueTypeKey, type Priority, type TicketForm } from './form.js';
import { TicketDeliveryError } from './http.js';
import { dryRunOutcome, jsonReply, type ProviderContext, type TicketProvider } from './provider.js';
import type { AttachmentLimit, TicketRequest } from './request.js';

/** Zendesk: "The maximum attachment size is 50 MB" per file. */
export const ZENDESK_LIMIT: AttachmentLimit = { perFile: 50_000_000, rule: 'Zendesk allows 50 MB per attachment' };

const PRIORITY: Record<Priority, string> = { low: 'low', medium: 'normal', high: 'high', urgent: 'urgent' };
/** Zendesk's own ticket types are problem/incident/question/task; Bicom's issue type goes into a tag and an optional custom field. */
const TYPE: Record<IssueTypeKey, string> = { technical: 'problem', escalation: 'problem', feedback: 'question' };

// ---- requests (pure) ----

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
    body: { kind: 'json', value: { ticket: { comment: { body: ticketBody(content, 'markdown'), public: false, uploads: tokens } } } },
  };
}

export function zendeskCreateRequest(content: TicketContent, form: TicketForm, settings: FormSettings, tokens: string[]): TicketRequest {
  const ticket: Record<string, unknown> = {
    subject: form.subject,
    comment: { body: ticketBody(content, 'markdown', formFactsMarkdown(form)), uploads: tokens },
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

// ---- provider ----

async function upload(ctx: ProviderContext, content: TicketContent): Promise<string[] | null> {
  const tokens: string[] = [];
  let dryRun = false;
  for (const req of zendeskUploadRequests(content)) {
    const reply = await ctx.send(req);
    if (!reply) {
      dryRun = true;
      continue;
    }
    const up = jsonReply('Zendesk', reply).upload as { token?: unknown } | undefined;
    if (typeof up?.token !== 'string') throw new TicketDeliveryError(`Zendesk answered ${reply.status} to ${req.purpose} without an upload token`, reply.status);
    tokens.push(up.token);
  }
  return dryRun ? null : tokens;
}

export const zendesk: TicketProvider = {
  name: 'zendesk',
  title: 'Zendesk',
  authHeaderName: 'Authorization',
  auth: (c) => {
    if (!c.email) throw new UsageError('Zendesk authenticates as an agent: set --email, PBXREADY_TICKET_EMAIL or "email" in the config file');
    return { name: 'Authorization', value: `Basic ${Buffer.from(`${c.email}/token:${c.apiKey ?? ''}`, 'utf8').toString('base64')}` };
  },
  limit: ZENDESK_LIMIT,
  // Zendesk custom fields are numeric ids, different on every instance: none unless configured.
  defaults: { customFields: {}, issueTypes: { ...ISSUE_TYPES } },

  async attach(ctx, ticketId, content) {
    const tokens = await upload(ctx, content);
    const reply = await ctx.send(zendeskCommentRequest(ticketId, content, tokens ?? placeholderTokens(content)));
    if (!tokens || !reply) return dryRunOutcome('zendesk', ticketId);
    jsonReply('Zendesk', reply);
    return { provider: 'zendesk', ticket: ticketId, summary: `private comment added to Zendesk ticket ${ticketId} with ${tokens.length} attachments` };
  },

  async create(ctx, content, form) {
    const tokens = await upload(ctx, content);
    const reply = await ctx.send(zendeskCreateRequest(content, form, ctx.settings, tokens ?? placeholderTokens(content)));
    if (!tokens || !reply) return dryRunOutcome('zendesk');
    const ticket = jsonReply('Zendesk', reply).ticket as { id?: unknown } | undefined;
    const id = String(ticket?.id ?? '?');
    return { provider: 'zendesk', ticket: id, summary: `Zendesk ticket ${id} created: ${ctx.connection.baseUrl.replace(/\/+$/, '')}/agent/tickets/${id}` };
  },
};
