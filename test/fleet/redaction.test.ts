// Every fleet output passes the one redaction step (shared/redact.ts): the NDJSON stream, the
// dashboard, stderr, and what the history keeps — so `history` and `drift`, which run later in a
// process that never learned the secret, cannot show it either. The secret here is the drift
// webhook's URL path (Slack's token), registered by `scan --notify-webhook-env`; it is planted in
// the inventory's path and in an entry's name, customer and tags so that it reaches every output.

import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeNdjson } from '../../checker/scan/output.js';
import { REDACTED, secrets } from '../../shared/redact.js';
import { closedPort, startSilentServer, type TestServer } from '../harness/servers.js';
import { checkReport, port } from '../fixtures/reports.js';
import { REPO, requireBuild, runCli, tempDir, type CliResult } from './helpers.js';

const TOKEN = `T0A1B2/B3C4D5/Sekr1t${process.pid}x`;
const HOOK_PATH = `/services/${TOKEN}`;
const HOOK = `http://127.0.0.1:9${HOOK_PATH}`;

let dir: string;
let cleanup: () => Promise<void>;
let open: TestServer;
let closed: number;
let inv: string;
let db: string;
const outputs: Record<string, string> = {};

const scan = (format: string): Promise<CliResult> =>
  runCli(['scan', '--inventory', inv, '--probes', 'tcp', '--allow-private', '--format', format, '--db', db, '--timeout-ms', '1000', '--notify-webhook-env', 'HOOK'], { HOOK });

beforeAll(async () => {
  requireBuild();
  ({ dir, cleanup } = await tempDir());
  open = await startSilentServer();
  closed = await closedPort();
  // The inventory lives under a directory named like the token: its path is in every run record.
  const invDir = join(dir, ...HOOK_PATH.split('/').filter(Boolean));
  await mkdir(invDir, { recursive: true });
  inv = join(invDir, 'fleet.txt');
  db = join(dir, 'history.db');
  await writeFile(inv, `127.0.0.1 name=lo-open customer=acme ports=${open.port}\n`);
  const first = await scan('ndjson');
  expect(first.code, first.stderr).toBe(0);
  outputs['scan 1 stdout (ndjson)'] = first.stdout;
  outputs['scan 1 stderr'] = first.stderr;
  // The second run adds an entry carrying the token: drift (host_added) and the dashboard name it.
  await writeFile(inv, `127.0.0.1 name=lo-open customer=acme ports=${open.port}\n127.0.0.1 name=x${HOOK_PATH} customer=c${HOOK_PATH} tags=t${HOOK_PATH} ports=${closed}\n`);
  const second = await scan('html');
  expect(second.code, second.stderr).toBe(2);
  outputs['scan 2 stdout (dashboard)'] = second.stdout;
  outputs['scan 2 stderr (drift not delivered)'] = second.stderr;
  for (const [cmd, format] of [['history', 'text'], ['history', 'json'], ['drift', 'text'], ['drift', 'json']] as const) {
    const r = await runCli([cmd, '--db', db, '--format', format]);
    expect(r.code, r.stderr).toBe(0);
    outputs[`${cmd} --format ${format}`] = r.stdout + r.stderr;
  }
}, 120_000);

afterAll(async () => {
  await open?.stop();
  await cleanup?.();
});

describe('a registered secret never reaches a fleet output', () => {
  it('the planted secret did reach each output, redacted (so the test would see it)', () => {
    expect(outputs['scan 2 stdout (dashboard)']).toContain(`x${REDACTED}`);
    expect(outputs['scan 2 stderr (drift not delivered)']).toContain('drift not delivered');
    expect(outputs['history --format text']).toContain(REDACTED);
    expect(outputs['history --format json']).toContain(REDACTED);
    expect(outputs['drift --format text']).toContain(`x${REDACTED}: new in the inventory`);
    expect(JSON.parse(outputs['drift --format json']!).changes.map((c: { key: string }) => c.key)).toEqual([`c${REDACTED}/x${REDACTED}`]);
  });

  it.each(['scan 1 stdout (ndjson)', 'scan 1 stderr', 'scan 2 stdout (dashboard)', 'scan 2 stderr (drift not delivered)', 'history --format text', 'history --format json', 'drift --format text', 'drift --format json'])('%s', (name) => {
    expect(outputs[name]).toBeDefined();
    expect(outputs[name]).not.toContain(TOKEN);
  });

  it('the history database itself keeps no secret', async () => {
    expect((await readFile(db)).includes(Buffer.from(TOKEN))).toBe(false);
  });

  it('the NDJSON stream redacts each report', async () => {
    secrets.add(TOKEN);
    try {
      const report = checkReport([port(443, 'open', { reason: `banner ${TOKEN}` })]);
      let text = '';
      const out = new Writable({ write: (chunk: Buffer, _enc, done) => ((text += chunk.toString('utf8')), done()) });
      await writeNdjson(out, report);
      expect(text).toContain(`banner ${REDACTED}`);
      expect(text).not.toContain(TOKEN);
    } finally {
      secrets.clear();
    }
  });

  it('logs: messages and structured fields are scrubbed', () => {
    const script = `
      import { createLogger } from './dist/shared/cli/logger.js';
      import { secrets } from './dist/shared/redact.js';
      secrets.add(process.env.TOKEN);
      const log = createLogger('debug');
      log.info('connecting with ' + process.env.TOKEN);
      log.debug({ url: 'http://x' + process.env.TOKEN, nested: { reason: process.env.TOKEN } }, 'delivery');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO, env: { PATH: process.env.PATH ?? '', TOKEN }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.split('\n').filter(Boolean)).toHaveLength(2);
    expect(r.stderr).toContain(`connecting with ${REDACTED}`);
    expect(r.stderr).not.toContain(TOKEN);
  });
});
