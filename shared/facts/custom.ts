// Custom development signals: non-empty *_custom.conf, AGI scripts the product does not ship,
// package files the package manager says were modified, and the newest backup's age.
// Pure: names, file contents, `rpm -V` output and backup files' times in, facts out.

import type { CustomDevelopment } from '../model.js';
import type { ProductLayout } from './layout.js';
import { runFailure, type RunResult } from './run.js';

/** A config with anything but comments and blank lines in it. */
export function hasContent(text: string): boolean {
  return text.split(/\r?\n/).some((l) => {
    const t = l.trim();
    return t.length > 0 && !t.startsWith(';') && !t.startsWith('#');
  });
}

export const isCustomConf = (name: string): boolean => name.endsWith('_custom.conf');

/** `rpm -Va` lines: "S.5....T.  c /etc/asterisk/sip.conf" → the path. */
export function parseRpmVerify(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([.SM5DLUGTP?c]{8,9}|missing)\s+(?:[cdglr]\s+)?(\/\S.*)$/.exec(line.trim());
    if (m) out.push(m[2]!.trim());
  }
  return out;
}

/** AGI scripts in the product's agi-bin it does not ship (names sorted). */
export function extraAgiScripts(names: readonly string[], layout: ProductLayout): string[] {
  const stock = new Set(layout.stockAgi);
  return [...names].sort().filter((n) => !stock.has(n) && !n.startsWith('.'));
}

/** rpm -V's outcome → modified files and whether the check was made. `cannot` says why rpm could not be asked. */
export function packageCheck(layout: ProductLayout, rpm: { cannot: string } | { result: RunResult }): Pick<CustomDevelopment, 'modifiedPackageFiles' | 'packageCheck'> & { problem?: string } {
  if (!layout.packages.length) return { modifiedPackageFiles: [], packageCheck: { measured: false, reason: 'not measured: the product\'s files are not tracked by a package manager' } };
  if ('cannot' in rpm) return { modifiedPackageFiles: [], packageCheck: { measured: false, reason: `not measured: ${rpm.cannot}` } };
  // rpm -V exits 1 when it found a difference: only a run that did not complete is a gap.
  if (rpm.result.error) return { modifiedPackageFiles: [], packageCheck: { measured: false, reason: `not measured: rpm -V ${rpm.result.error}` }, problem: rpm.result.error };
  return { modifiedPackageFiles: parseRpmVerify(rpm.result.stdout), packageCheck: { measured: true, reason: `rpm -V ${layout.packages.join(' ')}` } };
}

/** The newest of the backup files (host paths with their mtime), aged against the host's clock. */
export function newestBackup(files: ReadonlyArray<{ path: string; mtimeMs: number }>, nowMs: number): CustomDevelopment['newestBackup'] {
  let best: { path: string; mtimeMs: number } | null = null;
  for (const f of files) if (!best || f.mtimeMs > best.mtimeMs) best = f;
  if (!best) return null;
  const ageDays = (nowMs - best.mtimeMs) / 86_400_000;
  return { path: best.path, ageDays: Math.max(0, Math.round(ageDays * 10) / 10) };
}

export { runFailure };
