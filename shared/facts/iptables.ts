// iptables-save / ip6tables-save output → the rule model (shared/model.ts FilterTable). Pure: text in,
// tables out; the installed agent runs the command, an agentless collector sends its output here too.
// Only what decides a new inbound TCP connection is modelled; any match this parser does not know is
// kept by name in `unknown`, so the evaluator says "depends on …" instead of guessing.

import type { FilterChain, FilterMatch, FilterRule, FilterTable, FilterVerdict } from '../model.js';

/** Which netfilter hooks each iptables table's built-in chains sit on, with the kernel's priorities. */
const BUILTIN: Record<string, Record<string, { hook: NonNullable<FilterChain['hook']>; priority: number }>> = {
  raw: { PREROUTING: { hook: 'prerouting', priority: -300 }, OUTPUT: { hook: 'output', priority: -300 } },
  mangle: {
    PREROUTING: { hook: 'prerouting', priority: -150 },
    INPUT: { hook: 'input', priority: -150 },
    FORWARD: { hook: 'forward', priority: -150 },
    OUTPUT: { hook: 'output', priority: -150 },
    POSTROUTING: { hook: 'postrouting', priority: -150 },
  },
  filter: { INPUT: { hook: 'input', priority: 0 }, FORWARD: { hook: 'forward', priority: 0 }, OUTPUT: { hook: 'output', priority: 0 } },
  security: { INPUT: { hook: 'input', priority: 50 }, FORWARD: { hook: 'forward', priority: 50 }, OUTPUT: { hook: 'output', priority: 50 } },
};

/** Targets that end a packet's way through the chains like DROP does. */
const DROP_LIKE = new Set(['DROP', 'TARPIT']);
/** Modules whose options this parser reads; any other module is an `unknown` match. */
const KNOWN_MODULES = new Set(['tcp', 'udp', 'multiport', 'conntrack', 'state', 'comment', 'set', 'icmp', 'icmp6', 'ipv6-icmp']);

/** Rules kept per chain in a report (a host with thousands of ban rules); the chain then says `truncated`. */
export const MAX_CHAIN_RULES = 900;

/** Bound a ruleset for the report: each chain keeps its first MAX_CHAIN_RULES rules and says when it had more. */
export function boundTables(tables: FilterTable[]): FilterTable[] {
  for (const t of tables) {
    for (const c of t.chains) {
      if (c.rules.length > MAX_CHAIN_RULES) {
        c.rules = c.rules.slice(0, MAX_CHAIN_RULES);
        c.truncated = true;
      }
    }
    for (const set of t.sets) {
      if (set.elements.length > MAX_CHAIN_RULES) {
        set.elements = set.elements.slice(0, MAX_CHAIN_RULES);
        set.partial = true;
      }
    }
  }
  return tables;
}

export interface IptablesSave {
  /** "nf_tables" when iptables is the nft backend (its rules are also in `nft list ruleset`), "legacy" or null. */
  backend: 'nf_tables' | 'legacy' | null;
  tables: FilterTable[];
}

/** Split a rule line into words; double-quoted words (comments) stay one word. Linear. */
export function splitWords(line: string): string[] {
  if (!line.includes('"')) return line.split(/[ \t]+/).filter((w) => w !== '');
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) cur += line[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      has = true;
    } else if (c === ' ' || c === '\t') {
      if (has || cur) out.push(cur);
      cur = '';
      has = false;
    } else {
      cur += c;
    }
  }
  if (has || cur) out.push(cur);
  return out;
}

function portRanges(v: string): Array<[number, number]> | null {
  const out: Array<[number, number]> = [];
  for (const part of v.split(',')) {
    const m = /^(\d{1,5})?(?::(\d{1,5})?)?$/.exec(part);
    if (!m || part === '') return null;
    const lo = m[1] === undefined ? 0 : Number(m[1]);
    const hi = part.includes(':') ? (m[2] === undefined ? 65535 : Number(m[2])) : lo;
    out.push([lo, hi]);
  }
  return out;
}

