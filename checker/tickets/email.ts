// The e-mail route, the one most partners use: a message from the partner's registered address
// to the vendor's support@ (emergency@ for an Emergency, with EMERGENCY in the subject), its body
// the partner's words, the form's facts and the report's summary ending with what happens next,
// the JSON and HTML reports attached. Built with nodemailer's MailComposer (RFC 5322/MIME), written
// as a draft .eml or sent by SMTP (nodemailer's SMTP transport: STARTTLS required off loopback).
// Never sent twice: once DATA started the server may have the message, so a failure is reported,
// not retried.

import { Readable } from 'node:stream';
import { createTransport } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { isLoopbackHost } from '../../shared/address.js';
import { PbxreadyError, UsageError } from '../../shared/errors.js';
import { formatBytes } from '../../shared/render/document.js';
import { htmlEscape } from '../../shared/render/html.js';
import { secrets } from '../../shared/redact.js';
import { ticketBody, ticketContent, type TicketContent } from './content.js';
import { formFactsHtml, formFactsMarkdown } from './fields.js';
import { decideForm, type FormChoices, type FormDecision } from './form.js';
import { nextStepsFor, supportTermsFor } from './next-steps.js';
import { emailAddress } from './options.js';
import type { TicketReport } from './report.js';

/** What the config file's "email" object may say. */
export interface EmailSettings {
  from?: string;
  to?: string;
  emergencyTo?: string;
  /** Refused before sending above this; 10 MB is what many mail servers take (the server's own SIZE is checked too). */
  maxMessageBytes: number;
}

export const EMAIL_DEFAULTS: Readonly<Pick<EmailSettings, 'maxMessageBytes'>> = Object.freeze({ maxMessageBytes: 10_000_000 });

export interface EmailChoices extends Omit<FormChoices, 'requester'> {
  /** --from: the partner's registered address (the vendor drops mail from others). */
  from?: string;
  /** --to: overrides the vendor's address. */
  to?: string;
  description?: string;
}

export interface EmailDecision {
  from: string;
  to: string;
  subject: string;
  form: FormDecision;
}

/** Who sends to whom, and the subject: pure, from the report, the choices and the settings. */
export function decideEmail(r: TicketReport, choices: EmailChoices, settings: EmailSettings): EmailDecision {
  const fromRaw = choices.from ?? settings.from;
  if (!fromRaw) throw new UsageError('ticket email needs --from: your registered address (the vendor drops mail from addresses it does not know), or "email": {"from"} in --config');
  const from = emailAddress(fromRaw, '--from');
  const emergency = choices.emergency === true;
  const terms = supportTermsFor(r);
  const configured = emergency ? settings.emergencyTo : settings.to;
  const vendor = emergency ? terms.email?.emergency : terms.email?.support;
  const toRaw = choices.to ?? configured ?? vendor;
  if (!toRaw) throw new UsageError(`${terms.vendor} publishes no ticket address pbxready knows: pass --to ADDRESS (or "email": {"to"} in --config)`);
  const to = emailAddress(toRaw, choices.to !== undefined ? '--to' : configured !== undefined ? '"email" in --config' : 'the vendor address');
  const { from: _from, to: _to, description: _d, ...formChoices } = choices;
  const form = decideForm(r, { ...formChoices, requester: { email: from } });
  return { from, to, subject: form.form.subject, form };
}

export interface ComposeOptions {
  /** A draft for the partner's mail client (X-Unsent: 1), not a message being sent. */
  draft: boolean;
  now: Date;
  description?: string | undefined;
}

export interface ComposedEmail {
  raw: Buffer;
  content: TicketContent;
}

/** The RFC 5322 message: multipart/mixed of (text + HTML alternatives) and the two reports. */
export async function composeEmail(r: TicketReport, decision: EmailDecision, options: ComposeOptions): Promise<ComposedEmail> {
  const { form } = decision.form;
  const content = ticketContent(r, { description: options.description, nextSteps: nextStepsFor(r, form.emergency, options.now) });
  const headers: Record<string, string> = {};
  // Thunderbird and Outlook open an .eml with X-Unsent: 1 as a draft, ready to review and send.
  if (options.draft) headers['X-Unsent'] = '1';
  if (form.emergency) Object.assign(headers, { 'X-Priority': '1 (Highest)', Importance: 'high' });
  const composer = new MailComposer({
    from: decision.from,
    to: decision.to,
    subject: secrets.scrub(decision.subject),
    date: options.now,
    headers,
    text: ticketBody(content, 'markdown', formFactsMarkdown(form)),
    html: `<!doctype html>\n<html><head><meta charset="utf-8"><title>${htmlEscape(decision.subject)}</title></head><body>\n${ticketBody(content, 'html', formFactsHtml(form))}</body></html>\n`,
    attachments: content.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: Buffer.from(a.data) })),
    // Nothing the message says may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  // Every part was redacted when it was rendered (the subject too, below): the encoded message is not scrubbed again.
  return { raw: await composer.compile().build(), content };
}

