// `npm test` starts with test/preflight.mjs. Run here on a copy of the script and the package list,
// with stand-ins for dpkg-query and apt-get first in PATH (this machine's packages stay untouched),
// as root and as an unprivileged user; and once for real against this machine's dpkg.

import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './harness/cli.js';

const NOBODY = 65534;
let work: string;
let seq = 0;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), `pbxready-preflight-${process.pid}-`));
  chmodSync(work, 0o755); // the unprivileged runs read the copy
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface Machine {
  /** Packages the stand-in dpkg reports as installed. */
  installed: string[];
  /** Exit status of the stand-in `apt-get install`. */
  aptInstallStatus?: number;
  /** Leave out node_modules/.bin/tsc (as before `npm ci`). */
  noNodeModules?: boolean;
  /** This machine's own dpkg-query and apt-get instead of the stand-ins. */
  real?: boolean;
}

interface Run {
  status: number | null;
  stderr: string;
  stdout: string;
  /** Each apt-get call's arguments, in order. */
  apt: string[];
}

const wanted = readFileSync(join(REPO, 'test/debian-packages.txt'), 'utf8')
  .split('\n')
  .map((l) => l.replace(/#.*/, '').trim())
  .filter(Boolean);

/** A copy of the repository's preflight on a machine whose dpkg and apt-get are stand-ins. */
function preflight(machine: Machine, uid = 0): Run {
  const dir = join(work, String(++seq));
  const bin = join(dir, 'bin');
  const state = join(dir, 'installed');
  const aptLog = join(dir, 'apt.log');
  for (const d of [join(dir, 'repo/test'), join(dir, 'repo/node_modules/.bin'), bin]) mkdirSync(d, { recursive: true });
  copyFileSync(join(REPO, 'test/preflight.mjs'), join(dir, 'repo/test/preflight.mjs'));
  copyFileSync(join(REPO, 'test/debian-packages.txt'), join(dir, 'repo/test/debian-packages.txt'));
  if (!machine.noNodeModules) writeFileSync(join(dir, 'repo/node_modules/.bin/tsc'), '');
  writeFileSync(state, machine.installed.map((p) => `${p}\n`).join(''));
  writeFileSync(aptLog, '');
  // As Debian's dpkg-query -W -f: one line per known package, "no packages found" and exit 1 for unknown ones.
  writeFileSync(
    join(bin, 'dpkg-query'),
    `#!/bin/sh
shift 2; rc=0
for p in "$@"; do
  if grep -qx "$p" '${state}'; then printf '%s\\tii \\n' "$p"; else echo "dpkg-query: no packages found matching $p" >&2; rc=1; fi
done
exit $rc
`,
  );
  writeFileSync(
    join(bin, 'apt-get'),
    `#!/bin/sh
echo "$*" >> '${aptLog}'
if [ "$1" = install ]; then
  [ ${machine.aptInstallStatus ?? 0} -eq 0 ] || exit ${machine.aptInstallStatus ?? 0}
  shift 3; for p in "$@"; do echo "$p" >> '${state}'; done
fi
exit 0
`,
  );
  for (const f of ['dpkg-query', 'apt-get']) chmodSync(join(bin, f), 0o755);
  spawnSync('chmod', ['-R', 'a+rwX', dir]);
  const res = spawnSync(process.execPath, [join(dir, 'repo/test/preflight.mjs')], {
    encoding: 'utf8',
    env: { PATH: machine.real ? (process.env.PATH ?? '') : `${bin}:${process.env.PATH ?? ''}` },
    uid,
    gid: uid,
    timeout: 60_000,
  });
  const apt = readFileSync(aptLog, 'utf8').split('\n').filter(Boolean);
  return { status: res.status, stderr: res.stderr, stdout: res.stdout, apt };
}

function oneLine(text: string): string {
  const lines = text.split('\n').filter(Boolean);
  expect(lines, text).toHaveLength(1);
  return lines[0]!;
}

describe('test/debian-packages.txt', () => {
  it('names one Debian package per line, each with a reason', () => {
    const lines = readFileSync(join(REPO, 'test/debian-packages.txt'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines.length).toBe(wanted.length);
    for (const line of lines) expect(line, line).toMatch(/^[a-z0-9][a-z0-9.+-]+\s+#\s*\S/);
    expect(new Set(wanted).size).toBe(wanted.length);
    expect(wanted).toEqual(expect.arrayContaining(['openssh-server', 'mariadb-server', 'chromium', 'iptables', 'iproute2']));
  });
});

describe('as root', () => {
  it('everything installed: exits 0 silently, apt-get untouched', () => {
    const run = preflight({ installed: wanted });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.apt).toEqual([]);
    expect(run.status).toBe(0);
  });

  it('installs exactly the missing packages (update, then install -y with recommends), then goes on', () => {
    const run = preflight({ installed: wanted.filter((p) => p !== 'chromium' && p !== 'nmap') });
    expect(run.apt).toEqual(['update -qq', 'install -y -qq chromium nmap']);
    expect(run.apt.join(' ')).not.toContain('--no-install-recommends');
    expect(run.stderr).toContain('installing the Debian packages the tests need: chromium nmap');
    expect(run.status).toBe(0);
  });

  it('apt-get failing stops with one line naming the command that failed', () => {
    const run = preflight({ installed: wanted.filter((p) => p !== 'fail2ban'), aptInstallStatus: 100 });
    expect(run.apt).toEqual(['update -qq', 'install -y -qq fail2ban']);
    expect(run.stderr).toMatch(/"apt-get install -y -qq fail2ban" failed \(exit 100\)/);
    expect(run.status).toBe(1);
  });

  it('no node_modules: one line naming `npm ci`, before anything else', () => {
    const run = preflight({ installed: [], noNodeModules: true });
    expect(oneLine(run.stderr)).toBe('npm test: node_modules is missing or incomplete: run `npm ci` first');
    expect(run.apt).toEqual([]);
    expect(run.status).toBe(1);
  });
});

describe('not root', () => {
  it('everything installed: stops at once with one line naming `sudo npm test`', () => {
    const run = preflight({ installed: wanted }, NOBODY);
    expect(oneLine(run.stderr)).toMatch(/the suites need root .*: run `sudo npm test`$/);
    expect(run.apt).toEqual([]);
    expect(run.status).toBe(1);
  });

  it('a package missing: one line naming it and `sudo npm test`; apt-get is not tried', () => {
    const run = preflight({ installed: wanted.filter((p) => p !== 'mariadb-server') }, NOBODY);
    expect(oneLine(run.stderr)).toBe(
      'npm test: not root and Debian packages missing (mariadb-server): run `sudo npm test` (it installs them, then runs the suites)',
    );
    expect(run.apt).toEqual([]);
    expect(run.status).toBe(1);
  });
});

describe('on this machine, for real', () => {
  // Unprivileged, so it can only report, never install: the one message left when nothing is missing.
  it("this machine's dpkg has every listed package installed", () => {
    expect(existsSync('/usr/bin/dpkg-query'), 'this machine has no dpkg-query: not Debian').toBe(true);
    const run = preflight({ installed: [], real: true }, NOBODY);
    expect(oneLine(run.stderr), 'a listed package is missing here: `sudo npm test` installs it').toMatch(/the suites need root .*: run `sudo npm test`$/);
    expect(run.apt).toEqual([]);
    expect(run.status).toBe(1);
  });
});
