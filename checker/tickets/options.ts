// The help-desk flags, declared once for `ticket attach|create` and for the commands that take
// --attach-to-ticket ID (check, precheck), with the one parser of their values. Only names live
// here, no help-desk code: `check` declares these flags without loading any desk.

import type { FlagGroup } from '../../shared/cli/flags.js';

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
