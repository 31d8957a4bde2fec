// The pure half: reading reports, the Emergency rule, the form, the request descriptions.

import { describe, expect, it } from 'vitest';
import { finding } from '../../shared/findings.js';
import { secrets } from '../../shared/redact.js';
import { ticketContent } from '../../checker/tickets/content.js';
import { emergencySubject, emergencySuggestion } from '../../checker/tickets/emergency.js';
import { decideForm, parseIssueType, parsePriority } from '../../checker/tickets/form.js';
import { freshdeskCreateRequest } from '../../checker/tickets/freshdesk.js';
import { osticketCreateRequest } from '../../checker/tickets/osticket.js';
import { parseTicketReport, productFields } from '../../checker/tickets/report.js';
import { describeRequest } from '../../checker/tickets/request.js';
import { renderForTicket } from '../../checker/tickets/summary.js';
import { agentReport, checkReport, precheckReport } from './fixtures.js';

const parse = (v: unknown) => parseTicketReport(JSON.stringify(v), 'r.json');

describe('reading a report', () => {
  it('names what is wrong with a file that is not a report', () => {
    expect(() => parseTicketReport('{', 'r.json')).toThrow(/^r\.json is not JSON \(.*\); pass a report made with --format json$/);
    expect(() => parse([1])).toThrow('r.json is not a pbxready report (expected a JSON object)');
    expect(() => parse({ kind: 'check', verdict: 'great', findings: [] })).toThrow('r.json is not a pbxready report (no valid "verdict")');
    expect(() => parse({ kind: 'check', verdict: 'ready', findings: [{}] })).toThrow('r.json is not a pbxready report: findings[0].code is not a finding code (A–Z, 0–9, _)');
    expect(() => parse({ kind: 'check', verdict: 'ready', findings: [] })).toThrow('r.json: a check report needs "target" and "ports"');
  });

  it('takes product, version, edition and licence from the agent, the product alone from the check', () => {
    expect(productFields(checkReport())).toEqual({ product: 'PBXware', version: null, edition: null, licence: null });
    expect(productFields(checkReport({ agent: agentReport({ emergency: false }) }))).toEqual({ product: 'PBXware', version: '7.2.1', edition: 'Multi-Tenant', licence: 'LIC-123456' });
  });

  it('renders each known kind with its own document: check with both views, agent, precheck', () => {
    const joint = renderForTicket(checkReport({ agent: agentReport({ emergency: false }) })).markdown;
    expect(joint).toContain('### Both views: outside × inside');
    const agent = renderForTicket(agentReport({ emergency: true })).markdown;
    expect(agent).toContain('`EMERGENCY_CRITERIA_MET`');
    expect(agent).toContain('pbx1.customer.example');
    const pre = renderForTicket(parse(precheckReport())).markdown;
    expect(pre).toContain('## pbxready precheck — pbx1.customer.example');
    expect(pre).toContain('- 1. Open TCP 2020 to the vendor');
  });

  it('summarises a kind it does not know, or a report its document cannot read, from its verdict, findings and items', () => {
    const precheck = parse({
      kind: 'precheck',
      verdict: 'not-ready',
      summary: 'No-go: free space is short of the CDR table.',
      target: { host: 'pbx2.example' },
      check: { kind: 'check', agent: agentReport({ emergency: false }) },
      items: [{ id: 'disk-space', title: 'Free space vs CDR size', status: 'fail', evidence: '2 GiB free, 9 GiB needed', action: 'Free space on /var' }],
      actions: ['Free space on /var'],
      findings: [finding('UPGRADE_SPACE_INSUFFICIENT', { mount: '/var', avail: '2 GiB', needed: '9 GiB' })],
    });
    const { markdown } = renderForTicket(precheck);
    expect(markdown).toContain('## pbxready upgrade pre-check — pbx2.example');
    expect(markdown).toContain('**Verdict: NOT READY** — No-go: free space is short of the CDR table.');
    expect(markdown).toContain('- **Product:** PBXware 7.2.1 Multi-Tenant');
    expect(markdown).toContain('| Free space vs CDR size | fail | 2 GiB free, 9 GiB needed | Free space on /var |');
    expect(markdown).toContain('`UPGRADE_SPACE_INSUFFICIENT`');
  });

  it('redacts registered secrets from the summary and the attachments', () => {
    secrets.add('hunter2-db-password');
    const r = checkReport();
    r.findings[0]!.message = 'password hunter2-db-password leaked';
    const content = ticketContent(r);
    const all = [content.markdown, content.htmlFragment, ...content.attachments.map((a) => new TextDecoder().decode(a.data))].join('\n');
    expect(all).not.toContain('hunter2-db-password');
    expect(all).toContain('[redacted]');
  });
});

