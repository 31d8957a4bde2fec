// What happens next for a ticket at this moment, by the vendor's own terms (the SUPPORT_TERMS
// table in shared/profiles.ts): business hours or not, the weekend rule, the emergency rule, and
// what may be charged. Pure: the terms, the clock and the ticket's choices in, sentences out.

import { SUPPORT_TERMS, type SupportTerms, type Weekday, type WeekTime } from '../../shared/profiles.js';
import { emergencySuggestion } from './emergency.js';
import { reportProduct, type TicketReport } from './report.js';

const DAYS: readonly Weekday[] = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const DAY_NAME: Record<Weekday, string> = { Mon: 'Monday', Tue: 'Tuesday', Wed: 'Wednesday', Thu: 'Thursday', Fri: 'Friday', Sat: 'Saturday', Sun: 'Sunday' };
const DAY_MIN = 1440;
const WEEK_MIN = 7 * DAY_MIN;

/** Minutes since Monday 00:00 of a "Mon 07:00" table entry. */
export function weekMinute(t: WeekTime): number {
  const m = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (\d{1,2}):(\d{2})$/.exec(t);
  if (!m) throw new Error(`support hours: "${t}" is not "Day HH:MM"`);
  return DAYS.indexOf(m[1] as Weekday) * DAY_MIN + Number(m[2]) * 60 + Number(m[3]);
}

/** The vendor's local weekday and time for an instant (Intl knows CET/CEST from the zone's rules). */
export function localWeekMinute(now: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const day = DAYS.indexOf(get('weekday') as Weekday);
  if (day < 0) throw new Error(`support hours: no weekday for ${now.toISOString()} in ${timeZone}`);
  return day * DAY_MIN + Number(get('hour')) * 60 + Number(get('minute'));
}

/** The zone's short name at that instant: CET in winter, CEST in summer. */
function zoneName(terms: SupportTerms, at: Date): string {
  return new Intl.DateTimeFormat(terms.zoneNames, { timeZone: terms.timeZone, timeZoneName: 'short' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? terms.timeZone;
}

function showMinute(m: number, zone: string): string {
  const w = ((m % WEEK_MIN) + WEEK_MIN) % WEEK_MIN;
  const day = DAYS[Math.floor(w / DAY_MIN)]!;
  const hm = w % DAY_MIN;
  return `${DAY_NAME[day]} ${String(Math.floor(hm / 60)).padStart(2, '0')}:${String(hm % 60).padStart(2, '0')} ${zone}`;
}

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

function showSpan(minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

export interface SupportMoment {
  /** "Tuesday 10:15 CET" */
  localTime: string;
  /** The business-hours window the moment is in, or null. */
  window: string | null;
  /** Outside business hours with a weekend day before they open again. */
  weekend: boolean;
  /** When business hours start again (null when inside them, or when the vendor has none). */
  opensAt: string | null;
  opensIn: string | null;
}

export function supportMoment(terms: SupportTerms, now: Date): SupportMoment {
  const t = localWeekMinute(now, terms.timeZone);
  const localTime = showMinute(t, zoneName(terms, now));
  const windows = terms.businessHours.map((w) => ({ from: weekMinute(w.from), to: weekMinute(w.to), label: w.label }));
  const inside = windows.find((w) => (w.from <= w.to ? t >= w.from && t < w.to : t >= w.from || t < w.to));
  if (inside) return { localTime, window: inside.label, weekend: false, opensAt: null, opensIn: null };
  if (windows.length === 0) return { localTime, window: null, weekend: false, opensAt: null, opensIn: null };
  const wait = Math.min(...windows.map((w) => (((w.from - t) % WEEK_MIN) + WEEK_MIN) % WEEK_MIN));
  const weekendDays = new Set((terms.weekend?.days ?? []).map((d) => DAYS.indexOf(d)));
  let weekend = false;
  for (let m = 0; m < wait && !weekend; m += 30) weekend = weekendDays.has(Math.floor(((t + m) % WEEK_MIN) / DAY_MIN));
  return { localTime, window: null, weekend, opensAt: showMinute(t + wait, zoneName(terms, new Date(now.getTime() + wait * 60_000))), opensIn: showSpan(wait) };
}

export interface TicketSituation {
  /** The ticket goes in as an Emergency (the user passed --emergency). */
  emergency: boolean;
  /** The report's evidence meets the vendor's emergency criteria (EMERGENCY_CRITERIA_MET). */
  backedByEvidence: boolean;
}

/** The closing sentences of a ticket's summary: what the partner can expect, now. */
export function whatHappensNext(terms: SupportTerms, now: Date, ticket: TicketSituation): string[] {
  const lines: string[] = [];
  const at = supportMoment(terms, now);
  const reply = `${terms.vendor} ${terms.reply}`;
  const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  if (at.window) {
    lines.push(`Now (${at.localTime}) is within ${possessive(terms.vendor)} business hours (${at.window}): ${reply}.`);
  } else if (at.weekend && terms.weekend) {
    lines.push(`Now (${at.localTime}) is the weekend for ${terms.vendor}: ${terms.weekend.answers}; ${terms.weekend.otherWork}. Business hours start again ${at.opensAt} (in ${at.opensIn}).`);
  } else if (at.opensAt) {
    lines.push(`Now (${at.localTime}) is outside ${possessive(terms.vendor)} business hours; they start again ${at.opensAt} (in ${at.opensIn}), and ${reply}. ${capital(terms.outOfHours)}.`);
  } else {
    lines.push(`${capital(reply)}.`);
  }
  const criteria = terms.emergency ? ` (${terms.emergency.criteria})` : '';
  if (ticket.emergency) {
    const weekendAnswer = at.weekend && terms.weekend ? ` At the weekend ${terms.weekend.answers}.` : '';
    lines.push(
      ticket.backedByEvidence
        ? `This ticket is an Emergency, and the report's evidence meets the vendor's criteria${criteria}.${weekendAnswer}`
        : `This ticket is marked as an Emergency, but the report does not show the vendor's criteria${criteria}: ${terms.emergency?.falseAlarm ?? 'the vendor may charge for it'}.${weekendAnswer}`,
    );
  } else {
    if (ticket.backedByEvidence) lines.push(`The report meets the vendor's emergency criteria${criteria}, but this ticket is not an Emergency: it is answered as a regular ticket.`);
    if (at.weekend && terms.weekend && terms.emergency) lines.push(`As a regular ticket it waits for business hours (${at.opensAt}); work on it at the weekend would be charged at weekend rates.`);
  }
  if (terms.note) lines.push(`${terms.note}.`);
  return lines;
}

/** The vendor terms a report's ticket goes under: its product's, else PBXware's (the tool's default profile). */
export function supportTermsFor(r: TicketReport): SupportTerms {
  return SUPPORT_TERMS[reportProduct(r) ?? 'pbxware'];
}

/** What happens next for this report's ticket, now. */
export function nextStepsFor(r: TicketReport, emergency: boolean, now: Date): string[] {
  return whatHappensNext(supportTermsFor(r), now, { emergency, backedByEvidence: emergencySuggestion(r).suggested });
}
