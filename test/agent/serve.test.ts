// pbxready-agent serve: a real HTTP and HTTPS server, a bearer token compared in constant time.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authorized } from '../../agent/report-server.js';
import { createHash } from 'node:crypto';
import { startListening, type Listening } from '../harness/cli.js';
import { ASTERISK, CLI, cleanupRoots, fixtureRoot } from './helpers.js';

const TOKEN = 'serve-token-Fixture-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'pbxready-serve-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });

type Served = Listening & { url: string };

async function serve(extra: string[], asterisk = ASTERISK.pjsip20): Promise<Served> {
  const s = await startListening(CLI, ['serve', '--listen', '127.0.0.1:0', '--token-file', tokenFile, '--log-level', 'trace', '--root', fixtureRoot('pbxware'), '--asterisk-cmd', asterisk, '--db-host', '127.0.0.1', '--db-port', '1', ...extra], /serving (\S+)/, { timeoutMs: 20_000 });
  return { ...s, url: s.address };
}

async function stop(s: Served | undefined): Promise<void> {
  await s?.stop();
}

afterAll(() => {
  cleanupRoots();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTTP', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve([]);
  });
  afterAll(() => stop(s));

  test('listens on loopback', () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/report$/);
  });

  test('401 without a token, with a wrong one, with one of another length', async () => {
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-wrong-token-wrong-12' }, { authorization: 'Bearer x' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await fetch(s.url, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.text()).not.toContain('"kind"');
    }
  });

  test('200 and the JSON report with the right token; other paths and methods refused', async () => {
    const ok = await fetch(s.url, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('application/json');
    const body = await ok.text();
    expect(JSON.parse(body)).toMatchObject({ kind: 'agent', product: { name: 'pbxware' } });
    expect(body).not.toContain(TOKEN);
    const other = await fetch(s.url.replace('/report', '/etc/passwd'), { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(other.status).toBe(404);
    const post = await fetch(s.url, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(post.status).toBe(405);
    const text = await fetch(`${s.url}?format=text`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(await text.text()).toContain('pbxready-agent report');
  });

  test('the token is never logged', () => {
    expect(s.output()).toContain('"status":401');
    expect(s.output()).toContain('"status":200');
    expect(s.output()).not.toContain(TOKEN);
  });
});

describe('HEAD /report without the right token', () => {
  // The Asterisk stand-in, wrapped to count its calls: every report asks Asterisk, so an empty
  // count means no collection ran.
  const calls = join(dir, 'asterisk-calls');
  const counting = join(dir, 'counting-asterisk');
  let s: Served;
  beforeAll(async () => {
    writeFileSync(calls, '');
    writeFileSync(counting, `#!/bin/sh\necho "$*" >> '${calls}'\nexec '${ASTERISK.pjsip20}' "$@"\n`, { mode: 0o755 });
    s = await serve([], counting);
  });
  afterAll(() => stop(s));
  const asteriskCalls = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean);

  test('is refused (401, no body) and collects nothing', async () => {
    const before = asteriskCalls();
    for (const headers of [{} as Record<string, string>, { authorization: 'Bearer wrong-token-wrong-token-wrong-12' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await fetch(s.url, { method: 'HEAD', headers });
      expect(res.status, JSON.stringify(headers)).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
      expect(await res.text()).toBe('');
    }
    expect(s.output()).toContain('"method":"HEAD"');
    expect(asteriskCalls()).toEqual(before);
  });

  test('with the token, HEAD is answered (200, no body) and does collect: the count above can see a collection', async () => {
    const before = asteriskCalls().length;
    const res = await fetch(s.url, { method: 'HEAD', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(await res.text()).toBe('');
    expect(asteriskCalls().length).toBeGreaterThan(before);
  });
});

test('HTTPS with a generated certificate', async () => {
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048, days: 2 } as never);
  writeFileSync(join(dir, 'cert.pem'), pems.cert);
  writeFileSync(join(dir, 'key.pem'), pems.private, { mode: 0o600 });
  const s = await serve(['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')]);
  try {
    expect(s.url).toMatch(/^https:/);
    const get = (auth?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpsRequest(s.url, { ca: pems.cert, servername: 'localhost', checkServerIdentity: () => undefined, headers: auth ? { authorization: auth } : {} }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.once('error', reject);
        req.end();
      });
    expect((await get()).status).toBe(401);
    const ok = await get(`Bearer ${TOKEN}`);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).kind).toBe('agent');
  } finally {
    await stop(s);
  }
});

test('authorized(): only "Bearer <the token>" passes', () => {
  const expected = createHash('sha256').update(TOKEN).digest();
  expect(authorized(`Bearer ${TOKEN}`, expected)).toBe(true);
  expect(authorized(`bearer ${TOKEN}`, expected)).toBe(true);
  expect(authorized(undefined, expected)).toBe(false);
  expect(authorized('Bearer ', expected)).toBe(false);
  expect(authorized(`Bearer ${TOKEN}x`, expected)).toBe(false);
  expect(authorized(TOKEN, expected)).toBe(false);
});
