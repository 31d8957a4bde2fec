// "System down", the vendor's first emergency criterion, as the outside can see it: no required port
// answers on any address of the host while the host itself still answers — it refuses at least one
// of them (a TCP reset: the host is up and nothing listens), and the ping or another open port backs
// it. Required ports that are all filtered prove nothing: a firewall dropping them looks the same as
// a dead host (HOST_UNREACHABLE says so); one address answering on a required port means the system
// is up. Pure: ports and the ping result in, the evidence in words out.

import type { PortResult } from '../model.js';

const list = (ports: readonly PortResult[], multi: boolean) => ports.map((p) => (multi ? `${p.address} ${p.port}` : String(p.port))).join(', ');

/** The evidence that the system is down, seen from outside, or null. */
export function systemDownFromOutside(ports: readonly PortResult[], answersPing: boolean | null): string | null {
  const required = ports.filter((p) => p.required);
  if (required.length === 0 || required.some((p) => p.state === 'open')) return null;
  const refused = required.filter((p) => p.state === 'closed');
  if (refused.length === 0) return null;
  const multi = new Set(ports.map((p) => p.address)).size > 1;
  const signs: string[] = [];
  if (answersPing === true) signs.push('it answers ping');
  signs.push(`it refuses ${list(refused, multi)} (a TCP reset: nothing listens)`);
  const open = ports.filter((p) => !p.required && p.state === 'open');
  if (open.length) signs.push(`${list(open, multi)} ${open.length === 1 ? 'is' : 'are'} open`);
  const dead = required.map((p) => `${multi ? `${p.address} ` : ''}${p.port} ${p.state}`).join(', ');
  return `from outside every required port is dead (${dead}) while the host still answers: ${signs.join('; ')}`;
}
