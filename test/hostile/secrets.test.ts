// Case 7: secrets in transit, and an exporter that cannot be used as an open relay. Real
// `pbxready-agent serve`, `pbxready check` and `pbxready exporter` processes, real HTTP.

import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, CHECKER_CLI, requireBuilt, runCli } from '../harness/cli.js';
import { REPO, tempDir } from './helpers.js';

let tmp: { dir: string; cleanup: () => Promise<void> };
let token: string;
let openToken: string;
let spaceToken: string;
const children: ChildProcess[] = [];
const TOKEN = 'S3cret-agent-token-0123456789abcdef';
const serveArgs = () => ['serve', '--root', join(REPO, 'test/fixtures/pbxware'), '--db-host', '127.0.0.1', '--db-port', '1'];

beforeAll(async () => {
  requireBuilt(AGENT_CLI);
  tmp = await tempDir();
  token = join(tmp.dir, 'token');
  openToken = join(tmp.dir, 'open.token');
  spaceToken = join(tmp.dir, 'space.token');
  await writeFile(token, `${TOKEN}\n`, { mode: 0o600 });
  await writeFile(openToken, `${TOKEN}\n`, { mode: 0o644 });
  await writeFile(spaceToken, 'a token with spaces in it\n', { mode: 0o600 });
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await tmp?.cleanup();
});

/** Start a long-running CLI; resolves with its first stderr/stdout text matching `ready`. */
function start(cli: string, args: string[], ready: RegExp): Promise<{ child: ChildProcess; out: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`did not start: ${out}`)), 15_000);
    const on = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, out });
      }
    };
    child.stdout!.on('data', on);
    child.stderr!.on('data', on);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${out}`));
    });
  });
}

function fetchStatus(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

describe('pbxready-agent serve keeps the token off the wire', () => {
  it('refuses a non-loopback address without TLS: one line, exit 3', async () => {
    const run = await runCli(AGENT_CLI, [...serveArgs(), '--listen', '0.0.0.0:0', '--token-file', token], { timeoutMs: 15_000 });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^pbxready-agent: --listen 0\.0\.0\.0:0 is reachable from the network without TLS: .*--insecure-listen.*\n$/);
  });

  it('--insecure-listen serves, and warns at start', async () => {
    const { child, out } = await start(AGENT_CLI, [...serveArgs(), '--listen', '0.0.0.0:0', '--token-file', token, '--insecure-listen'], /serving http/);
    expect(out).toMatch(/WARNING: --insecure-listen: serving plain HTTP on 0\.0\.0\.0:0/);
    child.kill('SIGTERM');
  });

  it('a group/world-readable token file: exit 3 with the chmod to run', async () => {
    const run = await runCli(AGENT_CLI, [...serveArgs(), '--listen', '127.0.0.1:0', '--token-file', openToken], { timeoutMs: 15_000 });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(`pbxready-agent: --token-file ${openToken} is readable by every user (mode 0644): run chmod 600 ${openToken}\n`);
  });

  it('a token a bearer header cannot carry is refused', async () => {
    const run = await runCli(AGENT_CLI, [...serveArgs(), '--listen', '127.0.0.1:0', '--token-file', spaceToken], { timeoutMs: 15_000 });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/the token holds characters a bearer token cannot carry/);
  });
});

describe('check --agent URL', () => {
  it('refuses plain http to another machine before sending anything', async () => {
    const run = await runCli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '9', '--allow-private', '--no-icmp', '--agent', 'http://192.0.2.10:8731', '--agent-token-file', token]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe('pbxready: --agent http://192.0.2.10:8731: plain http sends the token in clear; use https:// (serve --tls-cert/--tls-key), or http only to loopback\n');
  });

  it('refuses a world-readable --agent-token-file with the chmod to run', async () => {
    const run = await runCli(CHECKER_CLI, ['check', '127.0.0.1', '--ports', '9', '--allow-private', '--no-icmp', '--agent', 'https://192.0.2.10:8731', '--agent-token-file', openToken]);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/chmod 600/);
  });
});

describe('the exporter is fenced', () => {
  it('without --allow-private: loopback, unspecified and link-local targets get 400 and are never probed', async () => {
    const { out } = await start(CHECKER_CLI, ['exporter', '--listen', '127.0.0.1:0', '--timeout-ms', '1000'], /listening on \S+:(\d+)/);
    const port = /listening on \S+:(\d+)/.exec(out)![1];
    for (const target of ['127.0.0.1', '0.0.0.0', '[::1]', '169.254.10.1', '10.1.2.3']) {
      const r = await fetchStatus(`http://127.0.0.1:${port}/probe?target=${encodeURIComponent(target)}&module=pbxware`);
      expect({ target, status: r.status }).toEqual({ target, status: 400 });
      expect(r.body).toMatch(/address: refused without --allow-private/);
    }
  });

  it('--allow-targets and --probe-token-file: outside the list 400, without the token 401', async () => {
    const { out } = await start(CHECKER_CLI, ['exporter', '--listen', '127.0.0.1:0', '--timeout-ms', '1000', '--allow-private', '--allow-targets', '127.0.0.0/8,*.lab.test', '--probe-token-file', token, '--probes', 'tcp'], /listening on \S+:(\d+)/);
    const base = `http://127.0.0.1:${/listening on \S+:(\d+)/.exec(out)![1]}`;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await fetchStatus(`${base}/probe?target=127.0.0.1`)).status).toBe(401);
    expect((await fetchStatus(`${base}/probe?target=127.0.0.1`, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const outside = await fetchStatus(`${base}/probe?target=10.1.2.3`, auth);
    expect(outside).toEqual({ status: 400, body: '10.1.2.3 is not in --allow-targets\n' });
    const inside = await fetchStatus(`${base}/probe?target=127.0.0.1`, auth);
    expect(inside.status).toBe(200);
    expect(inside.body).toMatch(/pbxready_probe_success/);
  });
});
