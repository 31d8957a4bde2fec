// `scan --notify-email-to`: the drift notice and the RECOVERY notice as e-mail, through the same
// SMTP sender as `ticket email --send` (nodemailer; STARTTLS required off loopback; the password only
// from the environment). One plain-text message per notice, its subject the notice's own line.

import MailComposer from 'nodemailer/lib/mail-composer';
import { parsePort, type FlagGroup } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';
import { sendEmail, type SmtpSettings } from '../tickets/email.js';
import { SMTP_ENV, SMTP_FLAGS } from '../tickets/options.js';
import type { Notice } from './notify.js';

export const NOTIFY_EMAIL_FLAGS = {
  'notify-email-to': { type: 'string', group: 'E-mail:', describe: 'E-mail the drift since the previous run, and a RECOVERY when problems clear, to ADDR[,ADDR…] (needs --smtp-host)' },
  'notify-email-from': { type: 'string', group: 'E-mail:', describe: 'The sender address of those mails' },
  ...SMTP_FLAGS,
} satisfies FlagGroup;

export interface NotifyEmailFlags {
  notifyEmailTo?: string | undefined;
  notifyEmailFrom?: string | undefined;
  smtpHost?: string | undefined;
  smtpPort?: string | undefined;
  smtpUser?: string | undefined;
  smtpPasswordEnv?: string | undefined;
}

export interface NotifyEmail {
  from: string;
  to: string[];
  smtp: SmtpSettings;
}

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;

function address(value: string, flag: string): string {
  const v = value.trim();
  if (!ADDRESS.test(v)) throw new UsageError(`${flag} "${value}" is not an email address`);
  return v;
}

/** The flags → where to mail, or null when no mail is asked for. Checked before the scan starts. */
export function parseNotifyEmailFlags(a: NotifyEmailFlags, env: NodeJS.ProcessEnv = process.env): NotifyEmail | null {
  if (a.notifyEmailTo === undefined) {
    const stray = (['notifyEmailFrom', 'smtpHost', 'smtpPort', 'smtpUser', 'smtpPasswordEnv'] as const).find((k) => a[k] !== undefined);
    if (stray) throw new UsageError(`--${stray.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} goes with --notify-email-to`);
    return null;
  }
  const to = a.notifyEmailTo.split(',').map((x) => x.trim()).filter(Boolean).map((x) => address(x, '--notify-email-to'));
  if (to.length === 0) throw new UsageError('--notify-email-to is empty');
  if (a.notifyEmailFrom === undefined) throw new UsageError('--notify-email-to needs --notify-email-from ADDR (the sender)');
  const from = address(a.notifyEmailFrom, '--notify-email-from');
  if (a.smtpHost === undefined || a.smtpHost.trim() === '') throw new UsageError('--notify-email-to needs the SMTP server: --smtp-host HOST');
  const port = a.smtpPort !== undefined ? parsePort(a.smtpPort, '--smtp-port') : 587;
  const user = a.smtpUser?.trim() || null;
  const varName = a.smtpPasswordEnv ?? SMTP_ENV.password;
  const password = env[varName] === undefined || env[varName] === '' ? null : env[varName]!;
  // Worded without "password-env: …", which the redaction's `key: value` net would blank.
  if (user !== null && password === null) throw new UsageError(`--smtp-user ${user} needs the password in the environment variable ${varName}, which is not set or empty (never on the command line)`);
  secrets.add(password);
  return { from, to, smtp: { host: a.smtpHost.trim(), port, user, password: user === null ? null : password, implicitTls: port === 465, timeoutMs: 30_000 } };
}

/** The message: plain text, the notice's subject and lines (already scrubbed of every secret the scan knows). */
export async function composeNotice(n: Notice, from: string, to: string[], now: Date): Promise<Buffer> {
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
