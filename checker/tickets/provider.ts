// One interface for every help desk; the table in index.ts is the only wiring.

import type { TicketContent } from './content.js';
import type { FormSettings } from './fields.js';
import type { TicketForm } from './form.js';
import type { AttachmentLimit, TicketRequest } from './request.js';
import { TicketDeliveryError, type AuthHeader, type HttpReply } from './http.js';

export type { ProviderName } from './options.js';
import type { ProviderName } from './options.js';

export interface TicketConnection {
  baseUrl: string;
  /** Absent only in --dry-run without a key. */
  apiKey: string | null;
  /** Zendesk authenticates as `email/token`. */
  email: string | null;
}

export interface ProviderContext {
  connection: TicketConnection;
  settings: FormSettings;
  limit: AttachmentLimit;
  /** Sends (or, in --dry-run, prints and returns null). */
  send(req: TicketRequest): Promise<HttpReply | null>;
}

export interface TicketOutcome {
  provider: ProviderName;
  /** The ticket's number or id as the desk names it ("(dry run)" when nothing was sent). */
  ticket: string;
  /** What was done, one line. */
  summary: string;
}

/** What a desk returns when --dry-run printed the requests instead of sending them. */
export function dryRunOutcome(provider: ProviderName, ticket = '(dry run)'): TicketOutcome {
  return { provider, ticket, summary: 'dry run: nothing sent' };
}

export interface TicketProvider {
  name: ProviderName;
  title: string;
  /** The header the sender adds; the value never leaves http.ts/dry-run redaction. */
  auth(connection: TicketConnection): AuthHeader;
  authHeaderName: string;
  limit: AttachmentLimit;
  defaults: FormSettings;
  /** Refuse (UsageError) what this desk cannot do, before anything is sent. */
  attach(ctx: ProviderContext, ticketId: string, content: TicketContent): Promise<TicketOutcome>;
  create(ctx: ProviderContext, content: TicketContent, form: TicketForm): Promise<TicketOutcome>;
}

/** Parse a JSON answer, or say in one line that the desk answered something else. */
export function jsonReply(desk: string, reply: HttpReply): Record<string, unknown> {
  try {
    const v = JSON.parse(reply.text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new TicketDeliveryError(`${desk} answered ${reply.status} with something that is not a JSON object`, reply.status);
}
