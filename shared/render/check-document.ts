// The outside check as a document: target, per-port table, TLS/HTTP/SSH evidence.

import type { CheckReport, PortResult, VantagePoint, VantageRoute } from '../model.js';
import { PROFILES } from '../profiles.js';
import { cell, type Cell, type ReportDocument, type Section, type Tone } from './document.js';

const STATE_TONE = { open: 'ok', closed: 'fail', filtered: 'fail' } as const;

function stateCell(p: PortResult): Cell {
  const tone: Tone = p.state === 'open' ? 'ok' : p.required ? STATE_TONE[p.state] : p.purpose === 'exposure' ? 'ok' : 'muted';
  // An exposure port that is open is the problem, not the success.
  return cell(p.state, p.purpose === 'exposure' && p.state === 'open' ? 'warn' : tone);
}

function service(p: PortResult): string {
  const bits: string[] = [];
  if (p.ssh?.banner) bits.push(p.ssh.banner);
  if (p.ssh?.hostKeyType) bits.push(`${p.ssh.hostKeyType} ${p.ssh.fingerprint ?? ''}`.trim());
  if (p.tls && !p.tls.error) bits.push(`${p.tls.protocol ?? 'TLS'}${p.tls.daysLeft !== null ? `, cert ${p.tls.daysLeft} d left` : ''}`);
  if (p.http?.status) bits.push(`HTTP ${p.http.status}${p.http.title ? ` “${p.http.title}”` : ''}${p.http.recognized ? ` (${PROFILES[p.http.recognized].title})` : ''}`);
  return bits.join('; ');
}

function headline(r: CheckReport): string {
  const required = r.ports.filter((p) => p.required);
  const open = required.filter((p) => p.state === 'open').length;
  const fails = r.findings.filter((f) => f.severity === 'fail').length;
  const warns = r.findings.filter((f) => f.severity === 'warn').length;
  if (r.verdict === 'unknown') return r.findings.find((f) => f.severity === 'fail')?.message ?? 'The check could not be made.';
  return `${open} of ${required.length} required port checks open; ${fails} failure(s), ${warns} warning(s).`;
}

function tlsSection(r: CheckReport): Section | null {
  const rows = r.ports.filter((p) => p.tls && !p.tls.error);
  if (!rows.length) return null;
  return {
    title: 'TLS certificates',
    table: {
      columns: ['Port', 'Address', 'Protocol', 'Subject', 'Issuer', 'Valid until', 'Days left', 'Self-signed', 'Name match'],
      rows: rows.map((p) => {
        const t = p.tls!;
        const tone: Tone | undefined = t.daysLeft === null ? undefined : t.daysLeft < 0 ? 'fail' : t.daysLeft <= 14 ? 'warn' : 'ok';
        return [
          cell(p.port),
          cell(p.address),
          cell(`${t.protocol ?? ''} ${t.cipher ?? ''}`.trim()),
          cell(t.subject),
          cell(t.issuer),
          cell(t.validTo),
          cell(t.daysLeft, tone),
          cell(t.selfSigned ? 'yes' : 'no'),
          cell(t.hostnameMatch === null ? '—' : t.hostnameMatch ? 'yes' : 'no'),
        ];
      }),
    },
  };
}

function sshSection(r: CheckReport): Section | null {
  const rows = r.ports.filter((p) => p.ssh && (p.ssh.banner || p.ssh.fingerprint));
  if (!rows.length) return null;
  return {
    title: 'SSH',
    table: {
      columns: ['Port', 'Address', 'Banner', 'Host key', 'Fingerprint', 'Pinned', 'Auth methods', 'Login'],
      rows: rows.map((p) => {
        const s = p.ssh!;
        return [
          cell(p.port),
          cell(p.address),
          cell(s.banner),
          cell(s.hostKeyType),
          cell(s.fingerprint),
          cell(s.hostKey ?? 'unpinned', s.hostKey === 'mismatch' ? 'fail' : s.hostKey === 'match' ? 'ok' : undefined),
          cell(s.authMethods.join(', ')),
          cell(s.auth ? `${s.auth.user} (${s.auth.method}): ${s.auth.ok ? 'ok' : 'failed'}` : 'not tested', s.auth ? (s.auth.ok ? 'ok' : 'fail') : undefined),
        ];
      }),
    },
  };
}