describe('the Emergency rule', () => {
  it('suggests only on EMERGENCY_CRITERIA_MET, wherever the agent view sits', () => {
    expect(emergencySuggestion(agentReport({ emergency: true })).suggested).toBe(true);
    expect(emergencySuggestion(checkReport({ agent: agentReport({ emergency: true }) })).suggested).toBe(true);
    expect(emergencySuggestion(checkReport())).toEqual({
      suggested: false,
      reason: 'the report has no agent facts, so whether calls can pass is unknown; an Emergency needs evidence (system down, 50% or more of calls unable to pass, SIPProt down on a weekend)',
    });
    const noCdr = agentReport({ emergency: false });
    noCdr.cdr = null;
    expect(emergencySuggestion(noCdr).reason).toBe('the agent could not read the last hour of CDRs, so the emergency criterion (50% or more of calls unable to pass) is not shown');
  });

  it('marks the subject once, the vendor\'s way', () => {
    expect(emergencySubject('pbx down')).toBe('EMERGENCY: pbx down');
    expect(emergencySubject('URGENT pbx down')).toBe('URGENT pbx down');
  });

  it('--emergency without evidence is applied but said to be unsupported', () => {
    const d = decideForm(checkReport(), { requester: { email: 'a@b.example' }, emergency: true });
    expect(d.form.subject).toMatch(/^EMERGENCY: /);
    expect(d.form.priority).toBe('urgent');
    expect(d.notes[1]).toBe('Opening it as an Emergency anyway, as asked: the report does not back it, and the vendor may charge for an emergency that is not one.');
  });
});

describe('the form and the requests', () => {
  it('parses issue types and priorities with precise errors', () => {
    expect(parseIssueType('Technical Issue')).toBe('technical');
    expect(parseIssueType('escalation')).toBe('escalation');
    expect(() => parseIssueType('bug')).toThrow('--issue-type "bug" is not one of: technical, escalation, feedback');
    expect(() => parsePriority('asap')).toThrow('--priority "asap" is not one of: low, medium, high, urgent');
    expect(() => decideForm(checkReport(), { requester: { email: 'nobody' } })).toThrow('requester "nobody" is not an email address');
  });

  it('sends custom fields only where configured and known; an empty map turns them off', () => {
    const r = checkReport({ agent: agentReport({ emergency: false }) });
    const { form } = decideForm(r, { requester: { email: 'a@b.example' } });
    const content = ticketContent(r);
    const issueTypes = { technical: 'Technical Issue', escalation: 'Escalation', feedback: 'Feedback' };
    const names = (req: ReturnType<typeof freshdeskCreateRequest>) => (req.body.kind === 'multipart' ? req.body.parts.map((p) => p.name) : []);
    expect(names(freshdeskCreateRequest(content, form, { customFields: { licence: 'cf_lic', issueType: 'cf_issue' }, issueTypes }))).toEqual([
      'email', 'subject', 'description', 'status', 'priority', 'type', 'custom_fields[cf_lic]', 'custom_fields[cf_issue]', 'attachments[]', 'attachments[]',
    ]);
    expect(names(freshdeskCreateRequest(content, form, { customFields: {}, issueTypes }))).not.toContain('custom_fields[cf_product]');
  });

  it('dry-run descriptions hold no key and shorten data URLs', () => {
    secrets.add('osticket-key-0123456789');
    const r = checkReport();
    const { form } = decideForm(r, { requester: { email: 'a@b.example' } });
    const text = describeRequest(osticketCreateRequest(ticketContent(r), form, { customFields: {}, issueTypes: { technical: 'Technical Issue', escalation: 'Escalation', feedback: 'Feedback' } }), 'https://desk.example/', 'X-API-Key');
    expect(text.split('\n').slice(0, 3)).toEqual(['POST https://desk.example/api/tickets.json    # new ticket', 'X-API-Key: [redacted]', 'Content-Type: application/json']);
    expect(text).toMatch(/"pbxready-check-pbx1\.customer\.example\.json": "data:application\/json;base64,… \(\d+ characters\)"/);
    expect(text).not.toContain('osticket-key-0123456789');
  });
});

