// Case 9: an SSH banner dripped one byte a second never completes within the probe's time. It is
// SSH_BANNER_TIMEOUT (something accepts and is too slow), not SSH_NOT_SSH ("does not speak SSH"),
// which would send the partner to fix a port forward that is right.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { CHECKER_CLI, createStage, type Stage } from './helpers.js';

let stage: Stage;
beforeAll(async () => {
  stage = await createStage();
  await stage.serve('ssh-drip', 2020);
});
afterAll(() => stage?.stop());

describe('a dripping SSH banner', () => {
  it('is SSH_BANNER_TIMEOUT, not SSH_NOT_SSH', async () => {
    const run = await stage.cli(CHECKER_CLI, ['check', '127.0.0.1', '--product', 'pbxware', '--ports', '2020', '--allow-private', '--no-icmp', '--timeout-ms', '3000', '--format', 'json']);
    const report = JSON.parse(run.stdout) as CheckReport;
    const codes = report.findings.filter((f) => f.port === 2020).map((f) => f.code);
    expect(codes).toContain('SSH_BANNER_TIMEOUT');
    expect(codes).not.toContain('SSH_NOT_SSH');
  });
});
