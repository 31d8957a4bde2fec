// `check|precheck --attach-to-ticket ID`: the finished report goes onto an existing help-desk ticket
// in the same run, through the ticket module's attachReportToTicket. The help-desk setup is resolved
// before any probe (a missing key is a usage error, not a lost check), and the report is emitted
// first, so a desk that cannot be reached never costs the report; the ticket line goes to stderr
// because stdout holds the report.

import type { Argv } from 'yargs';
import { UsageError } from '../shared/errors.js';
import type { TicketReport } from './tickets/report.js';
import { resolveTicketSetup, type TicketFlags, type TicketSetup } from './tickets/config.js';
import { ticketFlagsOf, withTicketOptions } from './tickets/options.js';
import { attachReportToTicket } from './tickets/send.js';

export interface AttachToTicketArgs {
  attachToTicket?: string;
}

export interface AttachPlan {
  ticket: string;
  setup: TicketSetup;
  dryRun: boolean;
}

export function withAttachToTicketOptions<T>(y: Argv<T>): Argv<T & AttachToTicketArgs & TicketFlags> {
  return withTicketOptions(
    y.option('attach-to-ticket', { type: 'string', group: 'Help desk:', describe: 'Add the report to this existing ticket (a private note with the summary, JSON and HTML attached)' }),
  ) as unknown as Argv<T & AttachToTicketArgs & TicketFlags>;
}

/** Validate the help-desk flags up front; null when no ticket was asked for. */
export async function planAttachToTicket(argv: AttachToTicketArgs & Record<string, unknown>): Promise<AttachPlan | null> {
  const flags = ticketFlagsOf(argv);
  if (argv.attachToTicket === undefined) {
    const stray = (['provider', 'baseUrl', 'apiKeyEnv', 'email'] as const).find((k) => flags[k] !== undefined);
    if (stray || flags.dryRun) throw new UsageError(`--${stray ? stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`) : 'dry-run'} needs --attach-to-ticket ID`);
    return null;
  }
  const ticket = argv.attachToTicket.trim();
  if (ticket === '') throw new UsageError('--attach-to-ticket is empty');
  return { ticket, setup: await resolveTicketSetup(flags), dryRun: flags.dryRun === true };
}

export async function attachIfPlanned(plan: AttachPlan | null, report: TicketReport): Promise<void> {
  if (!plan) return;
  const toStderr = (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  const outcome = await attachReportToTicket(report, plan.ticket, { setup: plan.setup, dryRun: plan.dryRun, print: toStderr, log: toStderr });
  toStderr(outcome.summary);
}
