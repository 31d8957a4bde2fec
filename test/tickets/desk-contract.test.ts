// One contract, every help desk in the provider table (like gatus' store_test.go runs one suite
// over every store): the same scenarios — create, attach, retry on 429 and 5xx, an unreachable
// desk, a refused key, --dry-run, the attachment limit — against the Freshdesk, Zendesk and
// osTicket stand-ins, which validate requests as the real APIs document. What only one desk does
// (its field mapping, Zendesk's uploads, osTicket's data URLs) is in <desk>.test.ts.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentTooLargeError } from '../../checker/tickets/request.js';
import { TicketDeliveryError } from '../../checker/tickets/http.js';
import { PROVIDER_NAMES, PROVIDERS } from '../../checker/tickets/index.js';
import type { ProviderName, TicketOutcome } from '../../checker/tickets/provider.js';
import { attachReportToTicket, createTicketFromReport } from '../../checker/tickets/send.js';
import { UsageError } from '../../shared/errors.js';
import { startFreshdesk } from '../harness/helpdesk-freshdesk.js';
import type { HelpdeskServer } from '../harness/helpdesk-server.js';
import { startOsticket } from '../harness/helpdesk-osticket.js';
import { startZendesk } from '../harness/helpdesk-zendesk.js';
import { checkReport } from './fixtures.js';
import { KEY, setupFor, sink } from './setup.js';

const AGENT_EMAIL = 'bot@reseller.example';
const STEM = 'pbxready-check-pbx1.customer.example';

/** What the contract needs to know of a stand-in desk: how to start it and what it recorded. */
interface StandIn extends HelpdeskServer {
  /** Tickets and notes the desk accepted: the ticket they belong to and the files they carry. */
  records(): Array<{ kind: 'ticket' | 'note'; ticket: string; files: string[] }>;
}

interface DeskCase {
  start(): Promise<StandIn>;
  env(url: string): Record<string, string>;
  /** The auth header as the desk expects it for KEY. */
  auth: [name: string, value: string];
  /** What the desk answers a wrong key (its own error text). */
  refusal: string;
  /** The first request of `ticket create` and of `ticket attach 42` (null: the desk cannot attach). */
  firstCreate: string;
  firstAttach: string | null;
}

// Typed by ProviderName: a desk added to the provider table without a case here does not compile.
const DESKS: Record<ProviderName, DeskCase> = {
  freshdesk: {
    async start() {
      const d = await startFreshdesk(KEY, [42]);
      return Object.assign(d, { records: () => d.accepted.map((a) => ({ kind: a.kind === 'note' ? ('note' as const) : ('ticket' as const), ticket: String(a.ticketId), files: a.attachments.map((f) => f.name) })) });
    },
    env: (url) => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: url }),
    auth: ['authorization', `Basic ${Buffer.from(`${KEY}:X`).toString('base64')}`],
    refusal: '{"code":"invalid_credentials","message":"You have to be logged in to perform this action."}',
    firstCreate: 'new ticket',
    firstAttach: 'private note with 2 attachments on ticket 42',
  },
  zendesk: {
    async start() {
      const d = await startZendesk(AGENT_EMAIL, KEY, [42]);
      return Object.assign(d, { records: () => d.accepted.map((a) => ({ kind: a.kind === 'comment' ? ('note' as const) : ('ticket' as const), ticket: String(a.ticketId), files: a.uploads.map((u) => u.filename) })) });
    },
    env: (url) => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: url, PBXREADY_TICKET_EMAIL: AGENT_EMAIL }),
    auth: ['authorization', `Basic ${Buffer.from(`${AGENT_EMAIL}/token:${KEY}`).toString('base64')}`],
    refusal: '{"error":"Couldn\'t authenticate you"}',
    firstCreate: `upload ${STEM}.json`,
    firstAttach: `upload ${STEM}.json`,
  },
  osticket: {
    async start() {
      const d = await startOsticket(KEY);
      return Object.assign(d, { records: () => d.accepted.map((a) => ({ kind: 'ticket' as const, ticket: a.number, files: a.attachments.map((f) => f.name) })) });
    },
    env: (url) => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: url }),
    auth: ['x-api-key', KEY],
    refusal: 'API key not authorized',
    firstCreate: 'new ticket',
    firstAttach: null,
  },
};

it('the contract covers every desk in the provider table', () => {
  expect(Object.keys(DESKS).sort()).toEqual([...PROVIDER_NAMES].sort());
});

