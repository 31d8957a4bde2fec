// The SSH session the agent runs in (sshd's SSH_CONNECTION, parsed in shared/facts/session.ts).
// Absent when the agent does not run over SSH (serve, the snapshot timer).

import { parseSshConnection } from '../../shared/facts/session.js';
import type { FactSource } from './source.js';

export const sessionSource: FactSource = {
  name: 'session',
  stage: 0,
  async collect(_ctx, draft) {
    const session = parseSshConnection(process.env.SSH_CONNECTION);
    if (session) draft.sshSession = session;
  },
};