function parseRule(words: string[], text: string, isChain: (name: string) => boolean): FilterRule {
  const match: FilterMatch = {};
  const unknown: string[] = [];
  let action: FilterRule['action'] = 'continue';
  let target: string | undefined;
  let negate = false;
  const take = (i: number) => words[i] ?? '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '!') {
      negate = true;
      continue;
    }
    const neg = negate;
    negate = false;
    switch (w) {
      case '-A':
      case '--append':
        i++;
        break;
      case '-p':
      case '--protocol': {
        const p = take(++i).toLowerCase();
        if (p !== 'all' && p !== '0') {
          match.protocol = p === '6' ? 'tcp' : p === '17' ? 'udp' : p;
          if (neg) match.protocolNegated = true;
        }
        break;
      }
      case '-s':
      case '--source':
        match.sources = take(++i).split(',');
        if (neg) match.sourcesNegated = true;
        break;
      case '-d':
      case '--destination':
        unknown.push(`${neg ? '! ' : ''}-d ${take(++i)}`);
        break;
      case '-i':
      case '--in-interface':
        match.inInterfaces = [take(++i)];
        if (neg) match.inInterfacesNegated = true;
        break;
      case '-o':
      case '--out-interface':
        i++; // no outgoing interface on the input path
        break;
      case '-f':
      case '--fragment':
        unknown.push(`${neg ? '! ' : ''}-f`);
        break;
      case '-m':
      case '--match':
        if (!KNOWN_MODULES.has(take(++i))) unknown.push(`-m ${take(i)}`);
        break;
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports': {
        const r = portRanges(take(++i));
        if (r) {
          match.dports = r;
          if (neg) match.dportsNegated = true;
        } else unknown.push(`${w} ${take(i)}`);
        break;
      }
      case '--ctstate':
      case '--state':
        match.ctStates = take(++i).toLowerCase().split(',');
        if (neg) match.ctStatesNegated = true;
        break;
      case '--match-set': {
        const name = take(++i);
        const dirs = take(++i);
        if (dirs.split(',')[0] === 'src') {
          match.sourceSets = [name];
          if (neg) match.sourceSetsNegated = true;
        } else unknown.push(`--match-set ${name} ${dirs}`);
        break;
      }
      case '--comment':
        i++;
        break;
      case '--syn':
        // A new connection's first packet is a SYN: "--syn" holds, "! --syn" never does.
        if (neg) unknown.push('! --syn');
        break;
      case '--tcp-flags': {
        const mask = take(++i);
        const set = take(++i);
        if (!(set === 'SYN' && /SYN/.test(mask)) || neg) unknown.push(`${neg ? '! ' : ''}--tcp-flags ${mask} ${set}`);
        break;
      }
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        const t = take(++i);
        if (t === 'ACCEPT') action = 'accept';
        else if (DROP_LIKE.has(t)) action = 'drop';
        else if (t === 'REJECT') action = 'reject';
        else if (t === 'RETURN') action = 'return';
        else if (t === 'QUEUE' || t === 'NFQUEUE') action = 'unknown'; // a user-space program decides
        else if (isChain(t)) {
          action = w === '-g' || w === '--goto' ? 'goto' : 'jump';
          target = t;
        } else action = 'continue'; // LOG, MARK, DNAT, … never drop
        // Target options (--reject-with, --log-prefix "…") follow; skip them.
        while (i + 1 < words.length && words[i + 1]!.startsWith('--')) i += 2;
        break;
      }
      case '-c':
      case '--set-counters':
        i += 2;
        break;
      default:
        if (w.startsWith('-')) {
          // An option of a module we know but do not model (--icmp-type, --sport, …).
          const arg = i + 1 < words.length && !words[i + 1]!.startsWith('-') ? take(++i) : '';
          if (!['--icmp-type', '--icmpv6-type'].includes(w)) unknown.push(`${neg ? '! ' : ''}${w}${arg ? ` ${arg}` : ''}`);
        }
    }
  }
  if (unknown.length) match.unknown = unknown;
  const rule: FilterRule = { text, match, action };
  if (target) rule.target = target;
  return rule;
}

/** Parse `iptables-save` (or `ip6tables-save`) output. Lines it cannot read are skipped. */
export function parseIptablesSave(text: string, tool: 'iptables' | 'ip6tables'): IptablesSave {
  const tables: FilterTable[] = [];
  let backend: IptablesSave['backend'] = null;
  let table: FilterTable | null = null;
  const chains = new Map<string, FilterChain>();
  const isChain = (name: string) => chains.has(name);
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      if (backend === null && /Generated by ip6?tables-(?:nft-|legacy-)?save/.test(line)) backend = /nf_tables/.test(line) ? 'nf_tables' : 'legacy';
      continue;
    }
    if (line.startsWith('*')) {
      table = { source: tool, family: tool === 'iptables' ? 'ip' : 'ip6', name: line.slice(1), chains: [], sets: [] };
      tables.push(table);
      chains.clear();
      continue;
    }
    if (!table) continue;
    if (line === 'COMMIT') {
      table = null;
      continue;
    }
    const decl = /^:(\S+)\s+(\S+)/.exec(line);
    if (decl) {
      const builtin = BUILTIN[table.name]?.[decl[1]!];
      const chain: FilterChain = { name: decl[1]!, rules: [] };
      if (builtin) {
        chain.hook = builtin.hook;
        chain.priority = builtin.priority;
        const p = decl[2]!.toUpperCase();
        chain.policy = (p === 'DROP' ? 'drop' : 'accept') as FilterVerdict;
      }
      table.chains.push(chain);
      chains.set(chain.name, chain);
      continue;
    }
    const body = line.startsWith('[') ? line.replace(/^\[\d+:\d+\]\s+/, '') : line;
    const name = /^-A\s+(\S+)/.exec(body)?.[1];
    if (!name) continue;
    let chain = chains.get(name);
    if (!chain) {
      chain = { name, rules: [] };
      table.chains.push(chain);
      chains.set(chain.name, chain);
    }
    // A host with thousands of ban rules: the report keeps the first ones and says so.
    if (chain.rules.length >= MAX_CHAIN_RULES) {
      chain.truncated = true;
      continue;
    }
    chain.rules.push(parseRule(splitWords(body), body, isChain));
  }
  return { backend, tables };
}

/** `ipset save`: "create NAME hash:ip family inet …" / "add NAME 192.0.2.7" → named address sets. */
export function parseIpsetSave(text: string): Array<{ name: string; elements: string[] }> {
  const sets = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const w = raw.trim().split(/\s+/);
    if (w[0] === 'create' && w[1]) sets.set(w[1], sets.get(w[1]) ?? []);
    else if (w[0] === 'add' && w[1] && w[2]) {
      const list = sets.get(w[1]) ?? [];
      // hash:ip,port members ("192.0.2.7,tcp:5060") keep the address.
      list.push(w[2].split(',')[0]!);
      sets.set(w[1], list);
    }
  }
  return [...sets].map(([name, elements]) => ({ name, elements }));
}