function httpSection(r: CheckReport): Section | null {
  const rows = r.ports.filter((p) => p.http);
  if (!rows.length) return null;
  return {
    title: 'Web GUI',
    table: {
      columns: ['Port', 'Address', 'URL', 'Status', 'Redirects', 'Server', 'Title', 'Looks like'],
      rows: rows.map((p) => {
        const h = p.http!;
        return [
          cell(p.port),
          cell(p.address),
          cell(h.url),
          cell(h.status ?? h.error ?? null),
          cell(h.redirects.join(' → ')),
          cell(h.server),
          cell(h.title),
          cell(h.recognized ? PROFILES[h.recognized].title : 'not recognised', h.recognized ? 'ok' : 'warn'),
        ];
      }),
    },
  };
}

const ROUTE_WORDS: Record<VantageRoute, string> = {
  'this-machine': 'this machine',
  'directly-connected': 'directly connected',
  routed: 'through a router',
  unknown: 'no route found',
};

/** Where the check ran from: per target address, the source address used and how it was reached. */
function vantageSection(r: CheckReport): Section | null {
  const v = r.vantage;
  if (!v || v.addresses.length === 0) return null;
  const hostSaw = v.addresses.some((a) => a.seenByHost);
  return {
    title: 'Where the check ran from',
    lines: [
      v.inside
        ? `From INSIDE the customer's network: readiness from outside is not proven. ${v.evidence.join('; ')}.`
        : 'From outside the target\'s networks (no target address is on this machine or on a network it is directly connected to).',
    ],
    table: {
      columns: ['Address', 'Checked from', 'Route', 'Network', ...(hostSaw ? ['Host saw the SSH session from'] : [])],
      rows: v.addresses.map((a) => {
        const inside = a.route === 'this-machine' || a.route === 'directly-connected';
        return [
          cell(a.address),
          cell(a.localAddress),
          cell(ROUTE_WORDS[a.route], inside ? 'warn' : undefined),
          cell(a.network ?? null),
          ...(hostSaw ? [cell(a.seenByHost ?? null)] : []),
        ];
      }),
    },
  };
}

/** One line: where the check ran from (also in the pre-check's facts). */
export function vantageFact(v: VantagePoint): string {
  const sources = [...new Set(v.addresses.map((a) => a.localAddress).filter((a): a is string => a !== null))];
  const from = sources.length ? sources.join(', ') : 'no route found';
  return v.inside ? `${from} — INSIDE the target's network: readiness from outside is not proven` : `${from} (outside the target's networks)`;
}

/** One line: the product judged against, or the candidates when uncertain. */
export function productFact(t: CheckReport['target']): string {
  if (t.productCandidates && t.productCandidates.length > 1) {
    return `uncertain: ${t.productCandidates.map((c) => PROFILES[c].title).join(' or ')} — the ports of each are required (${t.productReason})`;
  }
  return `${PROFILES[t.product].title} (${t.productReason})`;
}

export function checkDocument(r: CheckReport): ReportDocument {
  const portsTable: Section = {
    title: 'Ports',
    table: {
      columns: ['Port', 'Address', 'Purpose', 'Required', 'State', 'Reason', 'Latency', 'Service'],
      rows: r.ports.map((p) => [
        cell(p.port),
        cell(p.address),
        cell(p.purpose),
        cell(p.required ? 'yes' : 'no'),
        stateCell(p),
        cell(p.attempts && p.attempts.length > 1 ? `${p.reason} (${p.attempts.length} attempts)` : p.reason),
        cell(p.latencyMs === null ? null : `${p.latencyMs.toFixed(1)} ms`),
        cell(service(p)),
      ]),
    },
  };
  const icmp: Section = {
    title: 'ICMP echo',
    lines: [
      r.icmp.measured
        ? r.icmp.alive
          ? `answered in ${r.icmp.rttMs?.toFixed(1) ?? '?'} ms (informational: support access is TCP)`
          : `no answer: ${r.icmp.reason} (informational: many firewalls drop ping)`
        : `not measured: ${r.icmp.reason}`,
    ],
  };
  const sections = [portsTable, vantageSection(r), tlsSection(r), httpSection(r), sshSection(r), icmp].filter((s): s is Section => s !== null);
  return {
    title: `pbxready check — ${r.target.host}`,
    verdict: r.verdict,
    headline: headline(r),
    facts: [
      ['Target', r.target.host],
      ['Addresses', r.target.addresses.join(', ') || 'none'],
      ['Product', productFact(r.target)],
      ...(r.vantage ? [['Checked from', vantageFact(r.vantage)] as [string, string]] : []),
      ['Checked at', r.generatedAt],
      ['Duration', `${(r.durationMs / 1000).toFixed(2)} s`],
    ],
    sections,
    findings: r.findings,
    footer: `${r.tool.name} ${r.tool.version} · schema ${r.schemaVersion} · ${r.generatedAt}`,
  };
}
