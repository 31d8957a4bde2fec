// Port states → findings: required ports that do not open, exposure ports that do, hosts where nothing answers.

import { finding } from '../findings.js';
import type { Finding, PortResult } from '../model.js';
import { exposureCode } from '../profiles.js';

/** One port on one address. */
export function portFindings(p: PortResult): Finding[] {
  const where = { port: p.port, address: p.address };
  if (p.purpose === 'exposure') {
    const code = exposureCode(p.port);
    return p.state === 'open' && code ? [finding(code, {}, where)] : [];
  }
  if (!p.required) return [];
  if (p.state === 'closed') return [finding('PORT_CLOSED', { purpose: p.purpose }, where)];
  if (p.state === 'filtered') return [finding('PORT_FILTERED', { purpose: p.purpose, reason: p.reason }, where)];
  return [];
}

/**
 * All ports of one address. When every probed port is filtered the host itself is unreachable:
 * one HOST_UNREACHABLE says so, instead of one PORT_FILTERED per port with the same cause.
 */
export function addressFindings(address: string, ports: readonly PortResult[], answersPing = false): Finding[] {
  const mine = ports.filter((p) => p.address === address);
  if (mine.length > 0 && mine.every((p) => p.state === 'filtered')) {
    // A host that answers ping is up: then it is the firewall in front of it, and the message says so.
    const ping = answersPing ? ' (the host answers ping: it is up, and a firewall drops TCP)' : '';
    return [finding('HOST_UNREACHABLE', { ping }, { address })];
  }
  return mine.flatMap(portFindings);
}
