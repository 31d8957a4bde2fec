// Zendesk: API token auth is basic auth as `{email}/token:{token}`; files go up first, then the
// comment (or the new ticket) names their tokens.

import { UsageError } from '../../shared/errors.js';
import { ISSUE_TYPES } from './form.js';
import type { TicketContent } from './content.js';
import { ZENDESK_LIMIT, placeholderTokens, zendeskCommentRequest, zendeskCreateRequest, zendeskUploadRequests } from './zendesk-api.js';
import { TicketDeliveryError } from './http.js';
import { jsonReply, type ProviderContext, type TicketProvider } from './provider.js';

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
    if (!tokens || !reply) return { provider: 'zendesk', ticket: ticketId, summary: 'dry run: nothing sent' };
    jsonReply('Zendesk', reply);
    return { provider: 'zendesk', ticket: ticketId, summary: `private comment added to Zendesk ticket ${ticketId} with ${tokens.length} attachments` };
  },

  async create(ctx, content, form) {
    const tokens = await upload(ctx, content);
    const reply = await ctx.send(zendeskCreateRequest(content, form, ctx.settings, tokens ?? placeholderTokens(content)));
    if (!tokens || !reply) return { provider: 'zendesk', ticket: '(dry run)', summary: 'dry run: nothing sent' };
    const ticket = jsonReply('Zendesk', reply).ticket as { id?: unknown } | undefined;
    const id = String(ticket?.id ?? '?');
    return { provider: 'zendesk', ticket: id, summary: `Zendesk ticket ${id} created: ${ctx.connection.baseUrl.replace(/\/+$/, '')}/agent/tickets/${id}` };
  },
};
