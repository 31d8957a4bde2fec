// The built `pbxready` CLI, spawned as a user runs it: bad input → one line, exit 3; reports and exit codes.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../shared/model.js';
import { TOOL } from '../../shared/tool.js';
import { CHECKER_CLI, runCli } from '../harness/cli.js';
import { makeCertificates } from '../harness/tls-certs.js';
import { closedPort, page, PAGES, startHttpsServer, type TestServer } from '../harness/servers.js';

/** PBXREADY_DEBUG off: a stack trace on stderr must come from nowhere. */
const cli = (args: string[], env: Record<string, string> = {}) => runCli(CHECKER_CLI, args, { env: { ...env, PBXREADY_DEBUG: '' } });


let https: TestServer;
let closed: number;
let dir: string;
beforeAll(async () => {
  const certs = await makeCertificates();
  https = await startHttpsServer(certs.valid, page(PAGES.pbxware));
  closed = await closedPort();
  dir = await mkdtemp(join(tmpdir(), 'pbxready-cli-'));
});
afterAll(async () => {
  await https.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('bad input: one line on stderr, exit 3, no stack trace', () => {
  it.each([
    ['empty host', ['check', ''], /host is empty/],
    ['malformed host', ['check', 'pbx..example'], /is not an IP address or a DNS name/],
    ['host with a space', ['check', 'my pbx'], /is not an IP address or a DNS name/],
    ['broken IPv4', ['check', '300.1.2.3'], /is not an IP address or a DNS name/],
    ['port 0', ['check', '127.0.0.1', '--ports', '0'], /--ports "0" is not a port \(1–65535\)/],
    ['port 70000', ['check', '127.0.0.1', '--ports', '443,70000'], /--ports "70000" is not a port/],
    ['negative timeout', ['check', '127.0.0.1', '--timeout-ms', '-5'], /--timeout-ms "-5" must be a whole number/],
    ['zero timeout', ['check', '127.0.0.1', '--timeout-ms', '0'], /--timeout-ms "0" must be a whole number/],
    ['zero connections', ['check', '127.0.0.1', '--max-connections', '0'], /--max-connections "0"/],
    ['unknown product', ['check', '127.0.0.1', '--product', 'freepbx'], /unknown product "freepbx"/],
    ['unknown format', ['check', '127.0.0.1', '--format', 'pdf'], /unknown format "pdf"/],
    ['unknown log level', ['check', '127.0.0.1', '--log-level', 'loud'], /unknown --log-level "loud"/],
    ['unreadable key file', ['check', '127.0.0.1', '--ssh-user', 'root', '--ssh-key', '/nonexistent/id_ed25519'], /--ssh-key: cannot read \/nonexistent\/id_ed25519 \(ENOENT\)/],
    ['key without user', ['check', '127.0.0.1', '--ssh-key', '/etc/hostname'], /need --ssh-user/],
    ['user without secret', ['check', '127.0.0.1', '--ssh-user', 'root'], /--ssh-user needs --ssh-key FILE or --ssh-password-env VAR/],
    ['password variable not set', ['check', '127.0.0.1', '--ssh-user', 'root', '--ssh-password-env', 'PBXREADY_NO_SUCH_VAR'], /PBXREADY_NO_SUCH_VAR is not set/],
    ['bad fingerprint', ['check', '127.0.0.1', '--ssh-fingerprint', 'SHA256:short'], /--ssh-fingerprint "SHA256:short" is not a fingerprint/],
    ['unreadable known_hosts', ['check', '127.0.0.1', '--allow-private', '--ports', '1', '--no-icmp', '--known-hosts', '/nonexistent/known_hosts'], /known_hosts|known-hosts/i],
    ['unknown command', ['frobnicate'], /^pbxready: Unknown command: frobnicate$/],
    ['no command', [], /a command is required/],
    ['--output into a missing directory', ['check', '127.0.0.1', '--output', '/nonexistent/dir/report.html'], /^pbxready: --output \/nonexistent\/dir\/report\.html: the directory \/nonexistent\/dir does not exist$/],
    ['--output naming a directory', ['check', '127.0.0.1', '--output', '/tmp'], /^pbxready: --output \/tmp is a directory \(give a file name\)$/],
    ['unknown flag', ['check', '127.0.0.1', '--colour'], /colour/],
  ])('%s', async (_name, args, message) => {
    const r = await cli(args as string[]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^pbxready: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('help and version', () => {
  it('--version prints the package version, --help lists every command', async () => {
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout.trim()).toBe(TOOL.version);
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['check <host>', 'precheck <host>', 'scan', 'history', 'drift', 'exporter', 'ticket <command>']) expect(help.stdout).toContain(`pbxready ${command}`);
  });
});

describe('reports and exit codes', () => {
  it('JSON report, ready → exit 0', async () => {
    const r = await cli(['check', '127.0.0.1', '--allow-private', '--ports', String(https.port), '--format', 'json']);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(Object.keys(report)).toEqual(['schemaVersion', 'kind', 'tool', 'generatedAt', 'durationMs', 'target', 'verdict', 'ports', 'icmp', 'findings', 'vantage']);
    expect(report.verdict).toBe('ready');
    expect(report.ports.find((p) => p.port === https.port)?.tls?.issuer).toBe('CN=pbxready test CA');
    expect(r.code).toBe(0);
  });

  it('a closed required port → not-ready, exit 2; text names the finding and its remedy', async () => {
    const r = await cli(['check', '127.0.0.1', '--allow-private', '--ports', String(closed), '--no-icmp']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Verdict: NOT READY');
    expect(r.stdout).toContain(`[FAIL] PORT_CLOSED: Port ${closed} (custom) on 127.0.0.1 is closed`);
    expect(r.stdout).toContain('fix: Nothing listens where the port leads');
  });

  it('a loopback target without --allow-private → warnings, exit 1', async () => {
    const r = await cli(['check', '127.0.0.1', '--ports', String(https.port), '--no-icmp', '--format', 'markdown']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('**Verdict: READY WITH WARNINGS**');
    expect(r.stdout).toContain('`TARGET_NOT_PUBLIC`');
  });

  it('a name that does not resolve → unknown, exit 3, as a report (not a usage error)', async () => {
    const r = await cli(['check', 'no-such-pbx.invalid', '--format', 'json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as CheckReport;
    expect(report.verdict).toBe('unknown');
    expect(report.findings.map((f) => f.code)).toEqual(['DNS_FAILED']);
  });

  it('--output writes the HTML report atomically; stdout stays empty; secrets appear nowhere', async () => {
    const file = join(dir, 'report.html');
    const password = 'Sup3r-S3cret-pa55';
    const r = await cli(
      ['check', '127.0.0.1', '--allow-private', '--ports', String(https.port), '--no-icmp', '--format', 'html', '--output', file, '--log-level', 'debug', '--ssh-user', 'root', '--ssh-password-env', 'PBXREADY_TEST_PW'],
      { PBXREADY_TEST_PW: password },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const html = await readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('data-verdict="ready"');
    expect(html + r.stderr).not.toContain(password);
    expect(r.stderr).toContain('check starts');
  });
});
