// The one table of help desks.

import { UsageError } from '../../shared/errors.js';
import { freshdesk } from './freshdesk.js';
import { osticket } from './osticket.js';
import { PROVIDER_NAMES, type ProviderName } from './options.js';

export { PROVIDER_NAMES } from './options.js';
import type { TicketProvider } from './provider.js';
import { zendesk } from './zendesk.js';

export const PROVIDERS: Readonly<Record<ProviderName, TicketProvider>> = Object.freeze({ freshdesk, zendesk, osticket });


export function providerOf(name: string): TicketProvider {
  const p = (PROVIDERS as Record<string, TicketProvider>)[name];
  if (!p) throw new UsageError(`--provider "${name}" is not one of: ${PROVIDER_NAMES.join(', ')}`);
  return p;
}
