// Shared by the fleet tests: the CLI spawned from dist/ (npm test builds first), temp dirs.

import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKER_CLI as CLI, requireBuilt, startCli as startBuiltCli, type CliRun as CliResult } from '../harness/cli.js';

export { REPO } from '../harness/cli.js';
export { CLI, type CliResult };

export function requireBuild(): void {
  requireBuilt(CLI);
}

/** CI=1: no progress bar, as when piped. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  return startBuiltCli(CLI, args, { env: { CI: '1', ...env } });
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'pbxready-fleet-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
