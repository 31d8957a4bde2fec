// Freshdesk API v2: basic auth with the API key as user and "X" as password.

import { ISSUE_TYPES } from './form.js';
import { FRESHDESK_DEFAULT_FIELDS, FRESHDESK_LIMIT, freshdeskCreateRequest, freshdeskNoteRequest } from './freshdesk-api.js';
import { jsonReply, type TicketProvider } from './provider.js';

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
    if (!reply) return { provider: 'freshdesk', ticket: ticketId, summary: 'dry run: nothing sent' };
    const note = jsonReply('Freshdesk', reply);
    return { provider: 'freshdesk', ticket: ticketId, summary: `private note ${String(note.id ?? '?')} added to Freshdesk ticket ${ticketId} with ${content.attachments.length} attachments` };
  },

  async create(ctx, content, form) {
    const reply = await ctx.send(freshdeskCreateRequest(content, form, ctx.settings));
    if (!reply) return { provider: 'freshdesk', ticket: '(dry run)', summary: 'dry run: nothing sent' };
    const id = String(jsonReply('Freshdesk', reply).id ?? '?');
    return { provider: 'freshdesk', ticket: id, summary: `Freshdesk ticket ${id} created: ${ctx.connection.baseUrl.replace(/\/+$/, '')}/a/tickets/${id}` };
  },
};
