// Case 3: no network read buffers without bound (--agent URL, help-desk answers; HTTP bodies and SSH
// output are covered where they are probed). An agent URL answering an
// endless 200 is cut at the 4 MiB cap while it streams: the check ends with AGENT_UNAVAILABLE
// saying so, long before its time limit, with a flat peak RSS (the old `res.text()` read 6 GB in 30 s).

import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { CHECKER_CLI, createStage, tempDir, type Stage } from './helpers.js';

let stage: Stage;
let tmp: { dir: string; cleanup: () => Promise<void> };
let tokenFile: string;

beforeAll(async () => {
  tmp = await tempDir();
  tokenFile = join(tmp.dir, 'agent.token');
  await writeFile(tokenFile, 'T0ken-for-the-endless-agent-0123456789\n');
  await chmod(tokenFile, 0o600);
  stage = await createStage();
  await stage.serve('endless', 8731);
});
afterAll(async () => {
  await stage?.stop();
  await tmp?.cleanup();
});

describe('an endless --agent URL answer', () => {
  it('is cut at 4 MiB while streaming: AGENT_UNAVAILABLE, the outside report, flat memory', async () => {
    // The time limit is kept short so the old unbounded read stays at a few hundred MB on a shared machine.
    const run = await stage.cli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '9', '--allow-private', '--no-icmp', '--agent', 'http://127.0.0.1:8731', '--agent-token-file', tokenFile, '--agent-timeout-ms', '4000', '--format', 'json']);
    const report = JSON.parse(run.stdout) as CheckReport;
    const unavailable = report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE');
    expect(unavailable?.message).toContain('sent more than 4194304 bytes');
    expect(run.maxRssKiB).not.toBeNull();
    expect(run.maxRssKiB!).toBeLessThan(200 * 1024);
    await writeFile(join(tmp.dir, 'check.json'), run.stdout);
  });

  it('a help desk answering without end is cut at 1 MiB: one line, exit 3, flat memory', async () => {
    const run = await stage.cli(CHECKER_CLI, ['ticket', 'attach', '--provider', 'freshdesk', '--ticket', '42', '--base-url', 'http://127.0.0.1:8731', '--api-key-env', 'FD_KEY', join(tmp.dir, 'check.json')], { env: { FD_KEY: 'fd-key-endless-0123456789' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^pbxready: .*answered 200 with more than 1048576 bytes.*\n$/);
    expect(run.maxRssKiB!).toBeLessThan(200 * 1024);
  });
});
