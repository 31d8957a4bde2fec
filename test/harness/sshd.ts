// A real OpenSSH sshd for tests: 127.0.0.1 on a free port, its own host keys (ed25519 + RSA) in a
// temporary directory, a test user with a password and an authorised key.
// Needs root (a system user, /run/sshd); without it the harness fails with the reason, never skips.
// Idempotent and parallel-safe: the user is created once per machine under a lock, and each sshd
// has its own directory, port, keys and pid file.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { access, chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const SSHD = '/usr/sbin/sshd';
export const TEST_USER = 'pbxready-test';
const STATE_DIR = '/var/lib/pbxready-test';
const PASSWORD_FILE = join(STATE_DIR, 'password');
const LOCK_DIR = join(STATE_DIR, 'lock');

export type HostKeyKind = 'ed25519' | 'rsa';

export interface SshdServer {
  address: '127.0.0.1';
  port: number;
  dir: string;
  /** `ssh-keygen -lf` of each host key: the SHA256 fingerprint as OpenSSH prints it. */
  hostKeyFingerprints: Record<HostKeyKind, string>;
  /** Each host key's public line (`type base64 comment`). */
  hostKeyPublic: Record<HostKeyKind, string>;
  user: string;
  password: string;
  /** An ed25519 private key (no passphrase) whose public half is authorised for `user`. */
  privateKeyPath: string;
  /** What sshd wrote to stderr so far (its log, -e). */
  log(): string;
  stop(): Promise<void>;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** A machine-wide lock that two test workers can share: mkdir is atomic. */
async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(STATE_DIR, { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      break;
    } catch {
      // A lock left by a killed run: older than a minute is stale.
      const st = await stat(LOCK_DIR).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 60_000) await rm(LOCK_DIR, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`sshd harness: lock ${LOCK_DIR} held for 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK_DIR, { recursive: true, force: true });
  }
}

/**
 * The test user, created once. Its password is random per machine and kept root-only, so the
 * account is no open door on a developer's box; our sshd alone lists it in AllowUsers.
 */
async function ensureTestUser(): Promise<string> {
  return withLock(async () => {
    const known = await run('getent', ['passwd', TEST_USER]).then(() => true, () => false);
    if (!known) await run('useradd', ['--create-home', '--shell', '/bin/sh', TEST_USER]);
    if (known && (await exists(PASSWORD_FILE))) return (await readFile(PASSWORD_FILE, 'utf8')).trim();
    const password = 'T' + randomBytes(12).toString('hex');
    // chpasswd writes the hash to /etc/shadow, which sshd checks itself with UsePAM no.
    await new Promise<void>((resolve, reject) => {
      const p = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`chpasswd failed: ${err.trim()}`))));
      p.stdin.end(`${TEST_USER}:${password}\n`);
    });
    await writeFile(PASSWORD_FILE, password + '\n', { mode: 0o600 });
    return password;
  });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function keygen(path: string, type: HostKeyKind): Promise<void> {
  const args = ['-q', '-t', type, '-N', '', '-C', `pbxready-test-${type}`, '-f', path];
  if (type === 'rsa') args.splice(3, 0, '-b', '2048');
  await run('ssh-keygen', args);
}

/** `ssh-keygen -lf FILE` → "SHA256:…" (the second field). */
export async function sshKeygenFingerprint(publicKeyFile: string): Promise<string> {
  const { stdout } = await run('ssh-keygen', ['-lf', publicKeyFile]);
  const fp = stdout.trim().split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -lf output: ${stdout}`);
  return fp;
}

/** An sshd_config for the test user: keys and authorized_keys from `dir`, no PAM, verbose log. */
export function sshdConfig(dir: string, port: number, { listen = '127.0.0.1', pidFile = 'sshd.pid' } = {}): string {
  return [
    `Port ${port}`,
    `ListenAddress ${listen}`,
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `HostKey ${join(dir, 'ssh_host_rsa_key')}`,
    `PidFile ${join(dir, pidFile)}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    `AllowUsers ${TEST_USER}`,
    'PermitRootLogin no',
    'UsePAM no',
    'PasswordAuthentication yes',
    'KbdInteractiveAuthentication no',
    'PubkeyAuthentication yes',
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'MaxStartups 50',
    'LogLevel VERBOSE',
    '',
  ].join('\n');
}

function waitForListening(child: ChildProcess, port: number, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 10 s:\n${log()}`)), 10_000);
    const onData = () => {
      if (log().includes(`Server listening on 127.0.0.1 port ${port}`)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited (${code}) before listening:\n${log()}`));
    });
  });
}

export async function startSshd(): Promise<SshdServer> {
  if (process.getuid?.() !== 0) throw new Error('not root: the sshd harness must create a system user and /run/sshd');
  if (!(await exists(SSHD))) throw new Error(`${SSHD} is missing: install Debian's openssh-server`);
  const password = await ensureTestUser();
  // sshd's privilege-separation directory; Debian creates it only when the service starts.
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 });

  const dir = await mkdtemp(join(tmpdir(), 'pbxready-sshd-'));
  // sshd reads AuthorizedKeysFile as the user: the directory must be traversable by it.
  await chmod(dir, 0o755);
  await Promise.all([
    keygen(join(dir, 'ssh_host_ed25519_key'), 'ed25519'),
    keygen(join(dir, 'ssh_host_rsa_key'), 'rsa'),
    keygen(join(dir, 'client_key'), 'ed25519'),
  ]);
  await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'client_key.pub')), { mode: 0o644 });
  const hostKeyFingerprints = {
    ed25519: await sshKeygenFingerprint(join(dir, 'ssh_host_ed25519_key.pub')),
    rsa: await sshKeygenFingerprint(join(dir, 'ssh_host_rsa_key.pub')),
  };
  const hostKeyPublic = {
    ed25519: (await readFile(join(dir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim(),
    rsa: (await readFile(join(dir, 'ssh_host_rsa_key.pub'), 'utf8')).trim(),
  };

  // The free port can be taken between our check and sshd's bind: try a few.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const config = join(dir, 'sshd_config');
    await writeFile(config, sshdConfig(dir, port));
    let stderr = '';
    const child = spawn(SSHD, ['-D', '-e', '-f', config], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitForListening(child, port, () => stderr);
    } catch (err) {
      child.kill('SIGKILL');
      if (attempt < 5 && /Address already in use/.test(stderr)) continue;
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }, 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    };
    return {
      address: '127.0.0.1',
      port,
      dir,
      hostKeyFingerprints,
      hostKeyPublic,
      user: TEST_USER,
      password,
      privateKeyPath: join(dir, 'client_key'),
      log: () => stderr,
      stop,
    };
  }
}

