// Where a help desk is and how to log in: flags name things, the config file (JSON) and the
// environment hold them. The key never comes from argv; whatever is read is registered as a secret.

import { readJsonConfig } from '../../shared/cli/cli.js';
import { isLoopbackHost } from '../../shared/address.js';
import { UsageError } from '../../shared/errors.js';
import { secrets } from '../../shared/redact.js';
import type { FieldMap, FormSettings } from './fields.js';
import type { IssueTypeKey, Requester } from './form.js';
import { RETRY_DEFAULTS, type RetryPolicy } from './retry.js';
import { providerOf } from './index.js';
import { ENV, refuseStraySmtpFlags, smtpSettingsOf, type EmailFlags, type TicketFlags } from './options.js';
import { EMAIL_DEFAULTS, type EmailSettings, type SmtpSettings } from './email.js';

export type { TicketFlags } from './options.js';
import type { TicketConnection, TicketProvider } from './provider.js';

export interface TicketConfigFile {
  provider?: string;
  baseUrl?: string;
  /** Allowed in the file (keep it mode 600); an env variable is better. */
  apiKey?: string;
  apiKeyEnv?: string;
  email?: string;
  requester?: Requester;
  customFields?: FieldMap;
  issueTypes?: Partial<Record<IssueTypeKey, string>>;
  maxAttachmentBytes?: number;
  retry?: Partial<RetryPolicy>;
  /** The e-mail route (ticket email): addresses and the size limit. */
  mail?: { from?: string; to?: string; emergencyTo?: string; maxMessageBytes?: number };
  /** The SMTP server for `ticket email --send`; the password only by variable name. */
  smtp?: { host?: string; port?: number; user?: string; passwordEnv?: string };
}

export interface TicketSetup {
  provider: TicketProvider;
  connection: TicketConnection;
  settings: FormSettings;
  limit: TicketProvider['limit'];
  retry: RetryPolicy;
  requester?: Requester;
}

const CONFIG_KEYS = new Set(['provider', 'baseUrl', 'apiKey', 'apiKeyEnv', 'email', 'requester', 'customFields', 'issueTypes', 'maxAttachmentBytes', 'retry', 'mail', 'smtp']);

async function loadConfig(path: string): Promise<TicketConfigFile> {
  // Checked key by key where each is used; the loader has refused unknown keys.
  const c: TicketConfigFile = readJsonConfig(path, CONFIG_KEYS);
  secrets.add(c.apiKey);
  return c;
}

export function parseBaseUrl(value: string, source: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${source} "${value}" is not a URL`);
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && isLoopbackHost(u.hostname))) {
    throw new UsageError(`${source} "${value}" must be https:// (the API key would travel in clear text)`);
  }
  if (u.username || u.password) throw new UsageError(`${source} must not carry credentials`);
  return u.toString().replace(/\/+$/, '');
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** Flags, then the environment, then the file — the same order as every other setting. */
function apiKeyOf(flags: TicketFlags, config: TicketConfigFile, env: NodeJS.ProcessEnv): string | null {
  const fromVar = (name: string, source: string): string => {
    const v = envValue(env, name);
    // Worded without "key-env: …", which the redaction's `key: value` net would blank.
    if (v === undefined) throw new UsageError(`${source} names ${name}, an environment variable that is not set or empty`);
    return v;
  };
  if (flags.apiKeyEnv !== undefined) return fromVar(flags.apiKeyEnv, '--api-key-env');
  const fromEnv = envValue(env, ENV.key);
  if (fromEnv !== undefined) return fromEnv;
  if (config.apiKeyEnv !== undefined) return fromVar(config.apiKeyEnv, '"apiKeyEnv" in --config');
  return config.apiKey ?? null;
}

function positive(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new UsageError(`${what} must be a whole number above 0`);
  return value;
}

