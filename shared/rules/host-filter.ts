// What the host's own packet filter does with a new inbound TCP connection: one pure evaluator over the
// rule model every reader fills (iptables-save, ip6tables-save, nft -j list ruleset).
//
// Netfilter semantics, as far as they decide a new connection on the input path: every base chain on
// the prerouting and input hooks runs in priority order (all tables, iptables and nftables alike); a
// drop or reject in any of them is final, an accept only ends that chain. Within a chain, rules run in
// order; jump returns, goto does not; a base chain's end is its policy.
// A match the model cannot judge (an interface, a rate limit, an xt match) forks the evaluation: both
// outcomes are followed, and when they differ the answer is "depends", naming the conditions.

import ipaddr from 'ipaddr.js';
import { MAX_CHAIN_RULES, boundTables } from '../facts/iptables.js';
import type { FilterChain, FilterMatch, FilterRule, FilterTable, FilterVerdict, HostFirewallFacts } from '../model.js';

export interface FilterPacket {
  family: 4 | 6;
  port: number;
  /**
   * Where it comes from: an address or CIDR (the vendor's support range). Absent = "from the
   * Internet at large": a source no rule names, so rules for specific sources do not apply to it.
   */
  source?: string;
  /** The interface it arrives on, when known (the uplink); unknown interfaces make -i rules "depends". */
  iface?: string | null;
}

export interface FilterDecision {
  /** accept/drop/reject: every path agrees; depends: it turns on `conditions`; unknown: not (fully) readable. */
  verdict: FilterVerdict | 'depends' | 'unknown';
  /** The rules (or policies) that drop/reject it, "nftables inet pbxfw input: tcp dport 2020 drop". */
  deciding: string[];
  /** Rules whose match could not be judged, on the paths that differ. */
  conditions: string[];
  /** Why it is unknown: the readers that could not read the filter. */
  unread: string[];
}

type Tri = 'yes' | 'no' | 'maybe';

interface Outcome {
  kind: FilterVerdict | 'return' | 'unknown';
  rule?: string;
  conditions: string[];
}

// ---- addresses ----

type Cidr = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** Parsed CIDRs, by text: a ruleset names the same few ranges over and over (bounded). */
const PARSED = new Map<string, Cidr | null>();

function parseCidr(s: string): Cidr | null {
  const known = PARSED.get(s);
  if (known !== undefined) return known;
  if (PARSED.size > 10_000) PARSED.clear();
  const c = parseCidrOnce(s);
  PARSED.set(s, c);
  return c;
}

function parseCidrOnce(s: string): Cidr | null {
  try {
    if (!s.includes('/')) {
      const a = ipaddr.process(s); // IPv4-mapped IPv6 becomes the IPv4 address
      return [a, a.kind() === 'ipv4' ? 32 : 128];
    }
    // ipaddr.parseCIDR tries IPv6 first and throws: pick the family by its separator.
    const [addr, len] = s.includes(':') ? ipaddr.IPv6.parseCIDR(s) : ipaddr.IPv4.parseCIDR(s);
    return [addr, len];
  } catch {
    return null;
  }
}

/** How CIDR `a` relates to CIDR `b`: inside it, overlapping part of it, or apart. */
export function cidrRelation(a: string, b: string): 'inside' | 'partial' | 'apart' {
  const x = parseCidr(a);
  const y = parseCidr(b);
  if (!x || !y || x[0].kind() !== y[0].kind()) return 'apart';
  if (x[1] >= y[1] && x[0].match(y[0] as never, y[1])) return 'inside';
  if (y[1] > x[1] && y[0].match(x[0] as never, x[1])) return 'partial';
  return 'apart';
}

export function cidrFamily(s: string): 4 | 6 | null {
  const c = parseCidr(s);
  return c ? (c[0].kind() === 'ipv4' ? 4 : 6) : null;
}

export function isCidr(s: string): boolean {
  return parseCidr(s) !== null;
}

// ---- matching ----

const flip = (t: Tri): Tri => (t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'maybe');
const neg = (t: Tri, negated: boolean | undefined) => (negated ? flip(t) : t);
const and = (a: Tri, b: Tri): Tri => (a === 'no' || b === 'no' ? 'no' : a === 'maybe' || b === 'maybe' ? 'maybe' : 'yes');

