// Everything a ticket carries about one report, rendered once: the partner's own words heading
// the body, the summary in Markdown and HTML ending with what happens next, and the two
// attachments (the JSON report and the HTML page).

import { htmlEscape } from '../../shared/render/html.js';
import { mdEscape } from '../../shared/render/markdown.js';
import { secrets } from '../../shared/redact.js';
import { oneLine } from '../../shared/sanitize.js';
import { allFindings, reportHost, type TicketReport } from './report.js';
import { renderForTicket } from './summary.js';
import type { Attachment } from './request.js';

export interface TicketContent {
  host: string;
  kind: string;
  /** The partner's description (--description/--description-file), rendered; empty strings when none. */
  lead: { markdown: string; html: string };
  markdown: string;
  htmlFragment: string;
  attachments: Attachment[];
  /** Codes of every finding, the agent's too (for tags and logs). */
  codes: string[];
}

/** What the person adds to the report: their words and what happens next (from next-steps.ts). */
export interface ContentExtras {
  description?: string | undefined;
  nextSteps?: readonly string[] | undefined;
}

/** A description longer than this is cut: a ticket body is not the place for logs (attach them). */
export const MAX_DESCRIPTION = 20_000;

/** A file name a help desk and a Windows desktop both accept. */
export function safeFileStem(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|[._]+$/g, '').slice(0, 80) || 'report';
}

export function reportFileStem(r: TicketReport): string {
  return `pbxready-${safeFileStem(r.kind)}-${safeFileStem(reportHost(r))}`;
}

/** The partner's text as paragraphs: controls out, bounded, secrets scrubbed, escaped per format. */
function leadOf(description: string | undefined): TicketContent['lead'] {
  const text = secrets.scrub((description ?? '').slice(0, MAX_DESCRIPTION)).replace(/\r\n?/g, '\n').trim();
  if (!text) return { markdown: '', html: '' };
  const paragraphs = text.split(/\n{2,}/).map((p) => p.split('\n').map((l) => oneLine(l).trimEnd()));
  return {
    markdown: `${paragraphs.map((p) => p.map(mdEscape).join('  \n')).join('\n\n')}\n\n`,
    html: `${paragraphs.map((p) => `<p>${p.map(htmlEscape).join('<br>')}</p>`).join('\n')}\n`,
  };
}

function nextStepsOf(lines: readonly string[] | undefined): { markdown: string; html: string } {
  if (!lines?.length) return { markdown: '', html: '' };
  return {
    markdown: `\n## What happens next\n\n${lines.map((l) => `- ${mdEscape(l)}`).join('\n')}\n`,
    html: `\n<h2>What happens next</h2>\n<ul>${lines.map((l) => `<li>${htmlEscape(l)}</li>`).join('')}</ul>\n`,
  };
}

export function ticketContent(r: TicketReport, extras: ContentExtras = {}): TicketContent {
  const rendered = renderForTicket(r);
  const stem = reportFileStem(r);
  const enc = new TextEncoder();
  const next = nextStepsOf(extras.nextSteps);
  return {
    host: reportHost(r),
    kind: r.kind,
    lead: leadOf(extras.description),
    markdown: next.markdown ? rendered.markdown.replace(/\n*$/, '\n') + next.markdown : rendered.markdown,
    htmlFragment: rendered.htmlFragment + next.html,
    attachments: [
      { filename: `${stem}.json`, contentType: 'application/json', data: enc.encode(rendered.json) },
      { filename: `${stem}.html`, contentType: 'text/html', data: enc.encode(rendered.html) },
    ],
    codes: [...new Set(allFindings(r).map((f) => f.code))],
  };
}

/**
 * A ticket's body in one format: the partner's words first (the vendor asks for a description in
 * as much detail as possible), then the form's facts when opening a ticket, then the summary.
 */
export function ticketBody(content: TicketContent, format: 'markdown' | 'html', formFacts = ''): string {
  return format === 'markdown' ? content.lead.markdown + formFacts + content.markdown : content.lead.html + formFacts + content.htmlFragment;
}
