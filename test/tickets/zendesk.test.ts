import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachReportToTicket, createTicketFromReport } from '../../checker/tickets/send.js';
import { startZendesk, type ZendeskStandIn } from '../harness/helpdesk-zendesk.js';
import { agentReport, checkReport } from './fixtures.js';
import { KEY, setupFor, sink } from './setup.js';

const AGENT_EMAIL = 'support-bot@reseller.example';
let desk: ZendeskStandIn;
beforeAll(async () => {
  desk = await startZendesk(AGENT_EMAIL, KEY, [42]);
});
afterAll(async () => desk.stop());

const env = () => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: desk.url, PBXREADY_TICKET_EMAIL: AGENT_EMAIL });

describe('Zendesk', () => {
  it('uploads both files, then adds a private comment naming their tokens', async () => {
    const first = desk.requests.length;
    const result = await attachReportToTicket(checkReport(), '42', { setup: await setupFor({ provider: 'zendesk' }, env()) });
    expect(result.summary).toBe('private comment added to Zendesk ticket 42 with 2 attachments');
    const reqs = desk.requests.slice(first);
    expect(reqs.map((r) => `${r.method} ${r.url} ${r.headers['content-type']}`)).toEqual([
      'POST /api/v2/uploads?filename=pbxready-check-pbx1.customer.example.json application/json',
      'POST /api/v2/uploads?filename=pbxready-check-pbx1.customer.example.html text/html',
      'PUT /api/v2/tickets/42 application/json',
    ]);
    for (const r of reqs) expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`${AGENT_EMAIL}/token:${KEY}`).toString('base64')}`);
    const comment = desk.accepted.at(-1)!;
    expect(comment.kind).toBe('comment');
    const c = comment.ticket.comment as { body: string; public: boolean; uploads: string[] };
    expect(c.public).toBe(false);
    expect(c.uploads).toEqual(desk.uploads.slice(-2).map((u) => u.token));
    expect(c.body).toMatch(/^## pbxready check — pbx1\.customer\.example\n\n\*\*Verdict: NOT READY\*\*/);
    expect(comment.uploads.map((u) => u.filename)).toEqual(['pbxready-check-pbx1.customer.example.json', 'pbxready-check-pbx1.customer.example.html']);
    expect(JSON.parse(comment.uploads[0]!.data.toString('utf8')).target.host).toBe('pbx1.customer.example');
  });

  it('creates a ticket with requester, priority, tags and the uploads; Emergency not applied without the criterion', async () => {
    const out = sink();
    const result = await createTicketFromReport(agentReport({ emergency: false }), { requester: { email: 'pat@reseller.example', name: 'Pat' } }, { setup: await setupFor({ provider: 'zendesk' }, env()), print: out.write });
    expect(out.text()).toMatch(/^Emergency not suggested: 3 of 40 calls in the last hour could not pass/);
    const t = desk.accepted.find((a) => a.kind === 'ticket' && String(a.ticketId) === result.ticket)!;
    expect(t.ticket).toMatchObject({ requester: { email: 'pat@reseller.example', name: 'Pat' }, priority: 'normal', type: 'problem', tags: ['pbxready', 'issue_type_technical'] });
    expect(t.ticket.subject).toBe('pbx1.customer.example: READY (pbxready agent)');
    expect((t.ticket.comment as { body: string }).body).toContain('- **Licence number:** LIC-123456');
    expect(t.uploads).toHaveLength(2);
  });

  it('needs the agent email for API-token auth', async () => {
    const { PBXREADY_TICKET_EMAIL: _, ...noEmail } = env();
    await expect(setupFor({ provider: 'zendesk' }, noEmail)).rejects.toThrow(/^Zendesk authenticates as an agent: set --email, PBXREADY_TICKET_EMAIL or "email" in the config file$/);
  });
});
