// Putting a report on a ticket: the one function `ticket attach`, `ticket create` and
// `check|precheck --attach-to-ticket` call. Render once, check the limits, send (or print), and
// when the desk cannot be reached keep the report on disk and say where.

import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../shared/cli/atomic-write.js';
import { ticketContent, reportFileStem, type TicketContent } from './content.js';
import { nextStepsFor } from './next-steps.js';
import { decideForm, type FormChoices, type FormDecision } from './form.js';
import { AttachmentTooLargeError, checkAttachmentLimit, describeRequest, ticketIdOf, type TicketRequest } from './request.js';
import type { TicketReport } from './report.js';
import type { TicketSetup } from './config.js';
import { TicketDeliveryError, sendTicketRequest, type HttpDeps } from './http.js';
import type { ProviderContext, TicketOutcome } from './provider.js';

export interface TicketRunOptions {
  setup: TicketSetup;
  dryRun?: boolean;
  /** The report's file when it already is on disk (ticket attach REPORT.json): nothing else is written on failure. */
  reportPath?: string;
  /** Where to keep a report that is only in memory (check --attach-to-ticket) when sending fails; default: the working directory. */
  keepDir?: string;
  /** Dry-run requests go here (stdout). */
  print?: (text: string) => void;
  /** Retry notices go here (stderr). */
  log?: (line: string) => void;
  http?: HttpDeps;
  /** The partner's own words (--description/--description-file): they head the body. */
  description?: string;
  /** The clock the "what happens next" lines are computed at. */
  now?: () => Date;
}

function context(options: TicketRunOptions): ProviderContext {
  const { setup } = options;
  const { provider, connection } = setup;
  const print = options.print ?? ((t: string) => process.stdout.write(t));
  return {
    connection,
    settings: setup.settings,
    limit: setup.limit,
    async send(req: TicketRequest) {
      if (options.dryRun) {
        print(`${describeRequest(req, connection.baseUrl, provider.authHeaderName)}\n`);
        return null;
      }
      return sendTicketRequest(provider.title, req, connection.baseUrl, provider.auth(connection), setup.retry, { log: options.log, ...options.http });
    },
  };
}

/** Keep the report where the person can find it, and return the sentence that says where. */
async function keepReport(report: TicketReport, content: TicketContent, options: TicketRunOptions): Promise<string> {
  if (options.reportPath) return `the report stays at ${resolve(options.reportPath)}`;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = join(resolve(options.keepDir ?? '.'), `${reportFileStem(report)}-${stamp}`);
  const [json, html] = content.attachments;
  await writeFileAtomic(`${base}.json`, json!.data);
  await writeFileAtomic(`${base}.html`, html!.data);
  return `the report is kept at ${base}.json (and .html)`;
}

async function deliver(report: TicketReport, options: TicketRunOptions, emergency: boolean, act: (ctx: ProviderContext, content: TicketContent) => Promise<TicketOutcome>): Promise<TicketOutcome> {
  const content = ticketContent(report, { description: options.description, nextSteps: nextStepsFor(report, emergency, (options.now ?? (() => new Date()))()) });
  try {
    checkAttachmentLimit(content.attachments, options.setup.limit);
    return await act(context(options), content);
  } catch (err) {
    if (!(err instanceof TicketDeliveryError) && !(err instanceof AttachmentTooLargeError)) throw err;
    let where: string;
    try {
      where = await keepReport(report, content, options);
    } catch (saveErr) {
      where = `and the report could not be saved either (${(saveErr as Error).message})`;
    }
    if (err instanceof TicketDeliveryError) throw new TicketDeliveryError(`${err.message}; ${where}`, err.status);
    throw new AttachmentTooLargeError(`${err.message}; ${where}`);
  }
}

/** Add the report to an existing ticket as a private note with the JSON and HTML attached. */
export async function attachReportToTicket(report: TicketReport, ticketId: string | number, options: TicketRunOptions): Promise<TicketOutcome> {
  const id = ticketIdOf(ticketId);
  return deliver(report, options, false, (ctx, content) => options.setup.provider.attach(ctx, id, content));
}

/** Open a new ticket prefilled from the report; the decision (Emergency or not, and why) comes back for the caller to print. */
export async function createTicketFromReport(report: TicketReport, choices: FormChoices, options: TicketRunOptions): Promise<TicketOutcome & { decision: FormDecision }> {
  const decision = decideForm(report, { ...choices, requester: choices.requester ?? options.setup.requester });
  // Why (not) an Emergency is said before anything is sent, so it shows even when sending fails.
  const print = options.print ?? ((t: string) => process.stdout.write(t));
  print(`${decision.notes.join('\n')}\n`);
  const outcome = await deliver(report, options, decision.form.emergency, (ctx, content) => options.setup.provider.create(ctx, content, decision.form));
  return { ...outcome, decision };
}
