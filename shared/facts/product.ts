// Which product a host runs, from which of its marker paths exist (domain.md), its version where
// it can be found, and licence/edition only when the host states them (never invented).
// Pure: what exists and what the files say in, facts out.

import type { Product, ProductFacts } from '../model.js';
import { parseKeyValues, registerSecrets } from './credentials.js';
import { ISSABEL_CALLCENTER, ISSABEL_LAYOUT, pbxwareLayout, serverwareLayout, type ProductLayout } from './layout.js';
import { runFailure, type RunResult } from './run.js';

/** Paths whose existence tells the product (host paths, under the collector's root). */
export const PRODUCT_MARKERS = ['/etc/serverware', '/opt/serverware', '/opt/pbxware/pw', '/etc/issabel.conf', '/etc/issabelpbx.conf'] as const;
/** SERVERware keeps PBXware VPSs as /home/lxc/<vps>/rootfs/opt/pbxware. */
export const LXC_DIR = '/home/lxc';
export const LXC_PBXWARE = 'rootfs/opt/pbxware';

export interface Detection {
  product: Product;
  layout: ProductLayout;
  evidence: string;
}

/** The product, from the markers that exist and the VPSs found (sorted names), or null. */
export function detectProduct(present: ReadonlySet<string>, vpses: readonly string[], vpsOption: string | null): Detection | null {
  const swMarker = present.has('/etc/serverware') ? '/etc/serverware' : present.has('/opt/serverware') ? '/opt/serverware' : null;
  if (swMarker || vpses.length) {
    const vps = vpsOption ?? vpses[0] ?? null;
    const why = [swMarker ? `${swMarker} exists` : null, vpses.length ? `PBXware VPS(s) under /home/lxc: ${vpses.join(', ')}` : null].filter(Boolean).join('; ');
    return { product: 'serverware', layout: serverwareLayout(vps), evidence: why };
  }
  if (present.has('/opt/pbxware/pw')) return { product: 'pbxware', layout: pbxwareLayout(), evidence: '/opt/pbxware/pw exists' };
  for (const marker of ['/etc/issabel.conf', '/etc/issabelpbx.conf']) {
    if (present.has(marker)) return { product: 'issabel', layout: ISSABEL_LAYOUT, evidence: `${marker} exists` };
  }
  return null;
}

/** The layout the collector reads: the detected one with the config's path overrides. */
export function effectiveLayout(found: Detection, overrides: Partial<ProductLayout>): ProductLayout {
  return { ...found.layout, ...overrides };
}

/** The ini whose licence/edition/version the product facts take (PBXware's, also inside a SERVERware VPS). */
export function productIni(found: Detection, layout: ProductLayout): string | null {
  if (found.product === 'issabel') return null;
  return (found.product === 'serverware' ? pbxwareLayout(layout.base) : layout).credentialFiles[0] ?? null;
}

/** The first non-empty line of a version file, bounded. */
export function firstLine(text: string): string | null {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0);
  return line ? line.slice(0, 100) : null;
}

/** `rpm -q --qf '%{VERSION}-%{RELEASE}' PKG` → the version, or null. */
export function rpmQueryVersion(r: RunResult): string | null {
  return !runFailure(r) && r.stdout.trim() ? r.stdout.trim().slice(0, 100) : null;
}

export const RPM_PRODUCT_PACKAGE = 'issabel-framework';

/**
 * Is Issabel's Call Center module installed? rpm's answer wins when rpm could be asked ("package …
 * is not installed" is a no); otherwise the module's paths decide; null when neither could tell.
 */
export function callCenterFacts(rpm: RunResult | null, presentPaths: readonly string[]): NonNullable<ProductFacts['callCenter']> | null {
  if (rpm && !runFailure(rpm) && rpm.stdout.trim()) return { installed: true, evidence: `rpm -q ${ISSABEL_CALLCENTER.package}: ${rpm.stdout.trim().slice(0, 100)}` };
  if (presentPaths.length) return { installed: true, evidence: `${presentPaths.join(', ')} exist${presentPaths.length === 1 ? 's' : ''}` };
  if (rpm && /is not installed/.test(`${rpm.stdout}\n${rpm.stderr}`)) return { installed: false, evidence: `rpm: package ${ISSABEL_CALLCENTER.package} is not installed` };
  if (rpm === null) return { installed: false, evidence: `none of ${ISSABEL_CALLCENTER.paths.join(', ')} exists (rpm not asked)` };
  return null;
}

/** Licence and edition as pbxware.ini states them, if it does. */
function iniFacts(text: string): Partial<Pick<ProductFacts, 'licence' | 'edition' | 'version'>> {
  const values = parseKeyValues(text);
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
}

export interface ProductRaw {
  /** The product ini's text (productIni()), null when unreadable or none. */
  ini: string | null;
  /** The first line of the first version file that has one. */
  versionLine: string | null;
  /** Issabel: what rpm says of issabel-framework, when it could be asked. */
  rpmVersion: string | null;
}

export function productFacts(found: Detection, raw: ProductRaw): ProductFacts {
  const facts: ProductFacts = { name: found.product, version: null, evidence: found.evidence };
  const fromIni = raw.ini === null ? {} : iniFacts(raw.ini);
  if (found.product !== 'serverware') Object.assign(facts, fromIni);
  facts.version = raw.versionLine ?? (found.product === 'issabel' ? raw.rpmVersion : null) ?? facts.version ?? null;
  return facts;
}
