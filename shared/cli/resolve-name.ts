// A DNS lookup with a time limit, for both binaries: the agent resolves an Asterisk `externhost`
// on the host, the agentless collector resolves it on the checker's side.

import { lookup } from 'node:dns/promises';

/** A name's addresses, or none when it does not resolve within the time limit (never throws). */
export async function resolveName(name: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string[]>((resolve) => (timer = setTimeout(() => resolve([]), timeoutMs)));
  const found = lookup(name, { all: true }).then((r) => r.map((a) => a.address), () => []);
  try {
    return await Promise.race([found, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
