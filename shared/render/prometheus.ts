// The Prometheus text exposition format (0.0.4), used by the exporter's /probe and /metrics and by
// the agent's /metrics. Pure. Label values may come from the probed or inspected host (trunk names,
// mount points, versions, fingerprints): they are bounded and escaped here, in one place.

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  labels?: Record<string, string | number>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value longer than this is cut (with "…"): a hostile name must not blow up every scrape. */
export const MAX_LABEL_VALUE_CHARS = 256;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// Control characters other than \n have no escape in the format; \n is escaped below.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;

/** A label value as the format wants it: bounded, control characters replaced, \\ " \n escaped. */
export function escapeLabelValue(value: string): string {
  const chars = [...value];
  const bounded = chars.length > MAX_LABEL_VALUE_CHARS ? `${chars.slice(0, MAX_LABEL_VALUE_CHARS - 1).join('')}…` : value;
  return bounded.replace(CONTROL, '\uFFFD').replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function formatLabels(labels: Record<string, string | number> | undefined, family: string): string {
  if (!labels) return '';
  const pairs = Object.entries(labels);
  if (!pairs.length) return '';
  return `{${pairs
    .map(([k, v]) => {
      // Names are ours, never the host's: a bad one is a bug, not input.
      if (!LABEL_NAME.test(k) || k.startsWith('__')) throw new Error(`${family}: invalid label name "${k}"`);
      return `${k}="${escapeLabelValue(String(v))}"`;
    })
    .join(',')}}`;
}

/** Families without samples are left out (a HELP/TYPE with nothing under it says nothing). */
export function exposition(families: readonly MetricFamily[]): string {
  const out: string[] = [];
  for (const f of families) {
    if (!METRIC_NAME.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    if (!f.samples.length) continue;
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of f.samples) out.push(`${f.name}${formatLabels(s.labels, f.name)} ${formatValue(s.value)}`);
  }
  return out.length ? `${out.join('\n')}\n` : '';
}
