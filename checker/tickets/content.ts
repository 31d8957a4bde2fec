// Everything a ticket carries about one report, rendered once: the summary in Markdown and HTML,
// and the two attachments (the JSON report and the HTML page).

import { allFindings, reportHost, type TicketReport } from './report.js';
import { renderForTicket } from './summary.js';
import type { Attachment } from './request.js';

export interface TicketContent {
  host: string;
  kind: string;
  markdown: string;
  htmlFragment: string;
  attachments: Attachment[];
  /** Codes of every finding, the agent's too (for tags and logs). */
  codes: string[];
}

/** A file name a help desk and a Windows desktop both accept. */
export function safeFileStem(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|[._]+$/g, '').slice(0, 80) || 'report';
}

export function reportFileStem(r: TicketReport): string {
  return `pbxready-${safeFileStem(r.kind)}-${safeFileStem(reportHost(r))}`;
}

export function ticketContent(r: TicketReport): TicketContent {
  const rendered = renderForTicket(r);
  const stem = reportFileStem(r);
  const enc = new TextEncoder();
  return {
    host: reportHost(r),
    kind: r.kind,
    markdown: rendered.markdown,
    htmlFragment: rendered.htmlFragment,
    attachments: [
      { filename: `${stem}.json`, contentType: 'application/json', data: enc.encode(rendered.json) },
      { filename: `${stem}.html`, contentType: 'text/html', data: enc.encode(rendered.html) },
    ],
    codes: [...new Set(allFindings(r).map((f) => f.code))],
  };
}
