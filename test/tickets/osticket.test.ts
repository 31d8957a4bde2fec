import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTicketFromReport, attachReportToTicket } from '../../checker/tickets/send.js';
import { startOsticket, type OsticketStandIn } from '../harness/helpdesk-osticket.js';
import { agentReport, checkReport } from './fixtures.js';
import { KEY, setupFor, sink } from './setup.js';

let desk: OsticketStandIn;
beforeAll(async () => {
  desk = await startOsticket(KEY);
});
afterAll(async () => desk.stop());

const env = () => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: desk.url });

describe('osTicket', () => {
  it('creates a ticket with the summary as an HTML data URL and both reports as data-URL attachments', async () => {
    const out = sink();
    const report = checkReport({ agent: agentReport({ emergency: true }) });
    const result = await createTicketFromReport(report, { requester: { email: 'pat@reseller.example', name: 'Pat Partner' } }, { setup: await setupFor({ provider: 'osticket' }, env()), print: out.write });
    expect(result.summary).toMatch(/^osTicket ticket #\d{6} created$/);
    // Suggested, but not applied without --emergency: the person decides.
    expect(out.text()).toContain('Emergency suggested: EMERGENCY_CRITERIA_MET');
    expect(out.text()).toContain('Not applied: pass --emergency');
    const req = desk.requests.at(-1)!;
    expect(req.headers['x-api-key']).toBe(KEY);
    expect(req.headers.authorization).toBeUndefined();
    const t = desk.accepted.at(-1)!;
    expect(t.number).toBe(result.ticket);
    expect(t.ticket).toMatchObject({ alert: true, autorespond: true, source: 'API', name: 'Pat Partner', email: 'pat@reseller.example', priority: 2 });
    expect(t.ticket.subject).not.toMatch(/EMERGENCY/);
    expect(t.message.contentType).toBe('text/html;charset=utf-8');
    expect(t.message.text).toContain('<li><b>Version:</b> 7.2.1</li>');
    expect(t.message.text).toContain('data-code="PORT_FILTERED"');
    expect(t.attachments.map((a) => [a.name, a.contentType])).toEqual([
      ['pbxready-check-pbx1.customer.example.json', 'application/json'],
      ['pbxready-check-pbx1.customer.example.html', 'text/html'],
    ]);
    expect(JSON.parse(t.attachments[0]!.data.toString('utf8')).agent.product.licence).toBe('LIC-123456');
  });

  it('refuses attach: the stock API cannot add to an existing ticket', async () => {
    const count = desk.requests.length;
    await expect(attachReportToTicket(checkReport(), 42, { setup: await setupFor({ provider: 'osticket' }, env()) })).rejects.toThrow(/^osTicket's API can only create tickets/);
    expect(desk.requests.length).toBe(count);
  });
});
