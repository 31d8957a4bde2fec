// Shared by the agent's tests: fixture trees copied to a temp dir, the CLI spawned from dist/.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';

export const REPO = new URL('../..', import.meta.url).pathname;
export const FIXTURES = join(REPO, 'test/fixtures');
export const CLI = join(REPO, 'dist/agent/cli.js');
export const ASTERISK = {
  pjsip20: join(FIXTURES, 'asterisk/ast20-pjsip/asterisk'),
  chansip18: join(FIXTURES, 'asterisk/ast18-chansip/asterisk'),
  down: join(FIXTURES, 'asterisk/down/asterisk'),
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

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (npm test builds first). */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first (npm test does)`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, PBXREADY_LOG: undefined, ...opts.env },
      uid: opts.uid,
      gid: opts.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const codes = (r: { findings: Array<{ code: string }> }) => r.findings.map((f) => f.code);
