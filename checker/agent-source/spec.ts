// What an `--agent` value (or an inventory entry's `agent:`) names: the inside view over the SSH login
// (ssh / auto: pbxready-agent when installed, else agentless; agentless outright), or the URL of
// `pbxready-agent serve`. Pure: one parser for the flag and the inventory alike.

import { isLoopbackHost } from '../../shared/address.js';

export const SSH_AGENT_MODES = ['ssh', 'auto', 'agentless'] as const;
export type SshAgentModeName = (typeof SSH_AGENT_MODES)[number];

export type AgentSpec = { kind: 'ssh'; mode: SshAgentModeName } | { kind: 'url'; url: string };

/** The spec, or the problem in words (the caller says where: the flag or the inventory line). */
export function parseAgentSpec(value: string): AgentSpec | { problem: string } {
  const v = value.trim();
  const mode = SSH_AGENT_MODES.find((m) => m === v);
  if (mode) return { kind: 'ssh', mode };
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    return { problem: `"${v}" is neither ssh, auto, agentless nor a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { problem: `URL must be http:// or https:// (got ${url.protocol})` };
  if (url.username || url.password) return { problem: 'URL must not carry credentials: use a token file' };
  // The bearer token must not cross a network in clear: plain http only to this machine, as for the help desks.
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return { problem: `${url.origin}: plain http sends the token in clear; use https:// (serve --tls-cert/--tls-key), or http only to loopback` };
  return { kind: 'url', url: url.toString() };
}
