// Every address a name resolves to is checked, through the real resolver (getaddrinfo, as `ping` or
// `ssh` would resolve it). The name lives in a network namespace's own hosts file — `ip netns exec`
// bind-mounts /etc/netns/NAME/hosts over /etc/hosts — with an A and an AAAA record; a listener on the
// IPv4 address only makes the two answers differ, so the report must show both, each with its state.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { CHECKER_CLI, requireBuilt } from '../harness/cli.js';

const run = promisify(execFile);
const NS = `pbxr-dns-${randomBytes(3).toString('hex')}`;
const NAME = 'pbx.dual-stack.test';
let listener: ChildProcess | undefined;

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error('not root: cannot create a network namespace with its own hosts file; run the tests as root, as .ci/run does');
  requireBuilt(CHECKER_CLI);
  mkdirSync(`/etc/netns/${NS}`, { recursive: true });
  writeFileSync(`/etc/netns/${NS}/hosts`, `127.0.0.1 ${NAME}\n::1 ${NAME}\n`);
  await run('ip', ['netns', 'add', NS]);
  await run('ip', ['netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up']);
  listener = spawn('ip', ['netns', 'exec', NS, process.execPath, '-e', "require('net').createServer((s)=>s.end()).listen(2020,'127.0.0.1',()=>console.log('ready'))"], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    listener!.stdout!.once('data', () => resolve());
    listener!.once('exit', (code) => reject(new Error(`listener in ${NS} exited (${code})`)));
  });
});

afterAll(async () => {
  listener?.kill('SIGKILL');
  await run('ip', ['netns', 'del', NS]).catch(() => {});
  rmSync(`/etc/netns/${NS}`, { recursive: true, force: true });
});

describe('DNS: A and AAAA', () => {
  it('checks both addresses of a dual-stack name, each with its own state', async () => {
    const { stdout } = await run('ip', ['netns', 'exec', NS, process.execPath, CHECKER_CLI, 'check', NAME, '--ports', '2020', '--allow-private', '--no-icmp', '--format', 'json']).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? '' }), // exit 2: the IPv6 side is closed
    );
    const report = JSON.parse(stdout) as CheckReport;
    expect([...report.target.addresses].sort()).toEqual(['127.0.0.1', '::1']);
    const states = Object.fromEntries(report.ports.filter((p) => p.port === 2020).map((p) => [p.address, p.state]));
    expect(states).toEqual({ '127.0.0.1': 'open', '::1': 'closed' });
    expect(report.findings.filter((f) => f.code === 'PORT_CLOSED').map((f) => f.address)).toEqual(['::1']);
    expect(report.verdict).toBe('not-ready');
  });
});
