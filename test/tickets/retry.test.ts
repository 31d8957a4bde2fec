import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TicketDeliveryError } from '../../checker/tickets/http.js';
import { attachReportToTicket } from '../../checker/tickets/send.js';
import { decideRetry, parseRetryAfter, RETRY_DEFAULTS } from '../../checker/tickets/retry.js';
import { startFreshdesk, type FreshdeskStandIn } from '../harness/helpdesk-freshdesk.js';
import { startZendesk, type ZendeskStandIn } from '../harness/helpdesk-zendesk.js';
import { checkReport } from './fixtures.js';
import { KEY, setupFor, sink } from './setup.js';

let fd: FreshdeskStandIn;
let zd: ZendeskStandIn;
beforeAll(async () => {
  fd = await startFreshdesk(KEY, [42]);
  zd = await startZendesk('bot@reseller.example', KEY, [42]);
});
afterAll(async () => {
  await fd.stop();
  await zd.stop();
});

describe('retries against the desk', () => {
  it('waits out a 429 with Retry-After: 1 and then succeeds', async () => {
    const first = fd.requests.length;
    fd.failNext(429, { retryAfter: '1' });
    const log = sink();
    const result = await attachReportToTicket(checkReport(), 42, { setup: await setupFor({ provider: 'freshdesk' }, { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: fd.url }), log: log.write });
    expect(result.summary).toMatch(/^private note \d+ added/);
    const reqs = fd.requests.slice(first);
    expect(reqs.map((r) => r.status)).toEqual([429, 201]);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(990);
    expect(log.lines).toEqual(['Freshdesk answered 429 ({"message":"rate limited"}) to private note with 2 attachments on ticket 42; retrying in 1.0 s (Retry-After 1 s, attempt 2 of 4)']);
  });

  it('retries 5xx with backoff, then keeps an in-memory report on disk and says where', async () => {
    const first = zd.requests.length;
    zd.failNext(503, { times: 3 });
    const keepDir = mkdtempSync(join(tmpdir(), 'pbxready-keep-'));
    const log = sink();
    const setup = await setupFor({ provider: 'zendesk' }, { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: zd.url, PBXREADY_TICKET_EMAIL: 'bot@reseller.example' }, { attempts: 3 });
    const err = await attachReportToTicket(checkReport(), 42, { setup, keepDir, log: log.write }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketDeliveryError);
    const message = (err as Error).message;
    const m = /^Zendesk answered 503 \(\{"error":"service unavailable"\}\) to upload pbxready-check-pbx1\.customer\.example\.json; gave up after 3 attempt\(s\); the report is kept at (\S+)\.json \(and \.html\)$/.exec(message);
    expect(m, message).not.toBeNull();
    expect(JSON.parse(readFileSync(`${m![1]}.json`, 'utf8')).target.host).toBe('pbx1.customer.example');
    expect(existsSync(`${m![1]}.html`)).toBe(true);
    expect(m![1]!.startsWith(keepDir)).toBe(true);
    expect(zd.requests.slice(first).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(log.lines).toHaveLength(2);
    // 20 ms base, doubled, with at most 25% jitter.
    const waits = log.lines.map((l) => Number(/retrying in (\d+) ms \(backoff, attempt \d of 3\)$/.exec(l)?.[1]));
    expect(waits[0]).toBeGreaterThanOrEqual(20);
    expect(waits[0]).toBeLessThanOrEqual(25);
    expect(waits[1]).toBeGreaterThanOrEqual(40);
    expect(waits[1]).toBeLessThanOrEqual(50);
  });

  it('retries a desk that cannot be reached, then names the report file it was given', async () => {
    const setup = await setupFor({ provider: 'freshdesk' }, { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: 'http://127.0.0.1:9' }, { attempts: 2 });
    const err = await attachReportToTicket(checkReport(), 42, { setup, reportPath: '/srv/reports/pbx1.json', log: () => {} }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('Freshdesk could not be reached for private note with 2 attachments on ticket 42: ECONNREFUSED; gave up after 2 attempt(s); the report stays at /srv/reports/pbx1.json');
  });

  it('does not repeat a request the desk may have received: a timeout is one attempt and says so', async () => {
    let received = 0;
    const hung = createServer((req) => {
      received++;
      req.resume(); // read it all, answer nothing
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
      const setup = await setupFor({ provider: 'freshdesk' }, { PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: url }, { attempts: 4, timeoutMs: 300 });
      const log = sink();
      const err = await attachReportToTicket(checkReport(), 42, { setup, reportPath: '/srv/reports/pbx1.json', log: log.write }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        'Freshdesk gave no answer to private note with 2 attachments on ticket 42: no answer within 300 ms; not retried, because it may have arrived (look at the ticket before sending again); the report stays at /srv/reports/pbx1.json',
      );
      expect(received).toBe(1);
      expect(log.lines).toEqual([]);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });
});

describe('retry decisions', () => {
  const policy = { ...RETRY_DEFAULTS, baseDelayMs: 1000, attempts: 4, maxDelayMs: 60_000 };
  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
    expect(parseRetryAfter(undefined, 0)).toBeNull();
  });
  it('backs off exponentially with bounded jitter, honours Retry-After, and stops', () => {
    expect(decideRetry(1, null, policy, 0, () => 0)).toEqual({ retry: true, delayMs: 1000, why: 'backoff' });
    expect(decideRetry(3, null, policy, 0, () => 1)).toEqual({ retry: true, delayMs: 5000, why: 'backoff' });
    expect(decideRetry(2, '3', policy, 0, () => 1)).toEqual({ retry: true, delayMs: 3000, why: 'Retry-After 3 s' });
    expect(decideRetry(4, '1', policy, 0)).toEqual({ retry: false, why: 'gave up after 4 attempt(s)' });
    expect(decideRetry(1, '3600', policy, 0)).toEqual({ retry: false, why: 'the desk asks to wait 3600 s, more than the 60 s limit' });
  });
});
