// sshd's SSH_CONNECTION → the session the inside view was gathered in (agent and agentless alike).

import { describe, expect, it } from 'vitest';
import { parseSshConnection } from '../../shared/facts/session.js';

describe('parseSshConnection', () => {
  it('reads the four fields', () => {
    expect(parseSshConnection('192.168.1.1 51234 192.168.1.10 2020')).toEqual({ clientAddress: '192.168.1.1', clientPort: 51234, serverAddress: '192.168.1.10', serverPort: 2020 });
    expect(parseSshConnection(' 2001:db8::1 1 2001:db8::2 22\n')).toMatchObject({ clientAddress: '2001:db8::1', serverPort: 22 });
  });

  it.each([undefined, null, '', 'x 1 y 2', '10.0.0.1 1 10.0.0.2', '10.0.0.1 99999 10.0.0.2 22', '10.0.0.1 1 10.0.0.2 22 extra', `10.0.0.1 1 10.0.0.2 22${' '.repeat(300)}x`])('%j is not a session', (v) => {
    expect(parseSshConnection(v)).toBeNull();
  });
});
