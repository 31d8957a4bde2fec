// `check|precheck --attach-to-ticket ID`: the finished report goes onto an existing help-desk ticket
// in the same run, through the ticket module's attachReportToTicket. The help-desk setup is resolved
// before any probe (a missing key is a usage error, not a lost check), and the report is emitted
// first, so a desk that cannot be reached never costs the report; the ticket line goes to stderr
// because stdout holds the report. The help-desk code is loaded only when a ticket is asked for.

import type { FlagGroup } from '../shared/cli/flags.js';
import { UsageError } from '../shared/errors.js';
import type { TicketReport } from './tickets/report.js';
import type { TicketSetup } from './tickets/config.js';
import { TICKET_FLAGS, ticketFlagsOf } from './tickets/options.js';

export const ATTACH_TO_TICKET_FLAGS = {
  'attach-to-ticket': { type: 'string', group: 'Help desk:', describe: 'Add the report to this existing ticket (a private note with the summary, JSON and HTML attached)' },
  ...TICKET_FLAGS,
} satisfies FlagGroup;

export interface AttachPlan {
  ticket: string;
  setup: TicketSetup;
  dryRun: boolean;
}

/** Validate the help-desk flags up front; null when no ticket was asked for. */
export async function planAttachToTicket(argv: { attachToTicket?: string | undefined } & Parameters<typeof ticketFlagsOf>[0]): Promise<AttachPlan | null> {
  const flags = ticketFlagsOf(argv);
  if (argv.attachToTicket === undefined) {
    const stray = (['provider', 'baseUrl', 'apiKeyEnv', 'email'] as const).find((k) => flags[k] !== undefined);
    if (stray || flags.dryRun) throw new UsageError(`--${stray ? stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : 'dry-run'} needs --attach-to-ticket ID`);
    return null;
  }
  const ticket = argv.attachToTicket.trim();
  if (ticket === '') throw new UsageError('--attach-to-ticket is empty');
  const { resolveTicketSetup } = await import('./tickets/config.js');
  return { ticket, setup: await resolveTicketSetup(flags), dryRun: flags.dryRun === true };
}

export async function attachIfPlanned(plan: AttachPlan | null, report: TicketReport): Promise<void> {
  if (!plan) return;
  const { attachReportToTicket } = await import('./tickets/send.js');
  const toStderr = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  const outcome = await attachReportToTicket(report, plan.ticket, { setup: plan.setup, dryRun: plan.dryRun, print: toStderr, log: toStderr });
  toStderr(outcome.summary);
}