/** A message over the size limit: refused before any connection is made. */
export function checkMessageSize(raw: Buffer, settings: EmailSettings, rule: string): void {
  if (raw.byteLength > settings.maxMessageBytes) {
    throw new UsageError(`the message is ${formatBytes(raw.byteLength)}, over the limit of ${formatBytes(settings.maxMessageBytes)} (${rule}); nothing was sent`);
  }
}

// ---- SMTP ----

export interface SmtpSettings {
  host: string;
  port: number;
  user: string | null;
  password: string | null;
  /** Port 465: TLS from the first byte; otherwise STARTTLS. */
  implicitTls: boolean;
  timeoutMs: number;
}

/** The mail server refused, or the message may or may not have arrived: one line, exit 3. */
export class EmailDeliveryError extends PbxreadyError {
  constructor(message: string) {
    super('E_EMAIL_DELIVERY', message);
  }
}

interface SmtpError {
  code?: string;
  command?: string;
  response?: string;
  responseCode?: number;
  rejected?: string[];
  message?: string;
}

function why(e: SmtpError): string {
  const said = e.response ? secrets.scrub(e.response).replace(/\s+/g, ' ').trim().slice(0, 200) : null;
  return said ?? secrets.scrub(String(e.message ?? e.code ?? 'unknown error')).replace(/\s+/g, ' ').slice(0, 200);
}

/**
 * Send the message once. STARTTLS is required unless the server is on loopback; nodemailer also
 * checks the server's advertised SIZE before MAIL FROM. No retry: after DATA the server may
 * already hold the message, and before it a human should look at why it was refused.
 */
export async function sendEmail(raw: Buffer, envelope: { from: string; to: string }, smtp: SmtpSettings): Promise<string> {
  if (smtp.user !== null && smtp.password === null) throw new UsageError('--smtp-user needs a password from the environment (--smtp-password-env VAR)');
  secrets.add(smtp.password);
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.implicitTls,
    requireTLS: !smtp.implicitTls && !isLoopbackHost(smtp.host),
    ...(smtp.user !== null && smtp.password !== null ? { auth: { user: smtp.user, pass: smtp.password } } : {}),
    connectionTimeout: smtp.timeoutMs,
    greetingTimeout: smtp.timeoutMs,
    socketTimeout: smtp.timeoutMs,
    logger: false,
  });
  // Set once the server has said "go ahead" to DATA and the first byte of the message is asked for.
  let handedOver = false;
  const body = new Readable({
    read() {
      handedOver = true;
      this.push(raw);
      this.push(null);
    },
  });
  const server = `${smtp.host}:${smtp.port}`;
  try {
    const info = await transport.sendMail({ envelope: { from: envelope.from, to: [envelope.to], size: raw.byteLength } as never, raw: body });
    return `sent to ${envelope.to} through ${server}: ${why({ response: String((info as { response?: unknown }).response ?? 'accepted') })}`;
  } catch (err) {
    const e = err as SmtpError;
    if (e.code === 'EENVELOPE' && e.command === 'RCPT TO') throw new EmailDeliveryError(`${server} refused the recipient ${envelope.to}: ${why(e)}; nothing was sent`);
    if (e.code === 'EENVELOPE' || (e.code === 'EMESSAGE' && e.command === 'MAIL FROM')) throw new EmailDeliveryError(`${server} refused the message before it was sent: ${why(e)}; nothing was sent`);
    if (e.code === 'EAUTH') throw new EmailDeliveryError(`${server} refused the login: ${why(e)}; nothing was sent`);
    if (e.code === 'ETLS' || /STARTTLS/i.test(e.message ?? '')) throw new EmailDeliveryError(`${server} offers no usable STARTTLS, and the password and report must not travel in clear text: ${why(e)}; nothing was sent`);
    if (handedOver) throw new EmailDeliveryError(`${server} dropped the message after it was handed over (${why(e)}); not sent again, because it may have arrived: check with the vendor before sending it again`);
    throw new EmailDeliveryError(`${server} could not be used: ${why(e)}; nothing was sent`);
  } finally {
    transport.close();
  }
}
