// The help-desk flags, declared once for `ticket attach|create` and for the commands that take
// --attach-to-ticket ID (check, precheck), with the one parser of their values. Only names live
// here, no help-desk code: `check` declares these flags without loading any desk.

import { parsePort, type FlagGroup } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';
import type { SmtpSettings } from './email.js';

/** The help desks; tickets/index.ts maps each to its provider (the compiler keeps both in step). */
export const PROVIDER_NAMES = ['freshdesk', 'zendesk', 'osticket'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export const ENV = Object.freeze({ url: 'PBXREADY_TICKET_URL', key: 'PBXREADY_TICKET_KEY', email: 'PBXREADY_TICKET_EMAIL', provider: 'PBXREADY_TICKET_PROVIDER' });

/** The flags every ticket-sending command shares (ticket attach/create, check/precheck --attach-to-ticket). */
export interface TicketFlags {
  provider?: string;
  config?: string;
  baseUrl?: string;
  apiKeyEnv?: string;
  email?: string;
  dryRun?: boolean;
}

const group = 'Help desk:';

export const TICKET_FLAGS = {
  provider: { type: 'string', choices: [...PROVIDER_NAMES], group, describe: `help desk (or "provider" in --config, or ${ENV.provider})` },
  config: { type: 'string', group, describe: 'JSON file: baseUrl, apiKey/apiKeyEnv, email, requester, customFields, issueTypes, retry' },
  'base-url': { type: 'string', group, describe: `help desk address, e.g. https://acme.freshdesk.com (or ${ENV.url})` },
  'api-key-env': { type: 'string', group, describe: `environment variable holding the API key (default ${ENV.key}); never the key itself` },
  email: { type: 'string', group, describe: `Zendesk: the agent email the API token belongs to (or ${ENV.email})` },
  'dry-run': { type: 'boolean', default: false, group, describe: 'print the requests that would be sent (key redacted), send nothing' },
} satisfies FlagGroup;

type TicketArgs = { [K in keyof TicketFlags]?: TicketFlags[K] | undefined };

/** The flags as given (absent ones left out, so the config file and environment can fill them). */
export function ticketFlagsOf(argv: TicketArgs): TicketFlags {
  const flags: TicketFlags = { dryRun: argv.dryRun === true };
  if (argv.provider !== undefined) flags.provider = argv.provider;
  if (argv.config !== undefined) flags.config = argv.config;
  if (argv.baseUrl !== undefined) flags.baseUrl = argv.baseUrl;
  if (argv.apiKeyEnv !== undefined) flags.apiKeyEnv = argv.apiKeyEnv;
  if (argv.email !== undefined) flags.email = argv.email;
  return flags;
}

/** The partner's own words, for every ticket command (create, attach, email): they head the body. */
export const TICKET_WORDS_FLAGS = {
  description: { type: 'string', group: 'Ticket:', describe: 'your description of the problem, in as much detail as possible: it heads the body' },
  'description-file': { type: 'string', group: 'Ticket:', describe: 'the description from a file (UTF-8 text)' },
} satisfies FlagGroup;

/** What a new ticket says (ticket create, ticket email). */
export const TICKET_FORM_FLAGS = {
  subject: { type: 'string', group: 'Ticket:', describe: 'subject (default: host, verdict and the main finding codes)' },
  'issue-type': { type: 'string', default: 'technical', group: 'Ticket:', describe: 'technical (Technical Issue), escalation (Escalation: needs --escalates), feedback (Feedback)' },
  escalates: { type: 'string', group: 'Ticket:', describe: 'with --issue-type escalation: the number of the ticket being escalated (the vendor asks for it)' },
  emergency: { type: 'boolean', default: false, group: 'Ticket:', describe: 'make it an Emergency (EMERGENCY in the subject; e-mail goes to the emergency address); suggested only when the agent found EMERGENCY_CRITERIA_MET, never applied on its own' },
} satisfies FlagGroup;

export const SMTP_ENV = Object.freeze({ password: 'PBXREADY_SMTP_PASSWORD' });

/** The SMTP server (ticket email --send, scan --notify-email-to): declared once, used by both. */
export const SMTP_FLAGS = {
  'smtp-host': { type: 'string', group: 'E-mail:', describe: 'SMTP server for sending mail (or "smtp": {"host"} in a ticket --config)' },
  'smtp-port': { type: 'string', group: 'E-mail:', describe: 'SMTP port (default 587, STARTTLS; 465 is TLS from the start)' },
  'smtp-user': { type: 'string', group: 'E-mail:', describe: 'SMTP login (or "smtp": {"user"} in a ticket --config)' },
  'smtp-password-env': { type: 'string', group: 'E-mail:', describe: `environment variable holding the SMTP password (default ${SMTP_ENV.password}); never the password itself` },
} satisfies FlagGroup;

export interface SmtpArgs {
  smtpHost?: string | undefined;
  smtpPort?: string | undefined;
  smtpUser?: string | undefined;
  smtpPasswordEnv?: string | undefined;
}

/** An --smtp-… flag given without the flag that sends mail: one line naming both. */
export function refuseStraySmtpFlags(a: SmtpArgs, sender: string): void {
  const stray = (['smtpHost', 'smtpPort', 'smtpUser', 'smtpPasswordEnv'] as const).find((k) => a[k] !== undefined);
  if (stray) throw new UsageError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with ${sender}`);
}

/** The SMTP server, from the flags (or what a config file says in their place); `sender` names the flag that needs it. */
export function smtpSettingsOf(
  a: { host?: string | undefined; port?: { value: unknown; source: string } | undefined; user?: string | undefined; passwordEnv?: string | undefined },
  sender: string,
  hostHint: string,
  env: NodeJS.ProcessEnv,
): SmtpSettings {
  const host = a.host?.trim();
  if (!host) throw new UsageError(`${sender} needs the SMTP server: --smtp-host HOST${hostHint}`);
  const port = a.port !== undefined ? parsePort(a.port.value, a.port.source) : 587;
  const user = a.user?.trim() || null;
  const varName = a.passwordEnv ?? SMTP_ENV.password;
  const password = env[varName] === undefined || env[varName] === '' ? null : env[varName]!;
  // Worded without "password-env: …", which the redaction's `key: value` net would blank.
  if (user !== null && password === null) throw new UsageError(`--smtp-user ${user} needs the password in the environment variable ${varName}, which is not set or empty (never on the command line)`);
  secrets.add(password);
  return { host, port, user, password: user === null ? null : password, implicitTls: port === 465, timeoutMs: 30_000 };
}

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

/** One e-mail address (from a flag or a file), trimmed; `what` names where it came from. */
export function emailAddress(value: string, what: string): string {
  const v = value.trim();
  if (!ADDRESS.test(v)) throw new UsageError(`${what} "${value}" is not an email address`);
  return v;
}

/** The e-mail route (ticket email): addresses, the draft file, and the SMTP server for --send. */
export const EMAIL_FLAGS = {
  config: TICKET_FLAGS.config,
  to: { type: 'string', group: 'E-mail:', describe: 'recipient (default: "mail" in --config, else the vendor\'s support@, or emergency@ with --emergency)' },
  from: { type: 'string', group: 'E-mail:', describe: 'your registered address: the vendor drops mail from addresses it does not know (or "mail": {"from"} in --config)' },
  send: { type: 'boolean', default: false, group: 'E-mail:', describe: 'send it by SMTP (STARTTLS required except on loopback); without it the message is a draft (--output FILE.eml, or stdout)' },
  ...SMTP_FLAGS,
} satisfies FlagGroup;

export interface EmailFlags extends SmtpArgs {
  config?: string | undefined;
  to?: string | undefined;
  from?: string | undefined;
  send?: boolean | undefined;
}
