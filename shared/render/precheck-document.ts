// The upgrade pre-check as a document: the decision, every item with its status and evidence,
// the client's actions, then the check's findings (outside view and joint diagnoses).

import type { PrecheckDecision, PrecheckReport, PrecheckStatus } from '../model.js';
import { productFact, vantageFact } from './check-document.js';
import { cell, type ReportDocument, type Section, type Tone } from './document.js';

const STATUS_TONE: Record<PrecheckStatus, Tone> = { pass: 'ok', warn: 'warn', fail: 'fail', unknown: 'muted' };
export const DECISION_LABEL: Record<PrecheckDecision, string> = {
  go: 'GO',
  'go-with-warnings': 'GO WITH WARNINGS',
  'no-go': 'NO-GO',
  unknown: 'UNKNOWN (cannot be go)',
};

export function precheckDocument(r: PrecheckReport): ReportDocument {
  const items: Section = {
    title: 'Pre-check items',
    table: {
      columns: ['Item', 'Status', 'Evidence'],
      rows: r.items.map((i) => [cell(i.title), cell(i.status.toUpperCase(), STATUS_TONE[i.status]), cell(i.evidence)]),
    },
  };
  const actions: Section = {
    title: 'Before the upgrade, the client must',
    lines: r.actions.length ? r.actions.map((a, n) => `${n + 1}. ${a}`) : ['nothing: no item asks for an action'],
  };
  const agent = r.check.agent;
  return {
    title: `pbxready precheck — ${r.target.host}`,
    verdict: r.verdict,
    headline: `${DECISION_LABEL[r.decision]}: ${r.summary}`,
    facts: [
      ['Target', r.target.host],
      ['Addresses', r.target.addresses.join(', ') || 'none'],
      ['Product', productFact(r.target)],
      ...(r.check.vantage ? [['Checked from', vantageFact(r.check.vantage)] as [string, string]] : []),
      ['Installed version', r.currentVersion ?? 'unknown'],
      ['Target version', r.targetVersion ?? 'not given (--to)'],
      ['Downtime estimate', r.downtime ? `${r.downtime.minMinutes}–${r.downtime.maxMinutes} minutes` : 'unknown (the vendor quotes 15–30 minutes)'],
      ['Inside view', agent ? `${agent.tool.name} ${agent.tool.version} on ${agent.host.hostname}` : 'none: the agent\'s facts are missing'],
      ['Checked at', r.generatedAt],
    ],
    sections: [items, actions],
    findings: r.findings,
    footer: `${r.tool.name} ${r.tool.version} · schema ${r.schemaVersion} · ${r.generatedAt}`,
  };
}
