// The SSH session the agent runs in, as sshd told it: SSH_CONNECTION = "client-ip client-port
// server-ip server-port". Run over `pbxready check --agent ssh`, the client address is where the
// host saw the CHECK come from — a private one while a public address was checked is hairpin NAT
// (the checker's CHECKED_FROM_INSIDE). Absent when the agent does not run over SSH (serve, timer).

import { isIP } from 'node:net';
import type { SshSession } from '../../shared/model.js';
import type { FactSource } from './source.js';

function portOf(s: string | undefined): number | null {
  if (s === undefined || !/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** SSH_CONNECTION's four fields, or null when it is not that (then it is left out, not guessed). */
export function parseSshConnection(value: string | undefined): SshSession | null {
  const [clientAddress = '', client, serverAddress = '', server, ...rest] = (value ?? '').trim().split(/\s+/);
  const clientPort = portOf(client);
  const serverPort = portOf(server);
  if (rest.length || !isIP(clientAddress) || !isIP(serverAddress) || clientPort === null || serverPort === null) return null;
  return { clientAddress, clientPort, serverAddress, serverPort };
}

export const sessionSource: FactSource = {
  name: 'session',
  stage: 0,
  async collect(_ctx, draft) {
    const session = parseSshConnection(process.env.SSH_CONNECTION);
    if (session) draft.sshSession = session;
  },
};