function sourceIn(list: readonly string[], pkt: FilterPacket, partialSet = false): Tri {
  // "From the Internet at large" is in no list a rule names (an unknown set member cannot be it either).
  if (pkt.source === undefined) return 'no';
  let out: Tri = partialSet ? 'maybe' : 'no';
  for (const c of list) {
    const r = cidrRelation(pkt.source, c);
    if (r === 'inside') return 'yes';
    if (r === 'partial') out = 'maybe';
  }
  return out;
}

function ifaceMatch(names: readonly string[], pkt: FilterPacket): Tri {
  const hit = (name: string, iface: string) => (name.endsWith('+') ? iface.startsWith(name.slice(0, -1)) : name === iface);
  // Traffic from outside never arrives on loopback.
  if (names.every((n) => n === 'lo')) return 'no';
  if (!pkt.iface) return 'maybe';
  return names.some((n) => hit(n, pkt.iface!)) ? 'yes' : 'no';
}

function matches(m: FilterMatch, pkt: FilterPacket, table: FilterTable): Tri {
  let t: Tri = 'yes';
  if (m.ipFamily && m.ipFamily !== pkt.family) return 'no';
  if (m.protocol) t = and(t, neg(m.protocol === 'tcp' ? 'yes' : 'no', m.protocolNegated));
  if (m.dports) t = and(t, neg(m.dports.some(([lo, hi]) => pkt.port >= lo && pkt.port <= hi) ? 'yes' : 'no', m.dportsNegated));
  if (m.sources) t = and(t, neg(sourceIn(m.sources, pkt), m.sourcesNegated));
  if (m.sourceSets) {
    let inSets: Tri = 'no';
    for (const name of m.sourceSets) {
      const set = table.sets.find((x) => x.name === name);
      // A set we could not read: its members are unknown (but never "the Internet at large").
      const r: Tri = set ? sourceIn(set.elements, pkt, set.partial) : pkt.source === undefined ? 'no' : 'maybe';
      if (r === 'yes') {
        inSets = 'yes';
        break;
      }
      if (r === 'maybe') inSets = 'maybe';
    }
    t = and(t, neg(inSets, m.sourceSetsNegated));
  }
  if (m.inInterfaces) t = and(t, neg(ifaceMatch(m.inInterfaces, pkt), m.inInterfacesNegated));
  if (m.ctStates) t = and(t, neg(m.ctStates.includes('new') ? 'yes' : 'no', m.ctStatesNegated));
  if (m.unknown?.length && t !== 'no') t = 'maybe';
  return t;
}

// ---- walking the chains ----

/** Outcomes beyond this many paths are not followed: the answer becomes "depends". */
const MAX_PATHS = 256;
/** Distinct deciding rules kept per verdict (accept, drop, …): the verdicts stay exact, the naming bounded. */
const MAX_RULES_PER_VERDICT = 16;
/** Conditions kept per outcome: they name what the answer depends on, a few are enough. */
const MAX_CONDITIONS = 8;
/** Rules examined per decision at most (hostile or huge rulesets with forks): then "unknown". */
const RULE_BUDGET = 200_000;

function withConditions(o: Outcome, conds: readonly string[]): Outcome {
  if (o.conditions.length >= MAX_CONDITIONS || conds.length === 0) return o;
  return { ...o, conditions: [...conds, ...o.conditions].slice(0, MAX_CONDITIONS) };
}

/** `list` with `add` in front, one outcome per (verdict, rule) and at most MAX_RULES_PER_VERDICT rules per verdict. */
function insert(list: readonly Outcome[], add: readonly Outcome[]): Outcome[] {
  const out = list.slice();
  for (const o of add) {
    const i = out.findIndex((x) => x.kind === o.kind && x.rule === o.rule);
    if (i >= 0) {
      const seen = out[i]!;
      if (seen.conditions.length < MAX_CONDITIONS) out[i] = { ...seen, conditions: [...new Set([...o.conditions, ...seen.conditions])].slice(0, MAX_CONDITIONS) };
      continue;
    }
    if (out.reduce((n, x) => n + (x.kind === o.kind ? 1 : 0), 0) >= MAX_RULES_PER_VERDICT) continue;
    out.unshift(o);
  }
  return out;
}

/**
 * One outcome per (verdict, deciding rule): paths that end the same way differ only in their
 * conditions, which are merged (bounded). Keeps forks from multiplying into exponential lists.
 */
