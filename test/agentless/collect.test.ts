// The agentless collector's scripts run by a real sh on this machine (no SSH: that is
// ssh.test.ts), against a real MariaDB and a PBXware sysroot: the report equals the installed
// agent's report of the same tree field by field, and the missing-tool cases are gaps.

import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectAgentless, type AgentlessOptions } from '../../checker/agentless/collect.js';
import { collectReport } from '../../agent/collect.js';
import { resolveOptions } from '../../agent/options.js';
import type { AgentReport } from '../../shared/model.js';
import { agentlessDefaults } from '../../checker/agent-source/options.js';
import { ASTERISK_REPLAY, DB_SECRET, comparable, diskDrift, localRunner, startPbxwareHost, type PbxwareHost } from './helpers.js';

const log = pino({ level: 'silent' });
let host: PbxwareHost;
let tree: PbxwareHost['tree'];

const options = (o: Partial<AgentlessOptions> = {}): AgentlessOptions => ({ ...agentlessDefaults(tree.root, [ASTERISK_REPLAY]), ...o });

beforeAll(async () => {
  host = await startPbxwareHost();
  tree = host.tree;
});
afterAll(async () => {
  await host?.stop();
});

describe('agentless over a local sh', () => {
  let agent: AgentReport;
  let agentless: AgentReport;
  beforeAll(async () => {
    agent = await collectReport(resolveOptions({ root: tree.root, asteriskCmd: ASTERISK_REPLAY }), log);
    agentless = await collectAgentless(localRunner, options(), log);
  });

  it('gives the installed agent\'s facts, field by field', () => {
    expect(agentless.collector).toBe('agentless');
    expect(agent.collector).toBe('agent');
    expect(agentless.database).toMatchObject({ reachable: true, credentialsSource: '/opt/pbxware/pw/etc/pbxware/pbxware.ini' });
    expect(agentless.cdr).toMatchObject({ table: 'pbxware.cdr', lastHour: { calls: 20, failed: 12 } });
    expect(comparable(agentless)).toEqual(comparable(agent));
    expect(diskDrift(agentless, agent)).toBeLessThan(0.01);
    expect(agentless.disks.find((d) => d.holds.includes('database'))).toBeDefined();
  });

  it('never carries the database secret', () => {
    expect(JSON.stringify(agentless)).not.toContain(DB_SECRET);
    expect(JSON.stringify(agentless)).not.toContain('Agentless-S3cret');
  });
});