describe.each(PROVIDER_NAMES.map((name) => [PROVIDERS[name].title, name] as const))('%s', (title, name) => {
  const c = DESKS[name];
  let desk: StandIn;
  const keepDirs: string[] = [];
  beforeAll(async () => {
    desk = await c.start();
  });
  afterAll(async () => {
    await desk.stop();
    for (const d of keepDirs) rmSync(d, { recursive: true, force: true });
  });
  const setup = (env = c.env(desk.url), retry = {}) => setupFor({ provider: name }, env, retry);
  const keepDir = () => {
    const d = mkdtempSync(join(tmpdir(), `pbxready-keep-${process.pid}-`));
    keepDirs.push(d);
    return d;
  };
  /** The operation the retry scenarios exercise: attach where the desk can, else create. */
  const send = async (options: Omit<Parameters<typeof attachReportToTicket>[2], 'setup'> & { setup?: Awaited<ReturnType<typeof setup>> }): Promise<TicketOutcome> => {
    const s = options.setup ?? (await setup());
    return c.firstAttach
      ? attachReportToTicket(checkReport(), 42, { print: () => {}, ...options, setup: s })
      : createTicketFromReport(checkReport(), { requester: { email: 'pat@reseller.example' } }, { print: () => {}, ...options, setup: s });
  };
  const firstPurpose = c.firstAttach ?? c.firstCreate;

  it('create: opens one ticket carrying the JSON and the HTML report; the key only in the auth header', async () => {
    const before = desk.records().length;
    const first = desk.requests.length;
    const out = sink();
    const result = await createTicketFromReport(checkReport(), { requester: { email: 'pat@reseller.example', name: 'Pat' } }, { setup: await setup(), print: out.write });
    expect(result.provider).toBe(name);
    expect(result.summary).toContain(result.ticket);
    const added = desk.records().slice(before);
    expect(added).toEqual([{ kind: 'ticket', ticket: result.ticket, files: [`${STEM}.json`, `${STEM}.html`] }]);
    const reqs = desk.requests.slice(first);
    expect(reqs.length).toBeGreaterThan(0);
    for (const r of reqs) {
      expect(r.headers[c.auth[0]]).toBe(c.auth[1]);
      expect(r.body.toString('utf8')).not.toContain(KEY);
      expect(r.url).not.toContain(KEY);
    }
    expect(out.text()).toMatch(/^Emergency not suggested: /);
  });

  it(c.firstAttach ? 'attach: a private note on ticket 42 with both reports' : 'attach: refused before anything is sent (the API cannot add to a ticket)', async () => {
    const before = desk.records().length;
    const first = desk.requests.length;
    const attempt = attachReportToTicket(checkReport(), '42', { setup: await setup(), print: () => {} });
    if (!c.firstAttach) {
      await expect(attempt).rejects.toBeInstanceOf(UsageError);
      expect(desk.requests.length).toBe(first);
      return;
    }
    const result = await attempt;
    expect(result).toMatchObject({ provider: name, ticket: '42' });
    expect(result.summary).toMatch(/ 42 with 2 attachments$/);
    expect(desk.records().slice(before)).toEqual([{ kind: 'note', ticket: '42', files: [`${STEM}.json`, `${STEM}.html`] }]);
    expect(desk.requests[first]!.headers[c.auth[0]]).toBe(c.auth[1]);
  });

  it('waits out a 429 with Retry-After: 1, then succeeds', async () => {
    const first = desk.requests.length;
    desk.failNext(429, { retryAfter: '1' });
    const log = sink();
    const result = await send({ log: log.write });
    expect(result.provider).toBe(name);
    const reqs = desk.requests.slice(first);
    expect(reqs[0]!.status).toBe(429);
    expect(reqs.slice(1).every((r) => r.status! >= 200 && r.status! < 300)).toBe(true);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(990);
    expect(log.lines).toEqual([`${title} answered 429 ({"message":"rate limited"}) to ${firstPurpose}; retrying in 1.0 s (Retry-After 1 s, attempt 2 of 4)`]);
  });

  it('retries 5xx with backoff, then keeps an in-memory report on disk and says where', async () => {
    const first = desk.requests.length;
    desk.failNext(503, { times: 3 });
    const dir = keepDir();
    const log = sink();
    const err = await send({ setup: await setup(undefined, { attempts: 3 }), keepDir: dir, log: log.write }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketDeliveryError);
    const message = (err as Error).message;
    const m = new RegExp(`^${title} answered 503 \\(\\{"error":"service unavailable"\\}\\) to ${firstPurpose.replace(/\./g, '\\.')}; gave up after 3 attempt\\(s\\); the report is kept at (\\S+)\\.json \\(and \\.html\\)$`).exec(message);
    expect(m, message).not.toBeNull();
    expect(m![1]!.startsWith(dir)).toBe(true);
    expect(JSON.parse(readFileSync(`${m![1]}.json`, 'utf8')).target.host).toBe('pbx1.customer.example');
    expect(existsSync(`${m![1]}.html`)).toBe(true);
    expect(desk.requests.slice(first).map((r) => r.status)).toEqual([503, 503, 503]);
    // 20 ms base, doubled, with at most 25% jitter.
    expect(log.lines).toHaveLength(2);
    const waits = log.lines.map((l) => Number(/retrying in (\d+) ms \(backoff, attempt \d of 3\)$/.exec(l)?.[1]));
    expect(waits[0]).toBeGreaterThanOrEqual(20);
    expect(waits[0]).toBeLessThanOrEqual(25);
    expect(waits[1]).toBeGreaterThanOrEqual(40);
    expect(waits[1]).toBeLessThanOrEqual(50);
  });

  it('retries a desk that cannot be reached, then names the report file it was given', async () => {
    const s = await setup(c.env('http://127.0.0.1:9'), { attempts: 2 });
    const err = await send({ setup: s, reportPath: '/srv/reports/pbx1.json', log: () => {} }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(`${title} could not be reached for ${firstPurpose}: ECONNREFUSED; gave up after 2 attempt(s); the report stays at /srv/reports/pbx1.json`);
  });

  it('does not repeat a request the desk may have received: a timeout is one attempt and says so', async () => {
    let received = 0;
    const hung = createServer((req) => {
      received++;
      req.resume(); // read it all, answer nothing
    });
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    try {
      const s = await setup(c.env(`http://127.0.0.1:${(hung.address() as AddressInfo).port}`), { attempts: 4, timeoutMs: 300 });
      const log = sink();
      const err = await send({ setup: s, reportPath: '/srv/reports/pbx1.json', log: log.write }).catch((e: unknown) => e);
      expect((err as Error).message).toBe(
        `${title} gave no answer to ${firstPurpose}: no answer within 300 ms; not retried, because it may have arrived (look at the ticket before sending again); the report stays at /srv/reports/pbx1.json`,
      );
      expect(received).toBe(1);
      expect(log.lines).toEqual([]);
    } finally {
      hung.closeAllConnections();
      await new Promise((r) => hung.close(r));
    }
  });

  it('a wrong key is refused by the desk with its own error, not retried, and never shown', async () => {
    const first = desk.requests.length;
    const err = await send({ setup: await setup({ ...c.env(desk.url), PBXREADY_TICKET_KEY: 'wrong-key-123' }), reportPath: '/tmp/somewhere/report.json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TicketDeliveryError);
    expect((err as Error).message).toBe(`${title} answered 401 (${c.refusal}) to ${firstPurpose}; the report stays at /tmp/somewhere/report.json`);
    expect((err as Error).message).not.toContain('wrong-key-123');
    expect(desk.requests.length).toBe(first + 1);
  });

  it('--dry-run prints the requests with the key redacted and sends nothing', async () => {
    const first = desk.requests.length;
    const out = sink();
    const result = await send({ dryRun: true, print: out.write });
    expect(result.summary).toBe('dry run: nothing sent');
    expect(desk.requests.length).toBe(first);
    const text = out.text();
    expect(text).toContain(`# ${firstPurpose}`);
    expect(text).toContain(`${PROVIDERS[name].authHeaderName}: [redacted]`);
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(c.auth[1]);
  });

  it('refuses attachments over the limit before sending anything, and keeps the report', async () => {
    const first = desk.requests.length;
    const dir = keepDir();
    const s = { ...(await setup()), limit: { perFile: 1000, rule: 'a test limit' } };
    const err = await send({ setup: s, keepDir: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AttachmentTooLargeError);
    expect((err as Error).message).toMatch(new RegExp(`\\(a test limit\\); nothing was sent; the report is kept at ${dir}/${STEM}-[\\dT-]+Z\\.json \\(and \\.html\\)$`));
    expect(desk.requests.length).toBe(first);
  });
});
