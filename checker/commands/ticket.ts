// `pbxready ticket attach|create|email REPORT.json`: put a report on a help-desk ticket, or into
// an e-mail to the vendor. Thin: the work is in checker/tickets.

import { readNamedFile } from '../../shared/cli/cli.js';
import { writeFileAtomic } from '../../shared/cli/atomic-write.js';
import { OUTPUT_FLAGS, defineCommand } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { PRIORITIES, escalationOf, parseIssueType, parsePriority, type FormChoices } from '../tickets/form.js';
import { parseTicketReport, type TicketReport } from '../tickets/report.js';
import { OSTICKET_NO_ATTACH } from '../tickets/osticket.js';
import { resolveEmailSetup, resolveTicketSetup } from '../tickets/config.js';
import { checkMessageSize, composeEmail, decideEmail, sendEmail } from '../tickets/email.js';
import { EMAIL_FLAGS, TICKET_FLAGS, TICKET_FORM_FLAGS, TICKET_WORDS_FLAGS, ticketFlagsOf } from '../tickets/options.js';
import { attachReportToTicket, createTicketFromReport } from '../tickets/send.js';

async function readReport(path: string): Promise<TicketReport> {
  return parseTicketReport((await readNamedFile(path, 'report')).toString('utf8'), path);
}

/** --description TEXT or --description-file FILE (one of them), or nothing. */
async function descriptionOf(argv: { description?: string | undefined; descriptionFile?: string | undefined }): Promise<string | undefined> {
  if (argv.description !== undefined && argv.descriptionFile !== undefined) throw new UsageError('give --description or --description-file, not both');
  if (argv.descriptionFile !== undefined) return (await readNamedFile(argv.descriptionFile, '--description-file')).toString('utf8');
  if (argv.description !== undefined && argv.description.trim() === '') throw new UsageError('--description is empty');
  return argv.description;
}

const out = (t: string) => process.stdout.write(t);
const log = (line: string) => process.stderr.write(`${line}\n`);

const attach = defineCommand({
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'report JSON (pbxready check|precheck --format json, or pbxready-agent report --format json)' })
      .option('ticket', { type: 'string', demandOption: true, describe: 'the ticket number or id' })
      .options(TICKET_WORDS_FLAGS)
      .options(TICKET_FLAGS),
  handler: async (argv) => {
    const flags = ticketFlagsOf(argv);
    // Refuse before reading anything: the stock osTicket API has no way to do this.
    if (flags.provider === 'osticket') throw new UsageError(OSTICKET_NO_ATTACH);
    const description = await descriptionOf(argv);
    const report = await readReport(argv.report);
    const setup = await resolveTicketSetup(flags);
    if (setup.provider.name === 'osticket') throw new UsageError(OSTICKET_NO_ATTACH);
    const result = await attachReportToTicket(report, argv.ticket, { setup, dryRun: flags.dryRun === true, reportPath: argv.report, print: out, log, ...(description !== undefined ? { description } : {}) });
    out(`${result.summary}\n`);
  },
});

const create = defineCommand({
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'report JSON' })
      .option('requester', { type: 'string', describe: 'requester email (or "requester": {"email","name"} in --config)' })
      .option('requester-name', { type: 'string', describe: 'requester name' })
      .option('priority', { type: 'string', describe: `${PRIORITIES.join(', ')} (default medium; high for escalation)` })
      .options(TICKET_FORM_FLAGS)
      .options(TICKET_WORDS_FLAGS)
      .options(TICKET_FLAGS),
  handler: async (argv) => {
    const flags = ticketFlagsOf(argv);
    const choices: FormChoices = { requester: undefined, ...formChoicesOf(argv) };
    if (argv.priority !== undefined) choices.priority = parsePriority(argv.priority);
    const description = await descriptionOf(argv);
    const report = await readReport(argv.report);
    const setup = await resolveTicketSetup(flags);
    if (argv.requester !== undefined) choices.requester = { email: argv.requester, ...(argv.requesterName ? { name: argv.requesterName } : {}) };
    else if (setup.requester && argv.requesterName) choices.requester = { ...setup.requester, name: argv.requesterName };
    const result = await createTicketFromReport(report, choices, { setup, dryRun: flags.dryRun === true, reportPath: argv.report, print: out, log, ...(description !== undefined ? { description } : {}) });
    out(`${result.summary}\n`);
  },
});

/** The form's choices, checked before anything is read: an escalation without its ticket is refused here. */
function formChoicesOf(argv: { issueType: string; subject?: string | undefined; escalates?: string | undefined; emergency: boolean }): Omit<FormChoices, 'requester'> {
  const issueType = parseIssueType(argv.issueType);
  const escalates = escalationOf(issueType, argv.escalates);
  return { issueType, emergency: argv.emergency, ...(argv.subject !== undefined ? { subject: argv.subject } : {}), ...(escalates !== undefined ? { escalates } : {}) };
}

const email = defineCommand({
  builder: (y) =>
    y
      .positional('report', { type: 'string', demandOption: true, describe: 'report JSON' })
      .options(EMAIL_FLAGS)
      .options(OUTPUT_FLAGS)
      .options(TICKET_FORM_FLAGS)
      .options(TICKET_WORDS_FLAGS),
  handler: async (argv) => {
    const choices = formChoicesOf(argv);
    const description = await descriptionOf(argv);
    const report = await readReport(argv.report);
    const setup = await resolveEmailSetup(argv);
    const decision = decideEmail(report, { ...choices, ...(argv.from !== undefined ? { from: argv.from } : {}), ...(argv.to !== undefined ? { to: argv.to } : {}) }, setup.settings);
    const now = new Date();
    const { raw } = await composeEmail(report, decision, { draft: !argv.send, now, description });
    // Where the message goes decides where the notes go: stdout holds the message when it is printed.
    const say = argv.send || argv.output ? out : (t: string) => process.stderr.write(t);
    say(`${decision.form.notes.join('\n')}\n`);
    if (argv.output) {
      await writeFileAtomic(argv.output, raw);
      say(`${argv.send ? 'the message' : 'draft'} written to ${argv.output} (to ${decision.to}, subject "${decision.subject}")\n`);
    }
    if (!setup.smtp) {
      if (!argv.output) out(raw.toString('latin1'));
      return;
    }
    checkMessageSize(raw, setup.settings, 'mail.maxMessageBytes in --config; 10 MB by default');
    out(`${await sendEmail(raw, { from: decision.from, to: decision.to }, setup.smtp)}\n`);
  },
});

export const ticket = defineCommand({
  builder: (y) =>
    y
      .command({ command: 'attach <report>', describe: 'add the report to an existing ticket: a private note with the summary, the JSON and the HTML report attached', ...attach })
      .command({ command: 'create <report>', describe: 'open a ticket prefilled from the report (requester, subject, issue type, product, version, edition, licence, description)', ...create })
      .command({ command: 'email <report>', describe: "the partners' usual route: an e-mail to the vendor (support@, emergency@) from your registered address, the summary in the body, both reports attached; a draft .eml, or --send by SMTP", ...email })
      .demandCommand(1, 'ticket needs a command: attach, create or email'),
  handler: async () => {},
});
