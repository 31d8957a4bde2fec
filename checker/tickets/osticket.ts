// osTicket: the API key travels in X-API-Key (osTicket also binds it to the caller's IP address).

import { UsageError } from '../../shared/errors.js';
import { ISSUE_TYPES } from './form.js';
import { OSTICKET_LIMIT, OSTICKET_NO_ATTACH, osticketCreateRequest } from './osticket-api.js';
import { errorExcerpt } from './http.js';
import type { TicketProvider } from './provider.js';

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
    if (!reply) return { provider: 'osticket', ticket: '(dry run)', summary: 'dry run: nothing sent' };
    // osTicket answers 201 with the new ticket's number as plain text.
    const number = errorExcerpt(reply.text);
    return { provider: 'osticket', ticket: number, summary: `osTicket ticket #${number} created` };
  },
};
