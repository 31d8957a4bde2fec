// Which product this host runs: looks for the marker paths and reads the version files and the
// ini; shared/facts/product.ts decides.

import { readdir, readFile, stat } from 'node:fs/promises';
import { ISSABEL_CALLCENTER } from '../../shared/facts/layout.js';
import type { RunResult } from '../../shared/facts/run.js';
import type { ProductFacts } from '../../shared/model.js';
import { LXC_DIR, LXC_PBXWARE, PRODUCT_MARKERS, RPM_PRODUCT_PACKAGE, callCenterFacts, detectProduct, effectiveLayout, firstLine, productFacts, productIni, rpmQueryVersion } from '../../shared/facts/product.js';
import { rpmCommand } from './rpm.js';
import { errnoReason, hostPath, type FactSource, type SourceContext } from './source.js';

async function exists(ctx: SourceContext, path: string): Promise<boolean> {
  try {
    await stat(hostPath(ctx, path));
    return true;
  } catch {
    return false;
  }
}

async function lxcVpses(ctx: SourceContext): Promise<string[]> {
  try {
    const names = (await readdir(hostPath(ctx, LXC_DIR))).sort();
    const out: string[] = [];
    for (const n of names) if (await exists(ctx, `${LXC_DIR}/${n}/${LXC_PBXWARE}`)) out.push(n);
    return out;
  } catch {
    return [];
  }
}

async function versionLine(ctx: SourceContext, files: readonly string[]): Promise<string | null> {
  for (const f of files) {
    try {
      const line = firstLine(await readFile(hostPath(ctx, f), 'utf8'));
      if (line) return line;
    } catch (err) {
      const reason = errnoReason(err);
      if (reason !== 'no such file or directory') ctx.problem(f, reason);
    }
  }
  return null;
}

/** `rpm -q` of one package, or null when rpm cannot be asked here. */
async function rpmQuery(ctx: SourceContext, pkg: string): Promise<RunResult | null> {
  const rpm = await rpmCommand(ctx);
  if ('reason' in rpm) return null;
  return ctx.run([...rpm.cmd, '-q', '--qf', '%{VERSION}-%{RELEASE}', pkg], { timeoutMs: ctx.options.timeoutMs });
}

async function rpmVersion(ctx: SourceContext, pkg: string): Promise<string | null> {
  const r = await rpmQuery(ctx, pkg);
  return r ? rpmQueryVersion(r) : null;
}

/** Issabel's Call Center module (end of life): rpm first, its paths as the fallback. */
async function callCenter(ctx: SourceContext): Promise<ProductFacts['callCenter'] | null> {
  const [rpm, present] = await Promise.all([
    rpmQuery(ctx, ISSABEL_CALLCENTER.package),
    Promise.all(ISSABEL_CALLCENTER.paths.map(async (p): Promise<string | null> => ((await exists(ctx, p)) ? p : null))),
  ]);
  return callCenterFacts(rpm, present.filter((p): p is string => p !== null));
}

export const productSource: FactSource = {
  name: 'product',
  stage: 0,
  async collect(ctx, draft) {
    const present = new Set<string>();
    await Promise.all(PRODUCT_MARKERS.map(async (m) => (await exists(ctx, m)) && present.add(m)));
    const found = detectProduct(present, await lxcVpses(ctx), ctx.options.vps);
    if (!found) {
      draft.product = { name: 'unknown', version: null, evidence: `no product files under ${ctx.options.root}` };
      ctx.product = null;
      ctx.layout = null;
      return;
    }
    const layout = effectiveLayout(found, ctx.options.paths);
    ctx.product = found.product;
    ctx.layout = layout;
    const ini = productIni(found, layout);
    // The database source reports an unreadable ini; no second finding for it here.
    const iniText = ini ? await readFile(hostPath(ctx, ini), 'utf8').catch(() => null) : null;
    const line = await versionLine(ctx, layout.versionFiles);
    draft.product = productFacts(found, {
      ini: iniText,
      versionLine: line,
      rpmVersion: line === null && found.product === 'issabel' ? await rpmVersion(ctx, RPM_PRODUCT_PACKAGE) : null,
    });
    if (found.product === 'issabel') {
      const cc = await callCenter(ctx);
      if (cc) draft.product.callCenter = cc;
    }
  },
};