export async function resolveTicketSetup(flags: TicketFlags, env: NodeJS.ProcessEnv = process.env): Promise<TicketSetup> {
  const config = flags.config ? await loadConfig(flags.config) : {};
  const providerName = flags.provider ?? envValue(env, ENV.provider) ?? config.provider;
  if (!providerName) throw new UsageError(`no help desk named: pass --provider freshdesk|zendesk|osticket (or "provider" in --config)`);
  const provider = providerOf(providerName);

  const rawUrl = flags.baseUrl ?? envValue(env, ENV.url) ?? config.baseUrl;
  if (!rawUrl) throw new UsageError(`no help-desk address: pass --base-url, set ${ENV.url}, or put "baseUrl" in --config`);
  const baseUrl = parseBaseUrl(rawUrl, flags.baseUrl ? '--base-url' : envValue(env, ENV.url) ? ENV.url : '"baseUrl"');

  const apiKey = apiKeyOf(flags, config, env);
  if (apiKey === null && !flags.dryRun) throw new UsageError(`no API key: set ${ENV.key}, pass --api-key-env VAR, or put "apiKey"/"apiKeyEnv" in --config (never on the command line)`);
  secrets.add(apiKey);
  const email = flags.email ?? envValue(env, ENV.email) ?? config.email ?? null;

  const connection: TicketConnection = { baseUrl, apiKey, email };
  // Register the header value too: a base64 form of the key is as secret as the key.
  if (apiKey) secrets.add(provider.auth(connection).value);

  const settings: FormSettings = {
    // A configured map replaces the defaults entirely, so a desk without these fields can turn them off with {}.
    customFields: config.customFields ?? provider.defaults.customFields,
    issueTypes: { ...provider.defaults.issueTypes, ...config.issueTypes },
  };
  let limit = provider.limit;
  if (config.maxAttachmentBytes !== undefined) {
    // Freshdesk's and Zendesk's limits are the service's own; only osTicket's is the desk admin's choice.
    if (provider.name !== 'osticket') throw new UsageError(`"maxAttachmentBytes" in --config applies to osTicket only (${provider.limit.rule})`);
    limit = { perFile: positive(config.maxAttachmentBytes, '"maxAttachmentBytes"'), rule: `"maxAttachmentBytes" in ${flags.config}` };
  }
  const retry: RetryPolicy = { ...RETRY_DEFAULTS };
  for (const [k, v] of Object.entries(config.retry ?? {})) {
    if (!(k in RETRY_DEFAULTS)) throw new UsageError(`"retry.${k}" in --config is not one of: ${Object.keys(RETRY_DEFAULTS).join(', ')}`);
    retry[k as keyof RetryPolicy] = positive(v, `"retry.${k}" in --config`);
  }
  const setup: TicketSetup = { provider, connection, settings, limit, retry };
  if (config.requester) setup.requester = config.requester;
  return setup;
}

export interface EmailSetup {
  settings: EmailSettings;
  /** Only with --send. */
  smtp: SmtpSettings | null;
}

function objectOf(value: unknown, keys: readonly string[], what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`${what} in --config must be an object`);
  const unknown = Object.keys(value).filter((k) => !keys.includes(k));
  if (unknown.length) throw new UsageError(`${what} in --config: unknown key(s) ${unknown.join(', ')} (known: ${keys.join(', ')})`);
  return value as Record<string, unknown>;
}

function stringIn(o: Record<string, unknown>, key: string, what: string): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`"${what}.${key}" in --config must be a non-empty string`);
  return v;
}

/** The e-mail route's settings: flags, then the config file's "mail"/"smtp" (and "requester" as the sender). */
export async function resolveEmailSetup(flags: EmailFlags, env: NodeJS.ProcessEnv = process.env): Promise<EmailSetup> {
  const config = flags.config ? await loadConfig(flags.config) : {};
  const mail = objectOf(config.mail, ['from', 'to', 'emergencyTo', 'maxMessageBytes'], '"mail"');
  const settings: EmailSettings = { ...EMAIL_DEFAULTS };
  const from = stringIn(mail, 'from', 'mail') ?? config.requester?.email;
  const to = stringIn(mail, 'to', 'mail');
  const emergencyTo = stringIn(mail, 'emergencyTo', 'mail');
  if (from !== undefined) settings.from = from;
  if (to !== undefined) settings.to = to;
  if (emergencyTo !== undefined) settings.emergencyTo = emergencyTo;
  if (mail.maxMessageBytes !== undefined) settings.maxMessageBytes = positive(mail.maxMessageBytes, '"mail.maxMessageBytes" in --config');
  if (!flags.send) {
    refuseStraySmtpFlags(flags, '--send');
    return { settings, smtp: null };
  }
  const smtp = objectOf(config.smtp, ['host', 'port', 'user', 'passwordEnv'], '"smtp"');
  const port = flags.smtpPort !== undefined ? { value: flags.smtpPort, source: '--smtp-port' } : smtp.port !== undefined ? { value: smtp.port, source: '"smtp.port" in --config' } : undefined;
  const server = smtpSettingsOf(
    { host: flags.smtpHost ?? stringIn(smtp, 'host', 'smtp'), port, user: flags.smtpUser ?? stringIn(smtp, 'user', 'smtp'), passwordEnv: flags.smtpPasswordEnv ?? stringIn(smtp, 'passwordEnv', 'smtp') },
    '--send',
    ' (or "smtp": {"host"} in --config)',
    env,
  );
  return { settings, smtp: server };
}
