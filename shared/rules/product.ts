// `--product auto`: which product answers, decided from all the evidence — SSH on 22/2020/2222, the
// GUI fingerprint of every web port and (when merged) the host agent's own answer. When the
// evidence disagrees or is too thin, the decision says so and names every product still possible:
// the check then requires the union of their ports, so a blocked port is never hidden by a guess.
// Pure: facts in, a decision with its reason in words out.

import type { PortResult, Product } from '../model.js';
import { PROFILES } from '../profiles.js';

export type EvidenceStrength = 'strong' | 'weak';

/** One thing seen that says something about the product. */
export interface ProductEvidence {
  /** What was seen, in words ("SSH answers on 2222", "the GUI on 443 looks like SERVERware"). */
  what: string;
  /** The product this evidence points to on its own. */
  suggests: Product;
  /** Every product this evidence is consistent with (includes `suggests`). */
  consistentWith: readonly Product[];
  /** Strong evidence can decide; weak evidence only narrows the choice or casts doubt. */
  strength: EvidenceStrength;
}

export interface ProductDecision {
  /** The best guess: names the profile in titles and messages. */
  product: Product;
  /** Products whose required ports are checked: one when certain, more when uncertain. */
  candidates: Product[];
  certain: boolean;
  reason: string;
}

const ORDER: readonly Product[] = ['pbxware', 'serverware', 'issabel'];
const ALL: readonly Product[] = ORDER;
const title = (p: Product) => PROFILES[p].title;
const titles = (ps: readonly Product[]) => ps.map(title).join(' or ');

/**
 * SSH ports and what an SSH answer there means. 2222 is SERVERware's own host SSH: nothing else
 * uses it, so it decides. 2020 is Bicom's (PBXware, and SERVERware's VPSs). 22 is every Linux box's.
 */
const SSH_SIGNS: ReadonlyArray<{ port: number; evidence: Omit<ProductEvidence, 'what'>; words: string }> = [
  { port: 2222, words: 'SERVERware host SSH', evidence: { suggests: 'serverware', consistentWith: ['serverware'], strength: 'strong' } },
  { port: 2020, words: 'Bicom SSH: PBXware or SERVERware', evidence: { suggests: 'pbxware', consistentWith: ['pbxware', 'serverware'], strength: 'weak' } },
  { port: 22, words: 'Issabel\'s SSH port, but any Linux host may answer there', evidence: { suggests: 'issabel', consistentWith: ALL, strength: 'weak' } },
];

/** What a recognised GUI is consistent with: SERVERware hosts serve PBXware GUIs too. */
const GUI_CONSISTENT: Record<Product, readonly Product[]> = {
  pbxware: ['pbxware', 'serverware'],
  serverware: ['serverware'],
  issabel: ['issabel'],
};

/**
 * An SSH port "answers" when it is open on any address and does not say it is something else.
 * Without the SSH probe (fleet `--probes tcp`) an open SSH port counts, as nothing contradicts it.
 */
function sshAnswers(ports: readonly PortResult[], port: number): boolean {
  return ports.some((p) => p.port === port && p.state === 'open' && (p.ssh === undefined || (p.ssh.banner?.startsWith('SSH-') ?? false)));
}

/** The evidence in a finished outside check, plus the agent's product when it was merged. */
export function productEvidence(ports: readonly PortResult[], agentProduct?: Product | 'unknown' | null): ProductEvidence[] {
  const out: ProductEvidence[] = [];
  if (agentProduct && agentProduct !== 'unknown') {
    out.push({ what: `the host agent found ${title(agentProduct)} installed`, suggests: agentProduct, consistentWith: [agentProduct], strength: 'strong' });
  }
  for (const product of ORDER) {
    const on = [...new Set(ports.filter((p) => p.http?.recognized === product).map((p) => p.port))].sort((a, b) => a - b);
    if (on.length) out.push({ what: `the GUI on ${on.join(', ')} looks like ${title(product)}`, suggests: product, consistentWith: GUI_CONSISTENT[product], strength: 'strong' });
  }
  for (const s of SSH_SIGNS) if (sshAnswers(ports, s.port)) out.push({ what: `SSH answers on ${s.port} (${s.words})`, ...s.evidence });
  return out;
}

function intersect(sets: ReadonlyArray<readonly Product[]>): Product[] {
  return ORDER.filter((p) => sets.every((s) => s.includes(p)));
}

function unique(ps: readonly Product[]): Product[] {
  return ORDER.filter((p) => ps.includes(p));
}

const listed = (ev: readonly ProductEvidence[]) => ev.map((e) => e.what).join('; ');

/** What is missing, for a decision on weak evidence only. */
function missing(ev: readonly ProductEvidence[]): string {
  return ev.length === 0 ? 'no SSH answered on 22, 2020 or 2222 and no GUI was recognised' : `${listed(ev)}; no GUI was recognised and SSH on 2222 did not answer`;
}

/**
 * The decision. Strong evidence (the agent, a recognised GUI, SSH on 2222) decides when it all
 * agrees; weak evidence (SSH on 2020 or 22) that contradicts it casts doubt. With no strong
 * evidence the product is too thin to tell: every product the weak evidence allows is a candidate.
 */
export function decideProduct(evidence: readonly ProductEvidence[]): ProductDecision {
  const strong = evidence.filter((e) => e.strength === 'strong');
  const weak = evidence.filter((e) => e.strength === 'weak');

  if (strong.length === 0) {
    const candidates = intersect(weak.map((e) => e.consistentWith));
    const possible = candidates.length ? candidates : [...ALL];
    // The guess only names the profile (every candidate's ports are required): PBXware, the common case.
    const product = possible.includes('pbxware') ? 'pbxware' : possible[0]!;
    return { product, candidates: possible, certain: possible.length === 1, reason: `too little evidence to tell ${titles(possible)} apart: ${missing(weak)}` };
  }

  const common = intersect(strong.map((e) => e.consistentWith));
  if (common.length === 0) {
    const candidates = unique(strong.map((e) => e.suggests));
    const product = strong[0]!.suggests; // the agent's answer when there is one (it comes first)
    return { product, candidates, certain: false, reason: `the evidence disagrees: ${listed(strong)}` };
  }
  const pointed = unique(strong.map((e) => e.suggests)).filter((p) => common.includes(p));
  const product = common.length === 1 ? common[0]! : pointed.length === 1 ? pointed[0]! : null;
  if (product === null) {
    return { product: pointed[0] ?? common[0]!, candidates: common, certain: false, reason: `the evidence fits ${titles(common)}: ${listed(strong)}` };
  }
  const against = weak.filter((e) => !e.consistentWith.includes(product));
  if (against.length) {
    return {
      product,
      candidates: unique([product, ...against.map((e) => e.suggests)]),
      certain: false,
      reason: `the evidence disagrees: ${listed(strong)}, but ${listed(against)}`,
    };
  }
  const backing = [...strong, ...weak.filter((e) => e.consistentWith.length < ALL.length)];
  return { product, candidates: [product], certain: true, reason: listed(backing) };
}

/** The required port numbers of a decision: the union of every candidate's profile. */
export function candidatePorts(candidates: readonly Product[]): Set<number> {
  return new Set(candidates.flatMap((c) => PROFILES[c].ports.map((s) => s.port)));
}
