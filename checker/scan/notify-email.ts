// `scan --notify-email-to`: the drift notice and the RECOVERY notice as e-mail, through the same
// SMTP sender as `ticket email --send` (nodemailer; STARTTLS required off loopback; the password only
// from the environment). One plain-text message per notice, its subject the notice's own line.

import type { FlagGroup } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';
import type { SmtpSettings } from '../tickets/email.js';
import { SMTP_FLAGS, emailAddress, refuseStraySmtpFlags, smtpSettingsOf, type SmtpArgs } from '../tickets/options.js';
import type { Notice } from './notify.js';

export const NOTIFY_EMAIL_FLAGS = {
  'notify-email-to': { type: 'string', group: 'E-mail:', describe: 'E-mail the drift since the previous run, and a RECOVERY when problems clear, to ADDR[,ADDR…] (needs --smtp-host)' },
  'notify-email-from': { type: 'string', group: 'E-mail:', describe: 'The sender address of those mails' },
  ...SMTP_FLAGS,
} satisfies FlagGroup;

export interface NotifyEmailFlags extends SmtpArgs {
  notifyEmailTo?: string | undefined;
  notifyEmailFrom?: string | undefined;
}

export interface NotifyEmail {
  from: string;
  to: string[];
  smtp: SmtpSettings;
}

/** The flags → where to mail, or null when no mail is asked for. Checked before the scan starts. */
export function parseNotifyEmailFlags(a: NotifyEmailFlags, env: NodeJS.ProcessEnv = process.env): NotifyEmail | null {
  if (a.notifyEmailTo === undefined) {
    if (a.notifyEmailFrom !== undefined) throw new UsageError('--notify-email-from goes with --notify-email-to');
    refuseStraySmtpFlags(a, '--notify-email-to');
    return null;
  }
  const to = a.notifyEmailTo.split(',').map((x) => x.trim()).filter(Boolean).map((x) => emailAddress(x, '--notify-email-to'));
  if (to.length === 0) throw new UsageError('--notify-email-to is empty');
  if (a.notifyEmailFrom === undefined) throw new UsageError('--notify-email-to needs --notify-email-from ADDR (the sender)');
  const from = emailAddress(a.notifyEmailFrom, '--notify-email-from');
  const port = a.smtpPort !== undefined ? { value: a.smtpPort, source: '--smtp-port' } : undefined;
  const smtp = smtpSettingsOf({ host: a.smtpHost, port, user: a.smtpUser, passwordEnv: a.smtpPasswordEnv }, '--notify-email-to', '', env);
  return { from, to, smtp };
}

/** The message: plain text, the notice's subject and lines (already scrubbed of every secret the scan knows). */
export async function composeNotice(n: Notice, from: string, to: string[], now: Date): Promise<Buffer> {
  // nodemailer is loaded with the first notice: a scan that mails nothing never loads it.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const composer = new MailComposer({
    from,
    to,
    subject: secrets.scrub(n.subject),
    date: now,
    headers: { 'X-Pbxready-Notice': n.kind, 'Auto-Submitted': 'auto-generated' },
    text: `${secrets.scrub(n.text)}\n\nRuns ${n.fromRun} → ${n.toRun}; pbxready drift --since ${n.fromRun} --run ${n.toRun} lists them all.\n`,
    // Nothing in a notice may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return composer.compile().build();
}

/** Mail one notice to every recipient; null when all were sent, else why (the scan still counts). */
export async function mailNotice(n: Notice, mail: NotifyEmail, now = new Date()): Promise<string | null> {
  const raw = await composeNotice(n, mail.from, mail.to, now);
  const { sendEmail } = await import('../tickets/email.js');
  const problems: string[] = [];
  for (const to of mail.to) {
    try {
      await sendEmail(raw, { from: mail.from, to }, mail.smtp);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return problems.length ? `e-mail: ${problems.join('; ')}` : null;
}
