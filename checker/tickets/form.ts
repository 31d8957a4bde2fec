// What a new ticket says, decided from the report and the user's choices: the fields Bicom's
// Freshdesk form asks for (requester, subject, issue type, product, version, edition, licence,
// description) in a provider-neutral shape each provider's builder maps onto its own API.

import { UsageError } from '../../shared/errors.js';
import { oneOf } from '../../shared/cli/flags.js';
import { VERDICT_LABEL } from '../../shared/render/document.js';
import { sortFindings } from '../../shared/verdict.js';
import { emergencySubject, emergencySuggestion, type EmergencySuggestion } from './emergency.js';
import { productFields, reportHost, type ProductFields, type TicketReport } from './report.js';

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
  fields: ProductFields;
}

export interface FormChoices {
  requester: Requester | undefined;
  subject?: string;
  issueType?: IssueTypeKey;
  priority?: Priority;
  /** The user asks for an Emergency ticket (the suggestion alone never makes one). */
  emergency?: boolean;
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

export function defaultSubject(r: TicketReport): string {
  const codes = [...new Set(sortFindings(r.findings).filter((f) => f.severity !== 'info').map((f) => f.code))];
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
  const subject = choices.subject?.trim() || defaultSubject(r);
  return {
    form: {
      requester: choices.requester,
      subject: emergency ? emergencySubject(subject) : subject,
      issueType: choices.issueType ?? 'technical',
      priority: emergency ? 'urgent' : choices.priority ?? (choices.issueType === 'escalation' ? 'high' : 'medium'),
      emergency,
      fields: productFields(r),
    },
    suggestion,
    notes,
  };
}
