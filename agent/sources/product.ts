// Which product this host runs, from its filesystem (domain.md), its version where it can be
// found, and licence/edition only when the host states them (never invented).

import { readdir, readFile, stat } from 'node:fs/promises';
import type { Product, ProductFacts } from '../../shared/model.js';
import { ISSABEL_LAYOUT, pbxwareLayout, serverwareLayout, type ProductLayout } from '../layout.js';
import { parseKeyValues, registerSecrets } from './credentials.js';
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
    const names = (await readdir(hostPath(ctx, '/home/lxc'))).sort();
    const out: string[] = [];
    for (const n of names) if (await exists(ctx, `/home/lxc/${n}/rootfs/opt/pbxware`)) out.push(n);
    return out;
  } catch {
    return [];
  }
}

interface Detection {
  product: Product;
  layout: ProductLayout;
  evidence: string;
}

async function detect(ctx: SourceContext): Promise<Detection | null> {
  const vpses = await lxcVpses(ctx);
  const swMarker = (await exists(ctx, '/etc/serverware')) ? '/etc/serverware' : (await exists(ctx, '/opt/serverware')) ? '/opt/serverware' : null;
  if (swMarker || vpses.length) {
    const vps = ctx.options.vps ?? vpses[0] ?? null;
    const why = [swMarker ? `${swMarker} exists` : null, vpses.length ? `PBXware VPS(s) under /home/lxc: ${vpses.join(', ')}` : null].filter(Boolean).join('; ');
    return { product: 'serverware', layout: serverwareLayout(vps), evidence: why };
  }
  if (await exists(ctx, '/opt/pbxware/pw')) return { product: 'pbxware', layout: pbxwareLayout(), evidence: '/opt/pbxware/pw exists' };
  for (const marker of ['/etc/issabel.conf', '/etc/issabelpbx.conf']) {
    if (await exists(ctx, marker)) return { product: 'issabel', layout: ISSABEL_LAYOUT, evidence: `${marker} exists` };
  }
  return null;
}

async function firstLine(ctx: SourceContext, files: readonly string[]): Promise<string | null> {
  for (const f of files) {
    try {
      const line = (await readFile(hostPath(ctx, f), 'utf8')).split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
      if (line) return line.slice(0, 100);
    } catch (err) {
      const reason = errnoReason(err);
      if (reason !== 'no such file or directory') ctx.problem(f, reason);
    }
  }
  return null;
}

async function rpmVersion(ctx: SourceContext, pkg: string): Promise<string | null> {
  const rpm = await rpmCommand(ctx);
  if ('reason' in rpm) return null;
  const r = await ctx.run([...rpm.cmd, '-q', '--qf', '%{VERSION}-%{RELEASE}', pkg], { timeoutMs: ctx.options.timeoutMs });
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** Licence and edition as pbxware.ini states them, if it does. */
async function iniFacts(ctx: SourceContext, layout: ProductLayout): Promise<Partial<Pick<ProductFacts, 'licence' | 'edition' | 'version'>>> {
  const ini = layout.credentialFiles[0];
  if (!ini) return {};
  try {
    const values = parseKeyValues(await readFile(hostPath(ctx, ini), 'utf8'));
    registerSecrets(values);
    const pick = (...keys: string[]) => keys.map((k) => values.get(k)).find((v) => v !== undefined && v !== '');
    const out: Partial<Pick<ProductFacts, 'licence' | 'edition' | 'version'>> = {};
    const licence = pick('pw_licence', 'pw_license', 'licence', 'license', 'license_number');
    const edition = pick('pw_edition', 'edition');
    const version = pick('pw_version', 'version');
    if (licence) out.licence = licence;
    if (edition) out.edition = edition;
    if (version) out.version = version;
    return out;
  } catch {
    // The database source reports an unreadable pbxware.ini; no second finding for it here.
    return {};
  }
}

export const productSource: FactSource = {
  name: 'product',
  stage: 0,
  async collect(ctx, draft) {
    const found = await detect(ctx);
    if (!found) {
      draft.product = { name: 'unknown', version: null, evidence: `no product files under ${ctx.options.root}` };
      ctx.product = null;
      ctx.layout = null;
      return;
    }
    const layout: ProductLayout = { ...found.layout, ...ctx.options.paths };
    ctx.product = found.product;
    ctx.layout = layout;
    const facts: ProductFacts = { name: found.product, version: null, evidence: found.evidence };
    const fromIni = found.product === 'issabel' ? {} : await iniFacts(ctx, found.product === 'serverware' ? pbxwareLayout(layout.base) : layout);
    if (found.product !== 'serverware') Object.assign(facts, fromIni);
    facts.version = (await firstLine(ctx, layout.versionFiles)) ?? (found.product === 'issabel' ? await rpmVersion(ctx, 'issabel-framework') : null) ?? facts.version ?? null;
    draft.product = facts;
  },
};
