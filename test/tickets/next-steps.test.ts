// What happens next, by the vendor's terms in shared/profiles.ts, at injected moments: Bicom's
// business hours in CET and CEST (Intl, Europe/Zagreb), the early-morning gap, the weekend rule, the
// Sunday–Monday overnight window, the emergency rule and what may be charged; Issabel's hours in
// Mexico City time. Pure: no clock but the one passed in.

import { describe, expect, it } from 'vitest';
import { nextStepsFor, supportMoment, weekMinute, whatHappensNext } from '../../checker/tickets/next-steps.js';
import { parseTicketReport } from '../../checker/tickets/report.js';
import { SUPPORT_TERMS } from '../../shared/profiles.js';
import { agentReport, checkReport } from './fixtures.js';

const bicom = SUPPORT_TERMS.pbxware;
const at = (iso: string) => new Date(iso);
const regular = { emergency: false, backedByEvidence: false };

describe('supportMoment: where an instant falls in the vendor\'s week', () => {
  it.each([
    // [UTC instant, local time, in a window, weekend, opens again]
    ['2026-01-13T09:00:00Z', 'Tuesday 10:00 CET', 'Tuesday 7 AM – 6 AM CET next day', false, null],
    // Thursday's window ends Friday 06:00; Friday's starts at 07:00.
    ['2026-01-16T05:30:00Z', 'Friday 06:30 CET', null, false, 'Friday 07:00 CET'],
    ['2026-01-16T22:30:00Z', 'Friday 23:30 CET', null, true, 'Sunday 23:00 CET'],
    ['2026-01-17T11:00:00Z', 'Saturday 12:00 CET', null, true, 'Sunday 23:00 CET'],
    ['2026-01-18T22:30:00Z', 'Sunday 23:30 CET', 'Sunday–Monday overnight (the Americas/Australia)', false, null],
    ['2026-01-12T05:30:00Z', 'Monday 06:30 CET', 'Sunday–Monday overnight (the Americas/Australia)', false, null],
    // Summer: 05:30 UTC is 07:30 CEST, inside Monday's window (in winter it would be 06:30).
    ['2026-07-06T05:30:00Z', 'Monday 07:30 CEST', 'Monday 7 AM – 6 AM CET next day', false, null],
  ] as const)('%s → %s', (iso, local, window, weekend, opensAt) => {
    const m = supportMoment(bicom, at(iso));
    expect(m.localTime).toBe(local);
    expect(m.window).toBe(window);
    expect(m.weekend).toBe(weekend);
    expect(m.opensAt).toBe(opensAt);
  });

  it('the week table reads as minutes from Monday 00:00, and refuses what is not "Day HH:MM"', () => {
    expect(weekMinute('Mon 07:00')).toBe(420);
    expect(weekMinute('Sun 23:00')).toBe(6 * 1440 + 1380);
    expect(() => weekMinute('Monday 7' as never)).toThrow('support hours: "Monday 7" is not "Day HH:MM"');
  });
});

describe('whatHappensNext: the closing lines of a ticket', () => {
  it('in business hours: a reply within 24 hours on business days, nothing about charges', () => {
    expect(whatHappensNext(bicom, at('2026-01-13T09:00:00Z'), regular)).toEqual([
      "Now (Tuesday 10:00 CET) is within Bicom Systems' business hours (Tuesday 7 AM – 6 AM CET next day): Bicom Systems replies within 24 hours on business days.",
    ]);
  });

  it('in the early-morning gap: when hours start again, and that out-of-hours work is charged', () => {
    expect(whatHappensNext(bicom, at('2026-01-16T05:30:00Z'), regular)).toEqual([
      "Now (Friday 06:30 CET) is outside Bicom Systems' business hours; they start again Friday 07:00 CET (in 30 min), and Bicom Systems replies within 24 hours on business days. Work outside office hours is charged.",
    ]);
  });

  it('at the weekend, a regular ticket waits; weekend work is charged', () => {
    const lines = whatHappensNext(bicom, at('2026-01-17T11:00:00Z'), regular);
    expect(lines[0]).toBe(
      'Now (Saturday 12:00 CET) is the weekend for Bicom Systems: an on-call engineer answers EMERGENCY and URGENT tickets within 1 hour; other work at weekends is charged at weekend rates with a half-day minimum. Business hours start again Sunday 23:00 CET (in 35 h).',
    );
    expect(lines[1]).toBe('As a regular ticket it waits for business hours (Sunday 23:00 CET); work on it at the weekend would be charged at weekend rates.');
    expect(lines).toHaveLength(2);
  });

  it('an Emergency backed by the report: the on-call engineer within 1 hour at the weekend', () => {
    const lines = whatHappensNext(bicom, at('2026-01-17T11:00:00Z'), { emergency: true, backedByEvidence: true });
    expect(lines[1]).toBe(
      "This ticket is an Emergency, and the report's evidence meets the vendor's criteria (system down, 50% of calls or more unable to pass, or SIPProt down on a weekend). At the weekend an on-call engineer answers EMERGENCY and URGENT tickets within 1 hour.",
    );
  });

  it('an Emergency the report does not back: it may be charged', () => {
    const lines = whatHappensNext(bicom, at('2026-01-13T09:00:00Z'), { emergency: true, backedByEvidence: false });
    expect(lines[1]).toBe(
      "This ticket is marked as an Emergency, but the report does not show the vendor's criteria (system down, 50% of calls or more unable to pass, or SIPProt down on a weekend): an emergency raised for a non-emergency (or caused by a man-made error) may be charged.",
    );
  });

  it('evidence for an Emergency on a regular ticket: said, not applied', () => {
    expect(whatHappensNext(bicom, at('2026-01-13T09:00:00Z'), { emergency: false, backedByEvidence: true })[1]).toBe(
      "The report meets the vendor's emergency criteria (system down, 50% of calls or more unable to pass, or SIPProt down on a weekend), but this ticket is not an Emergency: it is answered as a regular ticket.",
    );
  });

  it("Issabel: Monday to Friday 9–6 Mexico City time, a dearer 24/7 plan outside, and its support-level note", () => {
    const lines = whatHappensNext(SUPPORT_TERMS.issabel, at('2026-01-14T16:00:00Z'), regular);
    expect(lines[0]).toBe('Now (Wednesday 10:00 CST) is within Issabel\'s business hours (Monday to Friday, 9 AM – 6 PM Mexico City time): Issabel answers through its help desk, notifying by e-mail, from the support hours bought.');
    expect(lines.at(-1)).toBe("Issabel's level of support depends on the installed version (older versions get limited support), and its Call Center module is at end of life.");
    expect(whatHappensNext(SUPPORT_TERMS.issabel, at('2026-01-13T09:00:00Z'), regular)[0]).toBe(
      "Now (Tuesday 03:00 CST) is outside Issabel's business hours; they start again Tuesday 09:00 CST (in 6 h), and Issabel answers through its help desk, notifying by e-mail, from the support hours bought. Outside them only the 24/7 on-demand plan answers, at a higher hourly rate (US$150 instead of US$100).",
    );
  });

  it('from a report: its product picks the terms, its evidence the emergency line', () => {
    const report = parseTicketReport(JSON.stringify(checkReport({ agent: agentReport({ emergency: true }) })), 'r.json');
    const lines = nextStepsFor(report, false, at('2026-01-13T09:00:00Z'));
    expect(lines[0]).toContain("Bicom Systems' business hours");
    expect(lines[1]).toContain("The report meets the vendor's emergency criteria");
  });
});