describe("Issabel's support limits in the ticket form", () => {
  it('ISSABEL_VERSION_LIMITED and ISSABEL_CALLCENTER_EOL head the description as the form\'s facts; PBXware has none', () => {
    const base = agentReport({ emergency: false });
    const issabel = {
      ...base,
      product: { name: 'issabel' as const, version: '2.5.0-3', callCenter: { installed: true, evidence: 'rpm -q issabel-callcenter: 2.2.0-4' } },
      findings: [
        finding('ISSABEL_VERSION_LIMITED', { version: '2.5.0-3', current: 'Issabel 4.0' }),
        finding('ISSABEL_CALLCENTER_EOL', { evidence: 'rpm -q issabel-callcenter: 2.2.0-4' }),
      ],
    };
    const { form } = decideForm(parse(issabel), { requester: { email: 'a@b.example' } });
    expect(form.fields.product).toBe('Issabel');
    expect(form.supportLimits).toEqual([
      ['Support level', 'Issabel 2.5.0-3 is older than Issabel 4.0: Issabel gives older versions a limited level of support.'],
      ['Call Center module', "Issabel's Call Center module is installed (rpm -q issabel-callcenter: 2.2.0-4); it is at end of life, and support is limited on versions that include it."],
    ]);
    const req = freshdeskCreateRequest(ticketContent(parse(issabel)), form, { customFields: {}, issueTypes: { technical: 'Technical Issue', escalation: 'Escalation', feedback: 'Feedback' } });
    const description = req.body.kind === 'multipart' ? req.body.parts.find((p) => p.name === 'description') : undefined;
    expect(description && 'value' in description ? description.value : '').toContain('<li><b>Support level:</b> Issabel 2.5.0-3 is older than Issabel 4.0');
    expect(decideForm(checkReport({ agent: base }), { requester: { email: 'a@b.example' } }).form.supportLimits).toEqual([]);
  });

  it('a subject with an emergency word needs --emergency; the default subject leaves such codes out unless it is one', () => {
    const r = checkReport({ agent: agentReport({ emergency: true }) });
    expect(() => decideForm(r, { requester: { email: 'a@b.example' }, subject: 'urgent: trunk down' })).toThrow('--subject "urgent: trunk down" holds URGENT or EMERGENCY');
    r.findings.push(finding('EMERGENCY_CRITERIA_MET', { criterion: 'system down', evidence: 'Asterisk is not running' }));
    expect(decideForm(r, { requester: { email: 'a@b.example' } }).form.subject).not.toMatch(/URGENT|EMERGENCY/i);
    expect(decideForm(r, { requester: { email: 'a@b.example' }, emergency: true }).form.subject).toMatch(/^EMERGENCY: .*EMERGENCY_CRITERIA_MET/);
  });
});
