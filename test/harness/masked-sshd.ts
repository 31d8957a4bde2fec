// A second OpenSSH sshd for the harness's test user, started inside a PRIVATE mount namespace
// (`unshare -m --propagation private`) where chosen programs are masked: an empty, non-executable
// file bind-mounted over each (e.g. node, mysql), so a login through this sshd sees no such program
// at all — a PBX with nothing installed. The masks live only in that namespace and die with it;
// the shared mount namespace is never touched. Optionally inside a network namespace too.
// The empty file sits on /dev/shm (tmpfs), so the masks read as tmpfs mounts, which df-based
// collectors leave out like any memory filesystem.

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { SSHD, sshdConfig, type SshdServer } from './sshd.js';

export interface MaskedSshd {
  port: number;
  log(): string;
  stop(): Promise<void>;
}

/** Every path a program is reached by (PATH entries resolved to their real files), for masking. */
export function programPaths(names: readonly string[]): string[] {
  const out = new Set<string>();
  for (const name of names) {
    for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
      try {
        out.add(realpathSync(join(dir, name)));
      } catch {
        /* not in this directory */
      }
    }
  }
  return [...out];
}

export async function startMaskedSshd(base: SshdServer, opts: { programs: readonly string[]; port: number; listen?: string; netns?: string }): Promise<MaskedSshd> {
  if (process.getuid?.() !== 0) throw new Error('not root: unshare -m and mount --bind need CAP_SYS_ADMIN');
  const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
  const listen = opts.listen ?? '127.0.0.1';
  const empty = `/dev/shm/pbxready-mask-${tag}`;
  writeFileSync(empty, '');
  chmodSync(empty, 0o644);
  const masks = programPaths(opts.programs);
  if (opts.programs.length && !masks.length) throw new Error(`none of ${opts.programs.join(', ')} is on PATH: nothing to mask`);
  const config = join(base.dir, `sshd_config_masked_${tag}`);
  writeFileSync(config, sshdConfig(base.dir, opts.port, { listen, pidFile: `sshd_masked_${tag}.pid` }));
  const script = 'e=$1; c=$2; shift 2; for f in "$@"; do mount --bind "$e" "$f" || exit 1; done; exec "$0" -D -e -f "$c"';
  const argv = [...(opts.netns ? ['ip', 'netns', 'exec', opts.netns] : []), 'unshare', '-m', '--propagation', 'private', 'sh', '-c', script, SSHD, empty, config, ...masks];
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`masked sshd did not start within 10 s:\n${stderr}`)), 10_000);
    child.stderr!.on('data', () => {
      if (stderr.includes(`Server listening on ${listen} port ${opts.port}`)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`masked sshd exited (${code}) before listening:\n${stderr}`));
    });
  });
  return {
    port: opts.port,
    log: () => stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          /* gone */
        }
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      }
      rmSync(empty, { force: true });
    },
  };
}
