// The agentless script's output → its sections, and the mysql client's batch output → rows.
// Pure. The framing is a boundary chosen at random per run: a section's text cannot end it early
// unless the host guessed the boundary, and anything outside a frame is ignored.

import type { RunResult } from '../../shared/facts/run.js';
import type { Row } from '../../shared/facts/database.js';

export interface Section {
  name: string;
  text: string;
  /** The exit status, or "noent"/"noperm" (a path missing or unreadable), or "unknown". */
  status: string;
}

const MAX_SECTIONS = 10_000;

/** Every complete section, by name (a repeated name: the first wins). Linear in the output. */
export function parseSections(output: string, boundary: string): Map<string, Section> {
  const out = new Map<string, Section>();
  const begin = `${boundary} begin `;
  const endMark = `\n${boundary} end `;
  let at = 0;
  while (out.size < MAX_SECTIONS) {
    const b = output.indexOf(begin, at);
    if (b < 0 || (b > 0 && output[b - 1] !== '\n')) break;
    const nameEnd = output.indexOf('\n', b + begin.length);
    if (nameEnd < 0) break;
    const e = output.indexOf(endMark, nameEnd);
    if (e < 0) break;
    const statusEnd = output.indexOf('\n', e + endMark.length);
    const name = output.slice(b + begin.length, nameEnd);
    const status = output.slice(e + endMark.length, statusEnd < 0 ? undefined : statusEnd).trim();
    if (!out.has(name)) out.set(name, { name, text: output.slice(nameEnd + 1, e), status });
    at = statusEnd < 0 ? output.length : statusEnd + 1;
  }
  return out;
}

/** What the agent's errno mapping says for the same gap. */
export function pathReason(status: string): string | null {
  if (status === 'noent') return 'no such file or directory';
  if (status === 'noperm') return 'permission denied';
  return null;
}

/** A section as the agent's command runner would have reported the command. */
export function asRun(section: Section | undefined, what: string): RunResult {
  if (!section) return { code: null, stdout: '', stderr: '', error: `${what}: no answer (the collection stopped early)` };
  const code = /^\d+$/.test(section.status) ? Number(section.status) : null;
  // What `sec` says for a program it could not start, worded as the agent's execFile words it.
  const first = section.text.trim().split('\n')[0]?.slice(0, 200) ?? '';
  if (code === 127) return { code: 127, stdout: '', stderr: '', error: /: not found$/.test(first) ? first : `${what}: not found` };
  if (code === 126 && /: permission denied$/.test(first)) return { code: null, stdout: '', stderr: '', error: first };
  if (code === 124 || code === 137) return { code: null, stdout: section.text, stderr: '', error: `${what}: timed out` };
  return { code, stdout: section.text, stderr: '' };
}

/** mysql -B escapes: \\ \t \n \0; NULL is the word NULL. */
function unescapeValue(v: string): string | null {
  if (v === 'NULL') return null;
  return v.replace(/\\([\\tn0])/g, (_m, c: string) => (c === 't' ? '\t' : c === 'n' ? '\n' : c === '0' ? '\0' : '\\'));
}

export interface BatchResult {
  rows: Row[];
  /** The client's error line for this statement group, when one failed. */
  error?: string;
}

/**
 * `mysql -B -n --force` output of a batch whose statement groups each start with
 * SELECT 'label' AS `<marker>` → rows per label. Before the first marker: a connection error.
 */
export function parseBatch(text: string, marker: string): { results: Map<string, BatchResult>; preamble: string[] } {
  const results = new Map<string, BatchResult>();
  const preamble: string[] = [];
  const lines = text.split('\n');
  let current: BatchResult | null = null;
  let header: string[] | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === marker && i + 1 < lines.length) {
      current = { rows: [] };
      results.set(lines[++i]!, current);
      header = null;
      continue;
    }
    if (/^ERROR \d+/.test(line)) {
      if (current) current.error ??= line.slice(0, 300);
      else preamble.push(line.slice(0, 300));
      continue;
    }
    if (!current || line === '') continue;
    const cells = line.split('\t');
    if (!header) {
      header = cells;
      continue;
    }
    const row: Row = {};
    header.forEach((h, j) => (row[h] = unescapeValue(cells[j] ?? '')));
    current.rows.push(row);
  }
  return { results, preamble };
}
