// A check with the host agent's facts merged: the outside document, then both views side by side
// per port (with the joint diagnosis), then the agent's own sections and findings.

import type { AgentCollector, CheckReport, Finding } from '../model.js';
import { insideView } from '../rules/joint.js';
import { sortFindings } from '../verdict.js';
import { agentDocument } from './agent-document.js';
import { checkDocument } from './check-document.js';
import { cell, type ReportDocument, type Section, type Tone } from './document.js';

/** Which collector made the inside view, in words (AgentReport.collector). */
const COLLECTED_BY: Record<AgentCollector, string> = {
  agent: 'the installed pbxready-agent',
  'bundled-agent': 'the one-file pbxready-agent',
  agentless: 'agentless collection over SSH (nothing installed)',
};

const JOINT_CODES = new Set(['PORT_BLOCKED_UPSTREAM', 'PORT_REFUSED_UPSTREAM', 'SERVICE_NOT_LISTENING', 'PORT_FORWARDED_ELSEWHERE']);

const INSIDE_WORDS = {
  reachable: 'listening',
  'loopback-only': 'loopback only',
  'other-family-only': 'other IP family only',
  none: 'not listening',
  unknown: 'unknown',
} as const;

function bothViews(r: CheckReport): Section {
  const agent = r.agent!;
  const rows = r.ports
    .filter((p) => p.purpose !== 'exposure' || p.state === 'open')
    .map((p) => {
      const inside = insideView(agent, p.port, p.address);
      const diag: Finding | undefined = r.findings.find((f) => JOINT_CODES.has(f.code) && f.port === p.port && f.address === p.address);
      const insideTone: Tone = inside.state === 'reachable' ? 'ok' : inside.state === 'unknown' ? 'muted' : 'fail';
      return [
        cell(p.port),
        cell(p.address),
        cell(p.purpose),
        cell(p.state, p.state === 'open' ? 'ok' : p.required ? 'fail' : 'muted'),
        cell(`${INSIDE_WORDS[inside.state]}${inside.listeners.length ? `: ${inside.listeners.join(', ')}` : ''}`, insideTone),
        cell(diag ? diag.code : p.required ? 'consistent' : '', diag ? 'fail' : undefined),
      ];
    });
  return { title: 'Both views: outside × inside', table: { columns: ['Port', 'Address', 'Purpose', 'Outside', 'Inside (agent)', 'Diagnosis'], rows } };
}

export function checkWithAgentDocument(r: CheckReport): ReportDocument {
  const doc = checkDocument(r);
  const agent = r.agent;
  if (!agent) return doc;
  const inside = agentDocument(agent);
  const agentFindings = sortFindings(agent.findings);
  const sections: Section[] = [
    bothViews(r),
    ...inside.sections.map((s) => ({ ...s, title: `Inside: ${s.title}` })),
    {
      title: 'Inside: the agent\'s findings',
      lines: agentFindings.length ? agentFindings.map((f) => `[${f.severity.toUpperCase()}] ${f.code}: ${f.message} — fix: ${f.remedy}`) : ['none'],
    },
  ];
  return {
    ...doc,
    facts: [
      ...doc.facts,
      ['Inside view', `${agent.tool.name} ${agent.tool.version} on ${agent.host.hostname} at ${agent.generatedAt}, collected by ${COLLECTED_BY[agent.collector ?? 'agent']} (agent verdict: ${agent.verdict})`],
      ...inside.facts.filter(([k]) => k === 'Product' || k === 'Edition'),
    ],
    sections: [...doc.sections, ...sections],
  };
}
