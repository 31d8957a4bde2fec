// A neutral document every report kind is turned into, so text, Markdown and HTML are written once.

import type { Finding, Verdict } from '../model.js';

export type Tone = 'ok' | 'warn' | 'fail' | 'info' | 'muted';

export interface Cell {
  text: string;
  tone?: Tone;
}

export interface Table {
  columns: string[];
  rows: Cell[][];
}

export interface Section {
  title: string;
  facts?: Array<[string, string]>;
  table?: Table;
  lines?: string[];
}

export interface ReportDocument {
  title: string;
  verdict: Verdict;
  /** One sentence under the verdict: why it is what it is. */
  headline: string;
  facts: Array<[string, string]>;
  sections: Section[];
  findings: Finding[];
  footer: string;
}

export const VERDICT_LABEL: Record<Verdict, string> = {
  ready: 'READY',
  warnings: 'READY WITH WARNINGS',
  'not-ready': 'NOT READY',
  unknown: 'UNKNOWN',
};

export const VERDICT_TONE: Record<Verdict, Tone> = {
  ready: 'ok',
  warnings: 'warn',
  'not-ready': 'fail',
  unknown: 'muted',
};

export function cell(text: string | number | null | undefined, tone?: Tone): Cell {
  const c: Cell = { text: text === null || text === undefined || text === '' ? '—' : String(text) };
  if (tone) c.tone = tone;
  return c;
}

export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${m}m`;
  return `${m}m ${Math.floor(seconds % 60)}s`;
}