function squash(list: readonly Outcome[]): Outcome[] {
  const byKey = new Map<string, Outcome>();
  const perKind = new Map<string, number>();
  for (const o of list) {
    const key = `${o.kind}\u0000${o.rule ?? ''}`;
    const seen = byKey.get(key);
    if (seen) {
      if (seen.conditions.length < MAX_CONDITIONS) seen.conditions = [...new Set([...seen.conditions, ...o.conditions])].slice(0, MAX_CONDITIONS);
      continue;
    }
    // Enough rules named for this verdict: another one changes no answer, only the list's length.
    const n = perKind.get(o.kind) ?? 0;
    if (n >= MAX_RULES_PER_VERDICT) continue;
    perKind.set(o.kind, n + 1);
    byKey.set(key, { ...o, conditions: o.conditions.slice(0, MAX_CONDITIONS) });
  }
  return [...byKey.values()];
}
/** Chains nested by jumps at most: bounds the stack on a hostile ruleset. */
const MAX_DEPTH = 200;

function label(table: FilterTable, chain: FilterChain, r: FilterRule | string): string {
  const where = table.source === 'nftables' ? `nftables ${table.family} ${table.name} ${chain.name}` : `${table.source} ${table.name} ${chain.name}`;
  return `${where}: ${typeof r === 'string' ? r : r.text}`;
}

/**
 * One decision's walk through the rules, computed from each chain's end backwards: what happens from
 * rule i on depends only on rule i and what happens from rule i+1 on, so every rule is looked at
 * once (no path explosion on forks, no deep recursion on long chains). Jumps reach other chains'
 * results (memoised); a chain reached again while it is being computed is a loop (the kernel refuses
 * those; a hostile report may not): "unknown".
 */
class Walker {
  private readonly results = new Map<FilterChain, Outcome[]>();
  private readonly active = new Set<FilterChain>();
  private budget = RULE_BUDGET;

  constructor(
    private readonly table: FilterTable,
    private readonly pkt: FilterPacket,
  ) {}

  /** What happens to the packet from a chain's first rule on ("return" = it falls off the end). */
  chain(chain: FilterChain): Outcome[] {
    const known = this.results.get(chain);
    if (known) return known;
    if (this.active.has(chain) || this.active.size > MAX_DEPTH) return [{ kind: 'unknown', conditions: [label(this.table, chain, 'reached again from itself (a loop)')] }];
    this.active.add(chain);
    try {
      const out = this.compute(chain);
      this.results.set(chain, out);
      return out;
    } finally {
      this.active.delete(chain);
    }
  }

  private compute(chain: FilterChain): Outcome[] {
    // Rules the report did not keep could decide: say so rather than fall through to the policy.
    let after: Outcome[] = chain.truncated
      ? [{ kind: 'unknown', conditions: [label(this.table, chain, `more than ${chain.rules.length} rules, the rest not in the report`)] }]
      : [{ kind: 'return', conditions: [] }];
    for (let i = chain.rules.length - 1; i >= 0; i--) {
      if (--this.budget < 0) return [{ kind: 'unknown', conditions: [label(this.table, chain, 'too many rules to follow')] }];
      const rule = chain.rules[i]!;
      const m = matches(rule.match, this.pkt, this.table);
      if (m === 'no' || rule.action === 'continue') continue;
      const applied = this.apply(chain, rule, after);
      if (m === 'yes') after = applied;
      else {
        // Either way: the rule's effect when it matches (depending on it), or what follows.
        const cond = label(this.table, chain, rule);
        after = insert(after, applied.map((o) => withConditions(o, [cond])));
      }
    }
    return after;
  }

  /** The rule matched: its effect, given `next` (what happens from the following rule on). */
  private apply(chain: FilterChain, rule: FilterRule, next: Outcome[]): Outcome[] {
    switch (rule.action) {
      case 'accept':
      case 'drop':
      case 'reject':
        return [{ kind: rule.action, rule: label(this.table, chain, rule), conditions: [] }];
      case 'unknown':
        return [{ kind: 'unknown', rule: label(this.table, chain, rule), conditions: [label(this.table, chain, rule)] }];
      case 'return':
        return [{ kind: 'return', conditions: [] }];
      case 'jump':
      case 'goto': {
        const sub = this.table.chains.find((c) => c.name === rule.target);
        if (!sub) return next;
        return squash(
          this.chain(sub).flatMap((o) => {
            if (o.kind !== 'return') return [o];
            // A jump comes back to the next rule; a goto returns from the calling chain.
            if (rule.action === 'goto') return [o];
            return next.map((n) => withConditions(n, o.conditions));
          }),
        );
      }
      default:
        return next;
    }
  }
}

