// The outside view judged: which product (and so which ports are required), then every finding the
// facts of a check call for. One place, used by the check itself and again when the host agent's
// answer (its product, the SSH session it saw) changes the product decision or the vantage point.
// Pure: facts in, decision and findings out.

import { finding } from '../findings.js';
import type { CheckReport, Finding, PortResult, Product, ProductChoice } from '../model.js';
import { guiMatches, PROFILES } from '../profiles.js';
import { httpFindings } from './http.js';
import { criterionMet, CRITERION_DOWN } from './emergency.js';
import { addressFindings } from './ports.js';
import { candidatePorts, decideProduct, productEvidence, type ProductDecision } from './product.js';
import { sshFindings } from './ssh.js';
import { systemDownFromOutside } from './system-down.js';
import { targetFindings } from './target.js';
import { tlsFindings } from './tls.js';
import { vantageFindings } from './vantage.js';

/** What judging the outside view needs from the check's options. */
export interface OutsideContext {
  host: string;
  product: ProductChoice;
  /** --ports: the user named the required ports; the product then only names the GUI. */
  ports?: readonly number[];
  timeoutMs: number;
  allowPrivate: boolean;
}

/** The product the check is judged against: --product as given, else decided from the evidence. */
export function productFor(choice: ProductChoice, ports: readonly PortResult[], agentProduct?: Product | 'unknown' | null): ProductDecision {
  if (choice !== 'auto') return { product: choice, candidates: [choice], certain: true, reason: 'chosen with --product' };
  return decideProduct(productEvidence(ports, agentProduct));
}

/** Is this port one support needs? --ports names them; else every candidate product's profile does. */
export function isRequired(p: PortResult, decision: ProductDecision, customPorts?: readonly number[]): boolean {
  if (p.purpose === 'exposure') return false;
  if (customPorts) return true;
  return candidatePorts(decision.candidates).has(p.port);
}

/** The ports with `required` set for this decision (new objects; the facts are not touched). */
export function withRequired(ports: readonly PortResult[], decision: ProductDecision, customPorts?: readonly number[]): PortResult[] {
  return ports.map((p) => ({ ...p, required: isRequired(p, decision, customPorts) }));
}

/** The target's product fields for the report. */
export function productTarget(decision: ProductDecision, ctx: Pick<OutsideContext, 'product' | 'ports'>): Pick<CheckReport['target'], 'product' | 'productReason' | 'productCandidates'> {
  const t: Pick<CheckReport['target'], 'product' | 'productReason' | 'productCandidates'> = { product: decision.product, productReason: decision.reason };
  // With --ports the candidates' ports are not what is required: no candidates to show.
  if (ctx.product === 'auto' && !decision.certain && !ctx.ports) t.productCandidates = [...decision.candidates];
  return t;
}

function serviceFindings(p: PortResult, decision: ProductDecision, ctx: OutsideContext): Finding[] {
  if (!p.required || p.state !== 'open') return [];
  // Uncertain: a GUI that looks like any candidate's is the product's GUI.
  const gui = decision.candidates.find((c) => guiMatches(c, p.http?.recognized ?? null)) ?? decision.product;
  return [...tlsFindings(p, { host: ctx.host, timeoutMs: ctx.timeoutMs }), ...(p.purpose === 'gui' ? httpFindings(p, gui) : []), ...sshFindings(p)];
}

function productFinding(decision: ProductDecision, ctx: OutsideContext): Finding[] {
  if (ctx.product !== 'auto') return [];
  // With --ports the required ports are the user's: an uncertain product hides nothing, it only names the GUI.
  if (decision.certain || ctx.ports) return [finding('PRODUCT_AUTO_GUESS', { product: PROFILES[decision.product].title, reason: decision.reason })];
  return [finding('PRODUCT_UNCERTAIN', { reason: decision.reason, candidates: decision.candidates.map((c) => PROFILES[c].title).join(', ') })];
}

/** Every finding of the outside view; `ports` must already carry `required` for `decision`. */
export function outsideFindings(facts: Pick<CheckReport, 'ports' | 'icmp' | 'vantage'> & { addresses: readonly string[] }, decision: ProductDecision, ctx: OutsideContext): Finding[] {
  const { addresses, ports, icmp } = facts;
  const findings: Finding[] = [
    ...targetFindings(addresses, ctx.allowPrivate),
    ...vantageFindings(facts.vantage, ctx.allowPrivate),
    ...addresses.flatMap((a) => addressFindings(a, ports, icmp.alive === true)),
    ...ports.flatMap((p) => serviceFindings(p, decision, ctx)),
    ...productFinding(decision, ctx),
  ];
  // "System down" seen from outside: the same EMERGENCY_CRITERIA_MET the agent raises for it inside.
  // Only against the vendor's own port lists: ports picked with --ports say nothing of the system.
  const down = ctx.ports ? null : systemDownFromOutside(ports, icmp.alive);
  if (down) findings.push(criterionMet(CRITERION_DOWN, down));
  return findings;
}
