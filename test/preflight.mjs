#!/usr/bin/env node
// First step of `npm test`: make sure the machine can run the suites before building and starting
// 600 tests. The suites start real parts (sshd, MariaDB, Chromium, network namespaces) and need
// root; the Debian packages they need are listed in test/debian-packages.txt. As root, missing
// packages are installed here (the one place that knows how; .ci/run just calls `npm test`).
// Without what it needs it prints ONE line naming the command to run and exits 1 at once.
// Plain JavaScript with no imports outside node: it runs before `npm ci` finished or a build exists.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
const LIST = join(REPO, 'test/debian-packages.txt');

function stop(message) {
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
}

/** Package names from the list: one per line, `#` starts a comment. */
function wantedPackages() {
  return readFileSync(LIST, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter(Boolean);
}

/** The packages dpkg does not report as installed (unknown ones included: dpkg-query exits 1 for them). */
function missingPackages(names) {
  const res = spawnSync('dpkg-query', ['-W', '-f=${Package}\\t${db:Status-Abbrev}\\n', ...names], { encoding: 'utf8' });
  if (res.error) {
    stop(`cannot run dpkg-query (${res.error.code ?? res.error.message}): the suites need Debian (or a derivative) with the packages in test/debian-packages.txt`);
  }
  const installed = new Set();
  for (const line of res.stdout.split('\n')) {
    const [name, status] = line.split('\t');
    // Status-Abbrev: desired, current, error — "ii " is installed; "rc " (removed, config kept) is not.
    if (name && status?.[1] === 'i') installed.add(name.replace(/:.*/, ''));
  }
  return names.filter((n) => !installed.has(n));
}

function apt(args) {
  const res = spawnSync('apt-get', args, {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (res.error || res.status !== 0) {
    stop(`"apt-get ${args.join(' ')}" failed (${res.error?.message ?? `exit ${res.status}`}); fix that, then run npm test again`);
  }
}

if (process.platform !== 'linux') stop('the suites need Linux (network namespaces, sshd, MariaDB): run them on Debian as root');
if (!existsSync(join(REPO, 'node_modules/.bin/tsc'))) stop('node_modules is missing or incomplete: run `npm ci` first');

const wanted = wantedPackages();
let missing = missingPackages(wanted);
const root = process.getuid?.() === 0;

if (!root) {
  stop(
    missing.length > 0
      ? `not root and Debian packages missing (${missing.join(' ')}): run \`sudo npm test\` (it installs them, then runs the suites)`
      : 'the suites need root (network namespaces, sshd and the agent as other users): run `sudo npm test`',
  );
}

if (missing.length > 0) {
  process.stderr.write(`npm test: installing the Debian packages the tests need: ${missing.join(' ')}\n`);
  apt(['update', '-qq']);
  // With recommends, as on the machine the tests were verified on (Chromium then has its fonts).
  apt(['install', '-y', '-qq', ...missing]);
  missing = missingPackages(wanted);
  if (missing.length > 0) stop(`still not installed after apt-get: ${missing.join(' ')}: run \`apt-get install -y ${missing.join(' ')}\` and read its error`);
}