export { MAX_CHAIN_RULES, boundTables };

/** Base chains on the hooks a new inbound connection passes, lowest priority first. */
function inputChains(tables: readonly FilterTable[], family: 4 | 6): Array<{ table: FilterTable; chain: FilterChain }> {
  const out: Array<{ table: FilterTable; chain: FilterChain; order: number }> = [];
  for (const table of tables) {
    if (table.family !== 'inet' && table.family !== (family === 4 ? 'ip' : 'ip6')) continue;
    for (const chain of table.chains) {
      if (chain.hook !== 'prerouting' && chain.hook !== 'input') continue;
      // prerouting runs before the routing decision, input after it.
      out.push({ table, chain, order: (chain.hook === 'prerouting' ? 0 : 1e6) + (chain.priority ?? 0) });
    }
  }
  return out.sort((a, b) => a.order - b.order);
}

/** The readers a family's filter depends on. */
const FILTER_READERS: Record<4 | 6, string[]> = { 4: ['iptables', 'nftables'], 6: ['ip6tables', 'nftables'] };

/** What the host's packet filter does with a new TCP connection `pkt`. */
export function decideFilter(fw: HostFirewallFacts, pkt: FilterPacket): FilterDecision {
  let paths: Outcome[] = [{ kind: 'accept', conditions: [] }];
  const final: Outcome[] = [];
  // Every chain's own drops are named, even behind an earlier drop: the partner must open all of them.
  const dropping: string[] = [];
  for (const { table, chain } of inputChains(fw.tables, pkt.family)) {
    const outcomes = squash(new Walker(table, pkt).chain(chain)).map((o): Outcome => (o.kind === 'return' ? { kind: chain.policy ?? 'accept', rule: chain.policy === 'drop' ? label(table, chain, 'policy drop') : undefined, conditions: o.conditions } as Outcome : o));
    for (const o of outcomes) if ((o.kind === 'drop' || o.kind === 'reject') && o.rule) dropping.push(o.rule);
    const next: Outcome[] = [];
    for (const p of paths) {
      for (const o of outcomes) {
        const merged = withConditions(o, p.conditions);
        if (o.kind === 'accept') next.push(merged);
        else final.push(merged);
      }
    }
    const squashed = squash(next);
    paths = squashed.slice(0, MAX_PATHS);
    if (squashed.length > MAX_PATHS) final.push({ kind: 'unknown', conditions: ['too many alternative paths through the rules'] });
  }
  final.push(...paths);
  const readers = FILTER_READERS[pkt.family];
  const unread = fw.readers.filter((r) => readers.includes(r.name) && r.status === 'unreadable').map((r) => `${r.command}: ${r.reason ?? 'unreadable'}`);
  const anyRead = fw.readers.some((r) => readers.includes(r.name) && r.status === 'read');
  if (!anyRead && unread.length === 0) unread.push(`no packet-filter tool could be asked (${readers.map((r) => (r === 'nftables' ? 'nft' : `${r}-save`)).join(', ')} not installed)`);
  const kinds = new Set(final.map((o) => o.kind));
  const deciding = [...new Set(dropping)];
  const conditions = [...new Set(final.flatMap((o) => o.conditions))];
  const definite = kinds.size === 1 && !kinds.has('unknown') ? ([...kinds][0] as FilterVerdict) : null;
  // A drop found in what could be read stands even when another reader failed; an accept does not.
  if (definite === 'drop' || definite === 'reject') return { verdict: definite, deciding, conditions: [], unread };
  if (unread.length) return { verdict: 'unknown', deciding, conditions, unread };
  if (definite) return { verdict: definite, deciding, conditions: [], unread };
  if (kinds.size === 2 && kinds.has('drop') && kinds.has('reject')) return { verdict: 'drop', deciding, conditions: [], unread };
  return { verdict: 'depends', deciding, conditions, unread };
}

/** "drops", "rejects", "may drop": for a finding's sentence. */
export function verdictWords(d: FilterDecision): string {
  return d.verdict === 'reject' ? 'rejects' : d.verdict === 'drop' ? 'drops' : d.verdict === 'depends' ? 'may drop' : d.verdict === 'accept' ? 'admits' : 'may or may not admit';
}
