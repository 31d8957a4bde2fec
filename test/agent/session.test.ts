// The agent reports the SSH session it runs in (sshd's SSH_CONNECTION), in JSON and in its text
// report; run otherwise (serve, the snapshot timer) it says nothing about one.

import { afterAll, describe, expect, it } from 'vitest';
import type { AgentReport } from '../../shared/model.js';
import { ASTERISK, cleanupRoots, fixtureRoot, runCli } from './helpers.js';

afterAll(cleanupRoots);

describe('pbxready-agent report: the SSH session', () => {
  const args = (format: string) => ['report', '--format', format, '--root', fixtureRoot('pbxware'), '--asterisk-cmd', ASTERISK.pjsip20];

  it('carries SSH_CONNECTION as sshSession and shows it in the text report', async () => {
    const env = { SSH_CONNECTION: '192.168.7.1 50022 192.168.7.10 2020' };
    const json = JSON.parse((await runCli(args('json'), { env })).stdout) as AgentReport;
    expect(json.sshSession).toEqual({ clientAddress: '192.168.7.1', clientPort: 50022, serverAddress: '192.168.7.10', serverPort: 2020 });
    expect((await runCli(args('text'), { env })).stdout).toMatch(/SSH session:\s+from 192\.168\.7\.1:50022 to 192\.168\.7\.10:2020/);
  });

  it('without SSH (or with a garbled variable) there is no session', async () => {
    for (const value of [undefined, 'not an ssh connection']) {
      const json = JSON.parse((await runCli(args('json'), { env: { SSH_CONNECTION: value } })).stdout) as AgentReport;
      expect(json.sshSession).toBeUndefined();
    }
  });
});
