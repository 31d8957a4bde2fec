// A check report as Prometheus metrics (the format itself: shared/render/prometheus.ts), blackbox_exporter
// style: /probe answers 200 with pbxready_probe_success 0 when the host fails, never an HTTP error.

import type { CheckReport, PortState, Verdict } from '../../shared/model.js';
import type { MetricFamily } from '../../shared/render/prometheus.js';

/** Verdict as a number that sorts like severity (alert on `pbxready_verdict >= 2`): the exit code. */
export const VERDICT_VALUE: Record<Verdict, number> = { ready: 0, warnings: 1, 'not-ready': 2, unknown: 3 };
const STATES: PortState[] = ['open', 'closed', 'filtered'];

export function probeFamilies(report: CheckReport, durationSeconds: number): MetricFamily[] {
  const primary = report.target.addresses[0];
  const ports = report.ports.filter((p) => p.address === primary);
  const certs = ports.filter((p) => p.tls && !p.tls.error && p.tls.validTo);
  const keys = ports.filter((p) => p.ssh?.fingerprint);
  return [
    { name: 'pbxready_probe_success', help: 'Whether the host is ready for vendor support (verdict ready or warnings).', type: 'gauge', samples: [{ value: report.verdict === 'ready' || report.verdict === 'warnings' ? 1 : 0 }] },
    { name: 'pbxready_probe_duration_seconds', help: 'How long the check took.', type: 'gauge', samples: [{ value: durationSeconds }] },
    {
      name: 'pbxready_port_connect_seconds',
      help: 'TCP connect time per port on the first address (ports that answered: open or refused).',
      type: 'gauge',
      samples: ports.filter((p) => p.latencyMs !== null).map((p) => ({ labels: { port: p.port }, value: p.latencyMs! / 1000 })),
    },
    {
      name: 'pbxready_verdict',
      help: 'Verdict of the check: 0 ready, 1 warnings, 2 not-ready, 3 unknown (the exit code).',
      type: 'gauge',
      samples: [{ labels: { verdict: report.verdict, product: report.target.product }, value: VERDICT_VALUE[report.verdict] }],
    },
    {
      name: 'pbxready_port_state',
      help: 'Port state on the first address: 1 for the state observed, 0 for the others.',
      type: 'gauge',
      samples: ports.flatMap((p) => STATES.map((state) => ({ labels: { port: p.port, state, required: String(p.required) }, value: p.state === state ? 1 : 0 }))),
    },
    {
      name: 'pbxready_tls_cert_not_after_seconds',
      help: 'Expiry of the TLS certificate served on the port, as a Unix timestamp.',
      type: 'gauge',
      samples: certs.map((p) => ({ labels: { port: p.port }, value: Math.floor(Date.parse(p.tls!.validTo!) / 1000) })),
    },
    {
      name: 'pbxready_ssh_hostkey_info',
      help: 'The SSH host key seen on the port (value always 1; the fingerprint is the label).',
      type: 'gauge',
      samples: keys.map((p) => ({ labels: { port: p.port, fingerprint: p.ssh!.fingerprint!, type: p.ssh!.hostKeyType ?? '' }, value: 1 })),
    },
    {
      name: 'pbxready_findings',
      help: 'Findings of the check by severity.',
      type: 'gauge',
      samples: (['fail', 'warn', 'info'] as const).map((severity) => ({ labels: { severity }, value: report.findings.filter((f) => f.severity === severity).length })),
    },
  ];
}
