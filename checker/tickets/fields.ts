// The form's product fields as help-desk custom fields. Each desk names them its own way
// (Freshdesk cf_* names, Zendesk numeric ids, osTicket form variable names): configurable.

import { htmlEscape } from '../../shared/render/html.js';
import { mdEscape } from '../../shared/render/markdown.js';
import { ISSUE_TYPES, type IssueTypeKey, type TicketForm } from './form.js';
import type { ProductFields } from './report.js';

export type FieldKey = keyof ProductFields | 'issueType';
export type FieldMap = Partial<Record<FieldKey, string | number | null>>;

export interface FormSettings {
  /** Custom field per form item; an item without a name is left to the description. */
  customFields: FieldMap;
  /** The desk's names for the issue types (Freshdesk's `type` must match a configured one). */
  issueTypes: Record<IssueTypeKey, string>;
}

const LABEL: Record<keyof ProductFields, string> = { product: 'Product', version: 'Version', edition: 'Edition', licence: 'Licence number' };

/** The known form values that have a configured custom field, in a stable order. */
export function customFieldValues(form: TicketForm, settings: FormSettings): Array<{ field: string | number; value: string }> {
  const out: Array<{ field: string | number; value: string }> = [];
  const values: Record<FieldKey, string | null> = { ...form.fields, issueType: settings.issueTypes[form.issueType] };
  for (const key of ['product', 'version', 'edition', 'licence', 'issueType'] as const) {
    const field = settings.customFields[key];
    const value = values[key];
    if (field !== undefined && field !== null && field !== '' && value) out.push({ field, value });
  }
  return out;
}

function formFacts(form: TicketForm): Array<[string, string]> {
  const rows: Array<[string, string]> = [['Issue type', ISSUE_TYPES[form.issueType]]];
  if (form.escalates) rows.push(['Escalates ticket', `#${form.escalates}`]);
  for (const key of ['product', 'version', 'edition', 'licence'] as const) {
    const v = form.fields[key];
    if (v) rows.push([LABEL[key], v]);
  }
  rows.push(...form.supportLimits);
  return rows;
}

/** The description's head: what the form asks, visible even where no custom field is configured. */
export function formFactsMarkdown(form: TicketForm): string {
  return `${formFacts(form).map(([k, v]) => `- **${k}:** ${mdEscape(v)}`).join('\n')}\n\n`;
}

export function formFactsHtml(form: TicketForm): string {
  return `<ul>${formFacts(form).map(([k, v]) => `<li><b>${htmlEscape(k)}:</b> ${htmlEscape(v)}</li>`).join('')}</ul>\n`;
}
