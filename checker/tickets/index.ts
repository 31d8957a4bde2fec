// The one table of help desks.

import { oneOf } from '../../shared/cli/flags.js';
import { freshdesk } from './freshdesk.js';
import { osticket } from './osticket.js';
import { PROVIDER_NAMES, type ProviderName } from './options.js';

export { PROVIDER_NAMES } from './options.js';
import type { TicketProvider } from './provider.js';
import { zendesk } from './zendesk.js';

export const PROVIDERS: Readonly<Record<ProviderName, TicketProvider>> = Object.freeze({ freshdesk, zendesk, osticket });


export function providerOf(name: string): TicketProvider {
  return PROVIDERS[oneOf(name, PROVIDER_NAMES, '--provider')];
}
