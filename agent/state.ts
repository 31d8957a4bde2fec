// Where snapshots live: --state-dir, else $XDG_STATE_HOME/pbxready, else /var/lib/pbxready as
// root (the systemd timer), else ~/.local/state/pbxready.

import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { validateAgentReport } from '../shared/agent-report/validate.js';
import { UsageError } from '../shared/errors.js';
import type { AgentReport } from '../shared/model.js';

export function stateDir(flag: string | undefined, env: NodeJS.ProcessEnv = process.env, uid = process.getuid?.() ?? -1): string {
  if (flag) return flag;
  if (env.XDG_STATE_HOME) return join(env.XDG_STATE_HOME, 'pbxready');
  if (uid === 0) return '/var/lib/pbxready';
  return join(homedir(), '.local', 'state', 'pbxready');
}

export const SNAPSHOT_PATTERN = /^snapshot-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:-\d{3})?Z\.json$/;

export function snapshotName(at: Date): string {
  return `snapshot-${at.toISOString().replace(/:/g, '-').replace('.', '-')}.json`;
}

/** Snapshot files in the state directory, oldest first (names sort by time). */
export async function listSnapshots(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((n) => SNAPSHOT_PATTERN.test(n)).sort().map((n) => join(dir, n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new UsageError(`state directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
}

export async function readAgentReport(file: string): Promise<AgentReport> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UsageError(`${file}: not a JSON report`);
  }
  const checked = validateAgentReport(parsed);
  if ('problem' in checked) throw new UsageError(`${file}: not a pbxready-agent report (${checked.problem})`);
  return checked.report;
}