export interface KnownHostsSpec {
  /** Host field names, e.g. "[127.0.0.1]:2222" or "127.0.0.1"; default `[127.0.0.1]:<port>`. */
  names?: string[];
  /** Which host keys to list; default both. */
  keys?: HostKeyKind[];
  /** Hash the names with OpenSSH's own `ssh-keygen -H`. */
  hashed?: boolean;
  /** Replace the keys with freshly generated ones (a "reinstalled host"). */
  wrongKeys?: boolean;
}

/** Write a known_hosts file for the server, plain or hashed by the real ssh-keygen. */
export async function writeKnownHosts(server: SshdServer, file: string, spec: KnownHostsSpec = {}): Promise<string> {
  const names = spec.names ?? [`[127.0.0.1]:${server.port}`];
  const kinds = spec.keys ?? ['ed25519', 'rsa'];
  const lines: string[] = [];
  for (const kind of kinds) {
    let pub = server.hostKeyPublic[kind];
    if (spec.wrongKeys) {
      const other = join(server.dir, `other_${kind}_${randomBytes(4).toString('hex')}`);
      await keygen(other, kind);
      pub = (await readFile(other + '.pub', 'utf8')).trim();
    }
    const [type, key] = pub.split(/\s+/);
    // Hashing works per name, so hashed files get one line per name, as ssh writes them.
    for (const name of spec.hashed ? names : [names.join(',')]) lines.push(`${name} ${type} ${key}`);
  }
  await writeFile(file, '# written by the pbxready sshd harness\n' + lines.join('\n') + '\n');
  if (spec.hashed) {
    await run('ssh-keygen', ['-H', '-f', file]);
    await rm(file + '.old', { force: true });
  }
  return readFile(file, 'utf8');
}
