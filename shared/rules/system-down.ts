// "System down", the vendor's first emergency criterion, as the outside can see it: every required
// port of an address is dead while the host still answers (ping, an RST, another port open). A host
// where nothing answers at all proves nothing — it may be a firewall or the wrong address
// (HOST_UNREACHABLE says so). Pure: ports and the ping result in, the evidence in words out.

import type { PortResult } from '../model.js';

/** The criterion's name, as the agent's emergency rule names it (EMERGENCY_CRITERIA_MET's subject). */
export const CRITERION_SYSTEM_DOWN = 'system down';

/** The evidence that the system is down, seen from outside on `address`, or null. */
export function systemDownFromOutside(address: string, ports: readonly PortResult[], answersPing: boolean | null): string | null {
  const mine = ports.filter((p) => p.address === address);
  const required = mine.filter((p) => p.required);
  if (required.length === 0 || required.some((p) => p.state === 'open')) return null;
  const signs: string[] = [];
  if (answersPing === true) signs.push('it answers ping');
  const refused = required.filter((p) => p.state === 'closed').map((p) => p.port);
  if (refused.length) signs.push(`it refuses ${refused.join(', ')} (a TCP reset: nothing listens)`);
  const open = mine.filter((p) => !p.required && p.state === 'open').map((p) => p.port);
  if (open.length) signs.push(`${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} open`);
  if (signs.length === 0) return null;
  const dead = required.map((p) => `${p.port} ${p.state}`).join(', ');
  return `from outside every required port of ${address} is dead (${dead}) while the host still answers: ${signs.join('; ')}`;
}
