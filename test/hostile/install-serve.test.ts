// Case 7, install.sh: `serve` on a non-loopback address gets TLS (a certificate given, or a
// self-signed one made with openssl) and runs as the unprivileged user pbxready-agent with only
// CAP_DAC_READ_SEARCH; the certificate made really serves HTTPS to a checker that trusts it.

import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, REPO, requireBuilt } from '../harness/cli.js';

const run = promisify(execFile);
const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function tree(): string {
  const root = mkdtempSync(join(tmpdir(), `pbxready-install-tls-${process.pid}-`));
  roots.push(root);
  return root;
}
const install = (args: string[]) => run('bash', [join(REPO, 'install.sh'), ...args], { timeout: 60_000 });

describe('install.sh --enable-serve off loopback', () => {
  it('makes a certificate, serves HTTPS with it, and runs serve as pbxready-agent', async () => {
    requireBuilt(AGENT_CLI);
    const root = tree();
    const res = await install(['--root', root, '--enable-serve', '--listen', '0.0.0.0:9443']);
    expect(res.stdout).toMatch(/serve enabled on 0\.0\.0\.0:9443 as user pbxready-agent; .*TLS certificate .*serve\.crt \(self-signed, made now/);
    const unit = readFileSync(join(root, 'etc/systemd/system/pbxready-agent-serve.service'), 'utf8');
    expect(unit).toContain('--listen 0.0.0.0:9443 --token-file /etc/pbxready/serve.token --tls-cert /etc/pbxready/serve.crt --tls-key /etc/pbxready/serve.key');
    expect(unit).toMatch(/^User=pbxready-agent$/m);
    expect(unit).toMatch(/^AmbientCapabilities=CAP_DAC_READ_SEARCH$/m);
    expect(unit).toMatch(/^CapabilityBoundingSet=CAP_DAC_READ_SEARCH$/m);
    const [crt, key, token] = ['serve.crt', 'serve.key', 'serve.token'].map((f) => join(root, 'etc/pbxready', f)) as [string, string, string];
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(crt));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');

    // The installed files as the unit uses them: serve refuses nothing, a checker trusting the certificate gets the report.
    const child = spawn(process.execPath, [AGENT_CLI, 'serve', '--listen', '0.0.0.0:0', '--token-file', token, '--tls-cert', crt, '--tls-key', key, '--root', join(REPO, 'test/fixtures/pbxware'), '--db-host', '127.0.0.1', '--db-port', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /serving https:\/\/\S+:(\d+)\/report/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
        child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const status = await new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/report', ca: readFileSync(crt), headers: { authorization: `Bearer ${readFileSync(token, 'utf8').trim()}` } }, (r) => {
          r.resume();
          resolve(r.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
      expect(status).toBe(200);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes a given certificate and key (0600), and keeps loopback plain', async () => {
    const root = tree();
    const src = tree();
    writeFileSync(join(src, 'c.pem'), 'CERT\n');
    writeFileSync(join(src, 'k.pem'), 'KEY\n');
    await install(['--root', root, '--enable-serve', '--listen', '203.0.113.7:8731', '--tls-cert', join(src, 'c.pem'), '--tls-key', join(src, 'k.pem')]);
    expect(readFileSync(join(root, 'etc/pbxready/serve.crt'), 'utf8')).toBe('CERT\n');
    expect(statSync(join(root, 'etc/pbxready/serve.key')).mode & 0o777).toBe(0o600);
    const plain = tree();
    await install(['--root', plain, '--enable-serve']);
    expect(readFileSync(join(plain, 'etc/systemd/system/pbxready-agent-serve.service'), 'utf8')).not.toContain('--tls-cert');
    await expect(install(['--root', tree(), '--tls-cert', join(src, 'c.pem')])).rejects.toMatchObject({ code: 3, stderr: 'install.sh: --tls-cert and --tls-key go together\n' });
  });
});
