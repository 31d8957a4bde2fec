// Shared by the agent's tests: fixture trees copied to a temp dir, the CLI spawned from dist/.

import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { AGENT_CLI as CLI, REPO, runCli as runBuiltCli, type CliOptions, type CliRun } from '../harness/cli.js';

export { CLI, REPO };
export const FIXTURES = join(REPO, 'test/fixtures');
export const ASTERISK = {
  pjsip20: join(FIXTURES, 'asterisk/ast20-pjsip/asterisk'),
  chansip18: join(FIXTURES, 'asterisk/ast18-chansip/asterisk'),
  down: join(FIXTURES, 'asterisk/down/asterisk'),
};

/** rpm stand-ins replaying recorded `rpm -V` / `rpm -q` output of an Issabel host. */
export const RPM = {
  modified: join(FIXTURES, 'rpm/issabel-modified/rpm'),
  clean: join(FIXTURES, 'rpm/issabel-clean/rpm'),
  /** An older Issabel (2.5) with the Call Center module's package installed. */
  callcenter: join(FIXTURES, 'rpm/issabel-callcenter/rpm'),
};

export const silentLog = pino({ level: 'silent' });

const made: string[] = [];

/** A private copy of a fixture sysroot, with the backup's age set (git keeps no mtimes). */
export function fixtureRoot(name: 'pbxware' | 'issabel' | 'serverware' | 'empty', opts: { backupAgeDays?: number } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), `pbxready-root-${name}-`));
  made.push(dir);
  if (name === 'empty') return dir;
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  const age = (opts.backupAgeDays ?? 1) * 86_400_000;
  const when = new Date(Date.now() - age);
  for (const f of ['opt/backup/pbxware-backup-nightly.tar.gz', 'var/www/backup/issabelbackup-20240101.tar']) {
    if (existsSync(join(dir, f))) utimesSync(join(dir, f), when, when);
  }
  return dir;
}

export function cleanupRoots(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export type CliResult = CliRun;

/** Run the built agent CLI, with the test's own log level left out. */
export function runCli(args: string[], opts: Omit<CliOptions, 'cleanEnv'> = {}): Promise<CliResult> {
  return runBuiltCli(CLI, args, { timeoutMs: 30_000, ...opts, env: { PBXREADY_LOG: undefined, ...opts.env } });
}

export const codes = (r: { findings: Array<{ code: string }> }) => r.findings.map((f) => f.code);
