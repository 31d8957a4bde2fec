// The help-desk flags, defined once for `ticket attach|create` and for the commands that take
// --attach-to-ticket ID (check, precheck): add them with `withTicketOptions(y)`, read them with
// `resolveTicketSetup(ticketFlagsOf(argv))`.

import type { Argv } from 'yargs';
import { ENV, type TicketFlags } from './config.js';
import { PROVIDER_NAMES } from './index.js';

export function withTicketOptions<T>(y: Argv<T>, group = 'Help desk:'): Argv<T & TicketFlags> {
  return y
    .option('provider', { type: 'string', choices: PROVIDER_NAMES, group, describe: `help desk (or "provider" in --config, or ${ENV.provider})` })
    .option('config', { type: 'string', group, describe: 'JSON file: baseUrl, apiKey/apiKeyEnv, email, requester, customFields, issueTypes, retry' })
    .option('base-url', { type: 'string', group, describe: `help desk address, e.g. https://acme.freshdesk.com (or ${ENV.url})` })
    .option('api-key-env', { type: 'string', group, describe: `environment variable holding the API key (default ${ENV.key}); never the key itself` })
    .option('email', { type: 'string', group, describe: `Zendesk: the agent email the API token belongs to (or ${ENV.email})` })
    .option('dry-run', { type: 'boolean', default: false, group, describe: 'print the requests that would be sent (key redacted), send nothing' }) as unknown as Argv<T & TicketFlags>;
}

export function ticketFlagsOf(argv: Record<string, unknown>): TicketFlags {
  const s = (k: string): string | undefined => (typeof argv[k] === 'string' ? (argv[k] as string) : undefined);
  const flags: TicketFlags = { dryRun: argv.dryRun === true };
  const provider = s('provider');
  const config = s('config');
  const baseUrl = s('baseUrl');
  const apiKeyEnv = s('apiKeyEnv');
  const email = s('email');
  if (provider !== undefined) flags.provider = provider;
  if (config !== undefined) flags.config = config;
  if (baseUrl !== undefined) flags.baseUrl = baseUrl;
  if (apiKeyEnv !== undefined) flags.apiKeyEnv = apiKeyEnv;
  if (email !== undefined) flags.email = email;
  return flags;
}
