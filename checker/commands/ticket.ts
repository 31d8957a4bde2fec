// `pbxready ticket attach|create REPORT.json`: put a report on a help-desk ticket. Thin: the work
// is in checker/tickets.

import { readNamedFile } from '../../shared/cli/cli.js';
import { defineCommand } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { ISSUE_TYPES, PRIORITIES, parseIssueType, parsePriority, type FormChoices } from '../tickets/form.js';
import { parseTicketReport, type TicketReport } from '../tickets/report.js';
import { OSTICKET_NO_ATTACH } from '../tickets/osticket.js';
import { resolveTicketSetup } from '../tickets/config.js';
import { TICKET_FLAGS, ticketFlagsOf } from '../tickets/options.js';
import { attachReportToTicket, createTicketFromReport } from '../tickets/send.js';

async function readReport(path: string): Promise<TicketReport> {
  return parseTicketReport((await readNamedFile(path, 'report')).toString('utf8'), path);
}

const out = (t: string) => process.stdout.write(t);
const log = (line: string) => process.stderr.write(`${line}\n`);

const attach = defineCommand({
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'report JSON (pbxready check|precheck --format json, or pbxready-agent report --format json)' })
      .option('ticket', { type: 'string', demandOption: true, describe: 'the ticket number or id' })
      .options(TICKET_FLAGS),
  handler: async (argv) => {
    const flags = ticketFlagsOf(argv);
    // Refuse before reading anything: the stock osTicket API has no way to do this.
    if (flags.provider === 'osticket') throw new UsageError(OSTICKET_NO_ATTACH);
    const report = await readReport(argv.report);
    const setup = await resolveTicketSetup(flags);
    if (setup.provider.name === 'osticket') throw new UsageError(OSTICKET_NO_ATTACH);
    const result = await attachReportToTicket(report, argv.ticket, { setup, dryRun: flags.dryRun === true, reportPath: argv.report, print: out, log });
    out(`${result.summary}\n`);
  },
});

const create = defineCommand({
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'report JSON' })
      .option('requester', { type: 'string', describe: 'requester email (or "requester": {"email","name"} in --config)' })
      .option('requester-name', { type: 'string', describe: 'requester name' })
      .option('subject', { type: 'string', describe: 'subject (default: host, verdict and the main finding codes)' })
      .option('issue-type', { type: 'string', default: 'technical', describe: `issue type: ${Object.entries(ISSUE_TYPES).map(([k, v]) => `${k} (${v})`).join(', ')}` })
      .option('priority', { type: 'string', describe: `${PRIORITIES.join(', ')} (default medium; high for escalation)` })
      .option('emergency', { type: 'boolean', default: false, describe: 'open it as an Emergency (EMERGENCY in the subject, priority urgent); suggested only when the agent found EMERGENCY_CRITERIA_MET' })
      .options(TICKET_FLAGS),
  handler: async (argv) => {
    const flags = ticketFlagsOf(argv);
    const choices: FormChoices = { requester: undefined, issueType: parseIssueType(argv.issueType), emergency: argv.emergency };
    if (argv.priority !== undefined) choices.priority = parsePriority(argv.priority);
    if (argv.subject !== undefined) choices.subject = argv.subject;
    const report = await readReport(argv.report);
    const setup = await resolveTicketSetup(flags);
    if (argv.requester !== undefined) choices.requester = { email: argv.requester, ...(argv.requesterName ? { name: argv.requesterName } : {}) };
    else if (setup.requester && argv.requesterName) choices.requester = { ...setup.requester, name: argv.requesterName };
    const result = await createTicketFromReport(report, choices, { setup, dryRun: flags.dryRun === true, reportPath: argv.report, print: out, log });
    out(`${result.summary}\n`);
  },
});

export const ticket = defineCommand({
  builder: (y) =>
    y
      .command({ command: 'attach <report>', describe: 'add the report to an existing ticket: a private note with the summary, the JSON and the HTML report attached', ...attach })
      .command({ command: 'create <report>', describe: 'open a ticket prefilled from the report (requester, subject, issue type, product, version, edition, licence, description)', ...create })
      .demandCommand(1, 'ticket needs a command: attach or create'),
  handler: async () => {},
});
