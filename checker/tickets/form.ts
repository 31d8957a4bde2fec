// What a new ticket says, decided from the report and the user's choices: the fields Bicom's
// Freshdesk form asks for (requester, subject, issue type, product, version, edition, licence,
// description) in a provider-neutral shape each provider's builder maps onto its own API.

import { UsageError } from '../../shared/errors.js';
import { oneOf } from '../../shared/cli/flags.js';
import { VERDICT_LABEL } from '../../shared/render/document.js';
import { sortFindings } from '../../shared/verdict.js';
import { emergencySubject, emergencySuggestion, type EmergencySuggestion } from './emergency.js';
import { allFindings, productFields, reportHost, type ProductFields, type TicketReport } from './report.js';
import { ticketIdOf } from './request.js';

export const ISSUE_TYPES = { technical: 'Technical Issue', escalation: 'Escalation', feedback: 'Feedback' } as const;
export type IssueTypeKey = keyof typeof ISSUE_TYPES;

export const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface Requester {
  email: string;
  name?: string;
}

export interface TicketForm {
  requester: Requester;
  subject: string;
  issueType: IssueTypeKey;
  priority: Priority;
  emergency: boolean;
  /** The ticket an escalation escalates (the vendor asks for its number). */
  escalates?: string;
  fields: ProductFields;
  /** What limits the vendor's support for this installation (Issabel's version, its Call Center module), label → the finding's words. */
  supportLimits: Array<[string, string]>;
}

export interface FormChoices {
  requester: Requester | undefined;
  subject?: string;
  issueType?: IssueTypeKey;
  priority?: Priority;
  /** The user asks for an Emergency ticket (the suggestion alone never makes one). */
  emergency?: boolean;
  /** --escalates TICKET: required for, and only allowed with, an escalation. */
  escalates?: string;
}

export interface FormDecision {
  form: TicketForm;
  suggestion: EmergencySuggestion;
  /** Lines for the person running the command: why Emergency is (not) suggested, what was applied. */
  notes: string[];
}

const ISSUE_TYPE_KEYS = Object.keys(ISSUE_TYPES) as IssueTypeKey[];

export function parseIssueType(value: string): IssueTypeKey {
  const key = value.toLowerCase().replace(/[\s_-]+issue$/, '').replace(/[\s_-]+/g, '');
  return oneOf(key, ISSUE_TYPE_KEYS, '--issue-type');
}

export function parsePriority(value: string): Priority {
  return oneOf(value, PRIORITIES, '--priority');
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The words that make a ticket an Emergency for the vendor, wherever they stand in the subject. */
const EMERGENCY_WORDS = /URGENT|EMERGENCY/i;

/**
 * Host, verdict and the main finding codes. Without `emergency`, codes that carry an emergency
 * word (EMERGENCY_CRITERIA_MET) stay out: a filter reading the subject must not take a regular
 * ticket for an Emergency. The body still lists every finding.
 */
export function defaultSubject(r: TicketReport, options: { emergency?: boolean } = {}): string {
  const codes = [...new Set(sortFindings(r.findings).filter((f) => f.severity !== 'info').map((f) => f.code))].filter((c) => options.emergency === true || !EMERGENCY_WORDS.test(c));
  const shown = codes.slice(0, 3).join(', ') + (codes.length > 3 ? ` (+${codes.length - 3})` : '');
  return `${reportHost(r)}: ${VERDICT_LABEL[r.verdict]}${shown ? ` — ${shown}` : ''} (pbxready ${r.kind})`;
}

export function decideForm(r: TicketReport, choices: FormChoices): FormDecision {
  if (!choices.requester?.email) throw new UsageError('ticket create needs the requester: --requester EMAIL (or "requester" in the config file)');
  if (!EMAIL.test(choices.requester.email)) throw new UsageError(`requester "${choices.requester.email}" is not an email address`);
  const suggestion = emergencySuggestion(r);
  const notes: string[] = [];
  const emergency = choices.emergency === true;
  if (suggestion.suggested) {
    notes.push(`Emergency suggested: ${suggestion.reason}.`);
    notes.push(emergency ? 'Opening it as an Emergency (EMERGENCY in the subject, priority urgent).' : 'Not applied: pass --emergency to open it as an Emergency (EMERGENCY in the subject, priority urgent).');
  } else {
    notes.push(`Emergency not suggested: ${suggestion.reason}.`);
    if (emergency) notes.push('Opening it as an Emergency anyway, as asked: the report does not back it, and the vendor may charge for an emergency that is not one.');
  }
  const issueType = choices.issueType ?? 'technical';
  const escalates = escalationOf(issueType, choices.escalates);
  const given = choices.subject?.trim();
  if (given && !emergency && EMERGENCY_WORDS.test(given)) {
    throw new UsageError(`--subject "${given}" holds URGENT or EMERGENCY, which makes it an Emergency for the vendor: pass --emergency, or word it otherwise`);
  }
  let subject = given || defaultSubject(r, { emergency });
  if (escalates) subject = `Escalation of ticket #${escalates}: ${subject}`;
  const form: TicketForm = {
    requester: choices.requester,
    subject: emergency ? emergencySubject(subject) : subject,
    issueType,
    priority: emergency ? 'urgent' : choices.priority ?? (issueType === 'escalation' ? 'high' : 'medium'),
    emergency,
    fields: productFields(r),
    supportLimits: supportLimits(r),
  };
  if (escalates) form.escalates = escalates;
  return { form, suggestion, notes };
}

/** The findings that say the vendor's support is limited here, for the form's facts. */
const SUPPORT_LIMIT_LABELS: Readonly<Record<string, string>> = { ISSABEL_VERSION_LIMITED: 'Support level', ISSABEL_CALLCENTER_EOL: 'Call Center module' };

export function supportLimits(r: TicketReport): Array<[string, string]> {
  return allFindings(r).flatMap((f) => (SUPPORT_LIMIT_LABELS[f.code] ? [[SUPPORT_LIMIT_LABELS[f.code]!, f.message] as [string, string]] : []));
}

/** The vendor asks an escalation for the number of the ticket it escalates; nothing else takes one. */
export function escalationOf(issueType: IssueTypeKey, escalates: string | undefined): string | undefined {
  if (issueType !== 'escalation') {
    if (escalates !== undefined) throw new UsageError(`--escalates goes with --issue-type escalation (this is ${ISSUE_TYPES[issueType]})`);
    return undefined;
  }
  if (escalates === undefined || escalates.trim() === '') throw new UsageError('an escalation needs --escalates TICKET: the number of the ticket it escalates (the vendor asks for it)');
  return ticketIdOf(escalates.trim().replace(/^#/, ''), '--escalates');
}
