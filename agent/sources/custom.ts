// Custom development signals: non-empty *_custom.conf, AGI scripts the product does not ship,
// package files the package manager says were modified, and the newest backup's age.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CustomDevelopment } from '../../shared/model.js';
import { rpmCommand } from './rpm.js';
import { errnoReason, hostPath, type FactSource, type SourceContext } from './source.js';

/** A config with anything but comments and blank lines in it. */
export function hasContent(text: string): boolean {
  return text.split(/\r?\n/).some((l) => {
    const t = l.trim();
    return t.length > 0 && !t.startsWith(';') && !t.startsWith('#');
  });
}

/** `rpm -Va` lines: "S.5....T.  c /etc/asterisk/sip.conf" → the path. */
export function parseRpmVerify(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([.SM5DLUGTP?c]{8,9}|missing)\s+(?:[cdglr]\s+)?(\/\S.*)$/.exec(line.trim());
    if (m) out.push(m[2]!.trim());
  }
  return out;
}

async function listDir(ctx: SourceContext, dir: string): Promise<string[] | null> {
  try {
    return (await readdir(hostPath(ctx, dir))).sort();
  } catch (err) {
    const reason = errnoReason(err);
    if (reason !== 'no such file or directory') ctx.problem(dir, reason);
    return null;
  }
}

async function customConfs(ctx: SourceContext, etc: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of (await listDir(ctx, etc)) ?? []) {
    if (!name.endsWith('_custom.conf')) continue;
    try {
      if (hasContent(await readFile(hostPath(ctx, join(etc, name)), 'utf8'))) out.push(name);
    } catch (err) {
      ctx.problem(join(etc, name), errnoReason(err));
    }
  }
  return out;
}

/** The newest file in the backup directory (and one level of subdirectories). */
async function newestBackup(ctx: SourceContext, dir: string): Promise<{ path: string; mtimeMs: number } | null> {
  let best: { path: string; mtimeMs: number } | null = null;
  const consider = async (rel: string, depth: number): Promise<void> => {
    const st = await stat(hostPath(ctx, rel)).catch(() => null);
    if (!st) return;
    if (st.isFile() && (!best || st.mtimeMs > best.mtimeMs)) best = { path: rel, mtimeMs: st.mtimeMs };
    if (st.isDirectory() && depth < 2) {
      const names = await readdir(hostPath(ctx, rel)).catch(() => [] as string[]);
      for (const n of names) await consider(join(rel, n), depth + 1);
    }
  };
  for (const n of (await listDir(ctx, dir)) ?? []) if (!n.startsWith('.')) await consider(join(dir, n), 1);
  return best;
}

export const customSource: FactSource = {
  name: 'custom',
  stage: 1,
  async collect(ctx, draft) {
    const layout = ctx.layout;
    if (!layout) return; // no product: nothing of its to inspect (PRODUCT_NOT_DETECTED says so)
    const custom: CustomDevelopment = { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: null, backupDir: layout.backups };
    draft.custom = custom;
    custom.customConfFiles = await customConfs(ctx, layout.asteriskEtc);
    const stock = new Set(layout.stockAgi);
    custom.agiScripts = ((await listDir(ctx, layout.agiDir)) ?? []).filter((n) => !stock.has(n) && !n.startsWith('.'));

    const rpm = layout.packages.length ? await rpmCommand(ctx) : { reason: 'the product\'s files are not tracked by a package manager' };
    if ('reason' in rpm) custom.packageCheck = { measured: false, reason: `not measured: ${rpm.reason}` };
    else {
      // rpm -V reads every file of the packages: give it more than one query's time.
      const r = await ctx.run([...rpm.cmd, '-V', ...layout.packages], { timeoutMs: ctx.options.timeoutMs * 5 });
      if (r.error) {
        custom.packageCheck = { measured: false, reason: `not measured: rpm -V ${r.error}` };
        ctx.problem('rpm -V', r.error);
      } else {
        custom.modifiedPackageFiles = parseRpmVerify(r.stdout);
        custom.packageCheck = { measured: true, reason: `rpm -V ${layout.packages.join(' ')}` };
      }
    }

    const newest = await newestBackup(ctx, layout.backups);
    if (newest) {
      const ageDays = (ctx.now().getTime() - newest.mtimeMs) / 86_400_000;
      custom.newestBackup = { path: newest.path, ageDays: Math.max(0, Math.round(ageDays * 10) / 10) };
    }
  },
};
