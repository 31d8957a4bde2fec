// The SSH session the inside view was gathered in, as sshd told it: SSH_CONNECTION = "client-ip
// client-port server-ip server-port". Over `pbxready check --agent ssh|agentless`, the client address
// is where the host saw the CHECK come from — a private one while a public address was checked is
// hairpin NAT (CHECKED_FROM_INSIDE). Pure: the variable's text in, the session or null out; the
// installed agent reads its environment, the agentless collector prints the variable over SSH.

import { isIP } from 'node:net';
import type { SshSession } from '../model.js';

function portOf(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** SSH_CONNECTION's four fields, or null when it is not that (then it is left out, not guessed). */
export function parseSshConnection(value: string | null | undefined): SshSession | null {
  const text = (value ?? '').trim();
  if (text.length > 200) return null;
  const [clientAddress = '', client, serverAddress = '', server, ...rest] = text.split(/\s+/);
  const clientPort = portOf(client);
  const serverPort = portOf(server);
  if (rest.length || !isIP(clientAddress) || !isIP(serverAddress) || clientPort === null || serverPort === null) return null;
  return { clientAddress, clientPort, serverAddress, serverPort };
}
