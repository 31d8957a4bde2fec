// Custom development signals: lists and reads what the product keeps; shared/facts/custom.ts decides.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { extraAgiScripts, hasContent, isCustomConf, newestBackup, packageCheck } from '../../shared/facts/custom.js';
import type { CustomDevelopment } from '../../shared/model.js';
import { rpmCommand } from './rpm.js';
import { errnoReason, hostPath, type FactSource, type SourceContext } from './source.js';

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
    if (!isCustomConf(name)) continue;
    try {
      if (hasContent(await readFile(hostPath(ctx, join(etc, name)), 'utf8'))) out.push(name);
    } catch (err) {
      ctx.problem(join(etc, name), errnoReason(err));
    }
  }
  return out;
}

/** Files in the backup directory and one level of subdirectories (dot entries at the top skipped), with mtimes. */
async function backupFiles(ctx: SourceContext, dir: string): Promise<Array<{ path: string; mtimeMs: number }>> {
  const out: Array<{ path: string; mtimeMs: number }> = [];
  const consider = async (rel: string, depth: number): Promise<void> => {
    const st = await stat(hostPath(ctx, rel)).catch(() => null);
    if (!st) return;
    if (st.isFile()) out.push({ path: rel, mtimeMs: st.mtimeMs });
    if (st.isDirectory() && depth < 2) {
      const names = await readdir(hostPath(ctx, rel)).catch(() => [] as string[]);
      for (const n of names) await consider(join(rel, n), depth + 1);
    }
  };
  for (const n of (await listDir(ctx, dir)) ?? []) if (!n.startsWith('.')) await consider(join(dir, n), 1);
  return out;
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
    custom.agiScripts = extraAgiScripts((await listDir(ctx, layout.agiDir)) ?? [], layout);
    const rpm = layout.packages.length ? await rpmCommand(ctx) : { reason: '' };
    // rpm -V reads every file of the packages: give it more than one query's time.
    const pkg = packageCheck(layout, 'reason' in rpm ? { cannot: rpm.reason } : { result: await ctx.run([...rpm.cmd, '-V', ...layout.packages], { timeoutMs: ctx.options.timeoutMs * 5 }) });
    custom.modifiedPackageFiles = pkg.modifiedPackageFiles;
    if (pkg.packageCheck) custom.packageCheck = pkg.packageCheck;
    if (pkg.problem) ctx.problem('rpm -V', pkg.problem);
    custom.newestBackup = newestBackup(await backupFiles(ctx, layout.backups), ctx.now().getTime());
  },
};
