// Wiring a TicketSetup for a stand-in desk the way the CLI does, from env and flags.

import { resolveTicketSetup, type TicketFlags, type TicketSetup } from '../../checker/tickets/config.js';

export const KEY = 'fd-Sup3rSecretKey-4711';

export async function setupFor(flags: TicketFlags, env: Record<string, string>, retry: Partial<TicketSetup['retry']> = {}): Promise<TicketSetup> {
  const setup = await resolveTicketSetup(flags, env);
  return { ...setup, retry: { ...setup.retry, baseDelayMs: 20, ...retry } };
}

/** Captures what would go to stdout/stderr. */
export function sink(): { lines: string[]; write: (t: string) => void; text: () => string } {
  const lines: string[] = [];
  return { lines, write: (t: string) => void lines.push(t), text: () => lines.join('') };
}
