// Freshdesk only: the note's HTML body, the form's custom fields, its 20 MB limit. What every desk
// does (retries, a refused key, --dry-run) is in desk-contract.test.ts.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachReportToTicket, createTicketFromReport } from '../../checker/tickets/send.js';
import { startFreshdesk, type FreshdeskStandIn } from '../harness/helpdesk-freshdesk.js';
import { agentReport, checkReport } from './fixtures.js';
import { KEY, setupFor, sink } from './setup.js';

let desk: FreshdeskStandIn;
beforeAll(async () => {
  desk = await startFreshdesk(KEY, [42]);
});
afterAll(async () => desk.stop());

const env = () => ({ PBXREADY_TICKET_KEY: KEY, PBXREADY_TICKET_URL: desk.url });

describe('Freshdesk', () => {
  it('attaches a check report as a private note with the JSON and the HTML report', async () => {
    const before = desk.accepted.length;
    const out = sink();
    const result = await attachReportToTicket(checkReport(), '42', { setup: await setupFor({ provider: 'freshdesk' }, env()), print: out.write });
    expect(result.summary).toMatch(/^private note \d+ added to Freshdesk ticket 42 with 2 attachments$/);
    const note = desk.accepted[before]!;
    expect(note.kind).toBe('note');
    expect(note.ticketId).toBe(42);
    expect(note.fields.private).toBe('true');
    // The body is the summary as HTML: headings and the finding, no <head>/<style>.
    expect(note.fields.body).toContain('<h1>pbxready check — pbx1.customer.example</h1>');
    expect(note.fields.body).toContain('data-code="PORT_FILTERED"');
    expect(note.fields.body).not.toMatch(/<style|<head|<!doctype/i);
    expect(note.attachments.map((a) => [a.name, a.contentType])).toEqual([
      ['pbxready-check-pbx1.customer.example.json', 'application/json'],
      ['pbxready-check-pbx1.customer.example.html', 'text/html'],
    ]);
    const json = JSON.parse(note.attachments[0]!.text);
    expect(json.kind).toBe('check');
    expect(json.findings[0].code).toBe('PORT_FILTERED');
    expect(note.attachments[1]!.text).toMatch(/^<!doctype html>/);
    // The recorded request carried the key only in the Authorization header, as basic auth key:X.
    const req = desk.requests.at(-1)!;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${KEY}:X`).toString('base64')}`);
    expect(req.body.toString('utf8')).not.toContain(KEY);
  });

  it('creates a ticket with the form prefilled and suggests (and on request applies) Emergency only with EMERGENCY_CRITERIA_MET', async () => {
    const out = sink();
    const report = checkReport({ agent: agentReport({ emergency: true }) });
    const result = await createTicketFromReport(report, { requester: { email: 'partner@reseller.example', name: 'Pat Partner' }, emergency: true }, { setup: await setupFor({ provider: 'freshdesk' }, env()), print: out.write });
    expect(out.text()).toContain('Emergency suggested: EMERGENCY_CRITERIA_MET: The vendor\'s emergency criterion "50% of calls or more unable to pass" is met: 26 of 40 calls in the last hour could not pass (65%)');
    expect(result.decision.suggestion.suggested).toBe(true);
    const t = desk.accepted.find((a) => a.kind === 'ticket' && String(a.ticketId) === result.ticket)!;
    expect(t.fields).toMatchObject({
      email: 'partner@reseller.example',
      name: 'Pat Partner',
      status: '2',
      priority: '4',
      type: 'Technical Issue',
      'custom_fields[cf_product]': 'PBXware',
      'custom_fields[cf_version]': '7.2.1',
      'custom_fields[cf_edition]': 'Multi-Tenant',
      'custom_fields[cf_licence_number]': 'LIC-123456',
    });
    expect(t.fields.subject).toMatch(/^EMERGENCY: pbx1\.customer\.example: NOT READY — /);
    expect(t.fields.description).toContain('<li><b>Licence number:</b> LIC-123456</li>');
    expect(t.fields.description).toContain('data-code="PORT_FILTERED"');
    expect(t.attachments).toHaveLength(2);
  });

  it('does not suggest Emergency without the criterion, and says why not', async () => {
    const out = sink();
    const report = checkReport({ agent: agentReport({ emergency: false }) });
    const result = await createTicketFromReport(report, { requester: { email: 'partner@reseller.example' }, issueType: 'escalation', escalates: '4711' }, { setup: await setupFor({ provider: 'freshdesk' }, env()), print: out.write });
    expect(out.text()).toContain("Emergency not suggested: 3 of 40 calls in the last hour could not pass (8%; NO ANSWER and BUSY calls did pass), below the vendor's emergency criterion of 50%; Asterisk runs.");
    const t = desk.accepted.find((a) => a.kind === 'ticket' && String(a.ticketId) === result.ticket)!;
    expect(t.fields.subject).not.toMatch(/EMERGENCY|URGENT/);
    // The vendor asks an escalation for the escalated ticket's number: subject and description.
    expect(t.fields.subject).toMatch(/^Escalation of ticket #4711: /);
    expect(t.fields.description).toContain('<li><b>Escalates ticket:</b> #4711</li>');
    expect(t.fields.type).toBe('Escalation');
    expect(t.fields.priority).toBe('3');
  });

  it('refuses attachments over 20 MB before sending anything, and says where the report is', async () => {
    const count = desk.requests.length;
    const keepDir = (await import('node:fs')).mkdtempSync('/tmp/pbxready-keep-');
    const err = await attachReportToTicket(checkReport({ bulk: 11_000_000 }), 42, { setup: await setupFor({ provider: 'freshdesk' }, env()), keepDir, print: () => {} }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/^attachments total .* over the limit of 19\.1 MiB \(Freshdesk allows 20 MB of attachments per ticket\); nothing was sent; the report is kept at \/tmp\/pbxready-keep-\w+\/pbxready-check-pbx1\.customer\.example-[\dT-]+Z\.json \(and \.html\)$/);
    expect(desk.requests.length).toBe(count);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(keepDir).sort()).toEqual(expect.arrayContaining([expect.stringMatching(/\.json$/), expect.stringMatching(/\.html$/)]));
  });
});
