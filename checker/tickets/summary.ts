// The one place that turns any report kind into the document a ticket shows: each known kind
// (check with or without the agent's view, agent, precheck) is rendered exactly as its own
// command renders it; any other kind gets a generic summary from its verdict and findings.

import { renderReport } from '../../shared/render/index.js';
import { agentDocument } from '../../shared/render/agent-document.js';
import { checkWithAgentDocument } from '../../shared/render/joint-document.js';
import { precheckDocument } from '../../shared/render/precheck-document.js';
import { cell, type ReportDocument, type Section, type Tone } from '../../shared/render/document.js';
import { secrets, type SecretRegistry } from '../../shared/redact.js';
import { productFields, reportHost, type TicketReport } from './report.js';
import { isRecord } from '../../shared/json.js';

const KIND_TITLE: Record<string, string> = { check: 'check', agent: 'host agent report', precheck: 'upgrade pre-check' };


/** Itemised kinds (the pre-check) show their items and actions; read defensively, the kind may be newer than this code. */
function itemSections(report: TicketReport): Section[] {
  const r = report as unknown as Record<string, unknown>;
  const sections: Section[] = [];
  const items = Array.isArray(r.items) ? r.items.filter(isRecord) : [];
  if (items.length) {
    sections.push({
      title: 'Items',
      table: {
        columns: ['Item', 'Status', 'Evidence', 'Action'],
        rows: items.map((i) => {
          const status = String(i.status ?? '');
          return [cell(String(i.title ?? i.id ?? '')), cell(status, STATUS_TONE[status]), cell(String(i.evidence ?? '')), cell(typeof i.action === 'string' ? i.action : null)];
        }),
      },
    });
  }
  const actions = Array.isArray(r.actions) ? r.actions.filter((a): a is string => typeof a === 'string') : [];
  if (actions.length) sections.push({ title: 'Actions before the upgrade', lines: actions });
  return sections;
}

const STATUS_TONE: Record<string, Tone> = { pass: 'ok', warn: 'warn', fail: 'fail', unknown: 'muted' };

function genericDocument(r: TicketReport): ReportDocument {
  const p = productFields(r);
  const facts: Array<[string, string]> = [['Host', reportHost(r)]];
  if (p.product) facts.push(['Product', [p.product, p.version, p.edition].filter(Boolean).join(' ')]);
  if (p.licence) facts.push(['Licence', p.licence]);
  if (typeof r.generatedAt === 'string') facts.push(['Generated at', r.generatedAt]);
  const fails = r.findings.filter((f) => f.severity === 'fail').length;
  const warns = r.findings.filter((f) => f.severity === 'warn').length;
  const tool = (r as { tool?: { name?: unknown; version?: unknown } }).tool;
  return {
    title: `pbxready ${KIND_TITLE[r.kind] ?? r.kind} — ${reportHost(r)}`,
    verdict: r.verdict,
    headline: typeof (r as { summary?: unknown }).summary === 'string' ? String((r as { summary?: unknown }).summary) : `${fails} failure(s), ${warns} warning(s).`,
    facts,
    sections: itemSections(r),
    findings: r.findings,
    footer: `${typeof tool?.name === 'string' ? tool.name : 'pbxready'} ${typeof tool?.version === 'string' ? tool.version : ''} · ${r.kind}`.replace(/\s+·/, ' ·'),
  };
}

/** Each kind's own document; kinds not listed get the generic one. */
const DOCUMENTS: Record<string, (r: never) => ReportDocument> = {
  check: checkWithAgentDocument,
  agent: agentDocument,
  precheck: precheckDocument,
};

/** The document for any report kind: the single dispatch point. */
export function summaryDocument(r: TicketReport): ReportDocument {
  const own = DOCUMENTS[r.kind] as ((r: TicketReport) => ReportDocument) | undefined;
  if (!own) return genericDocument(r);
  try {
    return own(r);
  } catch {
    // A report from another version of the tool may lack a field its document reads: the
    // verdict and findings still make a useful summary, and the JSON attachment has the rest.
    return genericDocument(r);
  }
}

export interface RenderedReport {
  /** The Markdown summary (ticket bodies that take Markdown/plain text). */
  markdown: string;
  /** The standalone HTML page (the attachment). */
  html: string;
  /** The same page's body without <head>/<style>: for help desks whose bodies are HTML. */
  htmlFragment: string;
  /** The redacted JSON report (the attachment). */
  json: string;
}

/** Help desks strip <head> and <style>; the body keeps headings, tables and lists, which they render. */
export function htmlBodyFragment(page: string): string {
  const m = /<body>\s*([\s\S]*?)\s*<\/body>/i.exec(page);
  return m?.[1] ?? page;
}

export function renderForTicket(r: TicketReport, registry: SecretRegistry = secrets): RenderedReport {
  const html = renderReport(r, 'html', summaryDocument, registry);
  return {
    markdown: renderReport(r, 'markdown', summaryDocument, registry),
    html,
    htmlFragment: htmlBodyFragment(html),
    json: renderReport(r, 'json', summaryDocument, registry),
  };
}
