// The host itself from the files every Linux has: /proc (uptime, load, memory, CPU, kernel,
// hostname) and /etc/os-release. Pure: file texts in, facts out; the installed agent reads the
// files with fs, the agentless collector with cat over SSH, and both hand them here.

import type { HostFacts } from '../model.js';

/** The files read, relative to /proc (`proc`) or absolute (`etc`). */
export const HOST_PROC_FILES = ['sys/kernel/hostname', 'sys/kernel/osrelease', 'uptime', 'loadavg', 'meminfo', 'cpuinfo'] as const;
export const OS_RELEASE = '/etc/os-release';

export type HostRaw = Partial<Record<(typeof HOST_PROC_FILES)[number] | 'os-release', string | null>>;

/** os-release `KEY="value"` lines. */
function osRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2'));
  }
  return out;
}

function meminfoBytes(text: string, key: string): number | null {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

export function hostFacts(raw: HostRaw): HostFacts {
  const first = (t: string | null | undefined) => (t ?? '').split('\n')[0]!.trim();
  const os = osRelease(raw['os-release'] ?? '');
  const facts: HostFacts = {
    hostname: first(raw['sys/kernel/hostname']),
    os: os.get('PRETTY_NAME') || [os.get('NAME'), os.get('VERSION_ID')].filter(Boolean).join(' ') || 'Linux',
    kernel: first(raw['sys/kernel/osrelease']) || 'unknown',
    uptimeSeconds: Math.round(Number(first(raw.uptime).split(/\s+/)[0]) || 0),
  };
  const cpuinfo = raw.cpuinfo ?? '';
  const cores = (cpuinfo.match(/^processor\s*:/gm) ?? []).length;
  const model = /^(?:model name|Hardware|cpu model|Processor)\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim();
  if (cores || model) facts.cpu = { model: model ?? 'unknown', cores };
  const total = meminfoBytes(raw.meminfo ?? '', 'MemTotal');
  const avail = meminfoBytes(raw.meminfo ?? '', 'MemAvailable') ?? meminfoBytes(raw.meminfo ?? '', 'MemFree');
  if (total !== null) facts.memory = { totalBytes: total, availableBytes: avail ?? 0 };
  const load = first(raw.loadavg).split(/\s+/).slice(0, 3).map(Number);
  if (load.length === 3 && load.every((n) => Number.isFinite(n))) facts.load = load.map((l) => Math.round(l * 100) / 100);
  return facts;
}
