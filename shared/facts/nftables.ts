// `nft -j list ruleset` (libnftables JSON, schema 1) → the rule model (shared/model.ts FilterTable).
// Pure: text in, tables out. Each rule gets a readable text in nft's own syntax, rebuilt from its
// expressions, to name it in a finding. Expressions this parser does not model (xt compat matches,
// limits, verdict maps, …) are kept by name in `unknown`: the evaluator then says "depends on …".

import type { FilterChain, FilterMatch, FilterRule, FilterSet, FilterTable } from '../model.js';
import { MAX_CHAIN_RULES } from './iptables.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

const FAMILIES = new Set(['ip', 'ip6', 'inet']);
const HOOKS = new Set(['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress']);
const PROTO_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'ipv6-icmp' };

/** An expression's operand as nft prints it (bounded: huge anonymous sets are abbreviated). */
function show(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{ ${v.slice(0, 8).map(show).join(', ')}${v.length > 8 ? ', …' : ''} }`;
  if (isObj(v)) {
    if (isObj(v.payload)) return `${String(v.payload.protocol)} ${String(v.payload.field)}`;
    if (isObj(v.meta)) return `meta ${String(v.meta.key)}`;
    if (isObj(v.ct)) return `ct ${String(v.ct.key)}`;
    if (isObj(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
    if (Array.isArray(v.range)) return `${show(v.range[0])}-${show(v.range[1])}`;
    if (Array.isArray(v.set)) return show(v.set);
    if ('set' in v) return show(v.set);
    if (isObj(v.elem)) return show(v.elem.val);
    const k = Object.keys(v)[0];
    return k ? k : '?';
  }
  return '?';
}

/** The values of a match's right side, flattened (sets, lists, single values). */
function values(v: unknown): unknown[] {
  if (Array.isArray(v)) return v.flatMap(values);
  if (isObj(v) && 'set' in v) return values(v.set);
  if (isObj(v) && isObj(v.elem)) return [v.elem.val];
  return [v];
}

function portRange(v: unknown): [number, number] | null {
  if (typeof v === 'number' && Number.isInteger(v)) return [v, v];
  if (typeof v === 'string' && /^\d+$/.test(v)) return [Number(v), Number(v)];
  if (isObj(v) && Array.isArray(v.range)) {
    const a = portRange(v.range[0]);
    const b = portRange(v.range[1]);
    return a && b ? [a[0], b[1]] : null;
  }
  return null;
}

/** An address operand as a CIDR, or null (a range that is not one prefix). */
function cidr(v: unknown): string | null {
  if (typeof v === 'string' && !v.startsWith('@')) return v;
  if (isObj(v) && isObj(v.prefix)) return `${String(v.prefix.addr)}/${String(v.prefix.len)}`;
  return null;
}

interface Built {
  match: FilterMatch;
  action: FilterRule['action'];
  target?: string;
  words: string[];
}

function addMatch(b: Built, m: Json): void {
  const op = typeof m.op === 'string' ? m.op : '==';
  const neg = op === '!=';
  const positive = op === '==' || op === 'in';
  const left = m.left;
  const right = m.right;
  b.words.push(`${show(left)}${op === '==' || op === 'in' ? '' : ` ${op}`} ${show(right)}`);
  const unknown = (): void => {
    (b.match.unknown ??= []).push(b.words[b.words.length - 1]!);
  };
  if (!positive && !neg) return unknown();
  if (isObj(left) && isObj(left.payload)) {
    const proto = String(left.payload.protocol);
    const field = String(left.payload.field);
    if ((proto === 'tcp' || proto === 'udp' || proto === 'th') && field === 'dport') {
      const ranges = values(right).map(portRange);
      if (ranges.some((r) => r === null)) return unknown();
      b.match.dports = ranges as Array<[number, number]>;
      if (neg) b.match.dportsNegated = true;
      if (proto !== 'th' && !b.match.protocol) b.match.protocol = proto;
      return;
    }
    if ((proto === 'ip' || proto === 'ip6') && field === 'saddr') {
      b.match.ipFamily = proto === 'ip' ? 4 : 6;
      if (typeof right === 'string' && right.startsWith('@')) {
        b.match.sourceSets = [right.slice(1)];
        if (neg) b.match.sourceSetsNegated = true;
        return;
      }
      const list = values(right).map(cidr);
      if (list.some((c) => c === null)) return unknown();
      b.match.sources = list as string[];
      if (neg) b.match.sourcesNegated = true;
      return;
    }
    if ((proto === 'ip' && field === 'protocol') || (proto === 'ip6' && field === 'nexthdr')) {
      b.match.ipFamily = proto === 'ip' ? 4 : 6;
      return setProtocol(b, right, neg, unknown);
    }
    return unknown();
  }
  if (isObj(left) && isObj(left.meta)) {
    const key = String(left.meta.key);
    if (key === 'l4proto') return setProtocol(b, right, neg, unknown);
    if (key === 'iifname' || key === 'iif') {
      b.match.inInterfaces = values(right).map((x) => String(x).replace(/\*$/, '+'));
      if (neg) b.match.inInterfacesNegated = true;
      return;
    }
    if (key === 'nfproto' && typeof right === 'string' && !neg) {
      if (right === 'ipv4' || right === 'ipv6') b.match.ipFamily = right === 'ipv4' ? 4 : 6;
      return;
    }
    return unknown();
  }
  if (isObj(left) && isObj(left.ct) && String(left.ct.key) === 'state') {
    b.match.ctStates = values(right).map((x) => String(x).toLowerCase());
    if (neg) b.match.ctStatesNegated = true;
    return;
  }
  unknown();
}

function setProtocol(b: Built, right: unknown, neg: boolean, unknown: () => void): void {
  const list = values(right).map((x) => PROTO_NUMBERS[String(x)] ?? String(x));
  if (list.length !== 1) return unknown();
  b.match.protocol = list[0]!;
  if (neg) b.match.protocolNegated = true;
}

function buildRule(r: Json): FilterRule {
  const b: Built = { match: {}, action: 'continue', words: [] };
  const exprs = Array.isArray(r.expr) ? r.expr : [];
  for (const e of exprs) {
    if (!isObj(e)) continue;
    const key = Object.keys(e)[0] ?? '';
    const v = e[key];
    switch (key) {
      case 'match':
        if (isObj(v)) addMatch(b, v);
        break;
      case 'accept':
      case 'drop':
        b.action = key;
        b.words.push(key);
        break;
      case 'reject':
        b.action = 'reject';
        b.words.push('reject');
        break;
      case 'return':
        b.action = 'return';
        b.words.push('return');
        break;
      case 'jump':
      case 'goto':
        if (isObj(v) && typeof v.target === 'string') {
          b.action = key;
          b.target = v.target;
          b.words.push(`${key} ${v.target}`);
        }
        break;
      case 'counter':
      case 'log':
      case 'comment':
      case 'mangle':
      case 'notrack':
        b.words.push(key);
        break;
      case 'queue':
      case 'vmap':
        b.action = 'unknown';
        b.words.push(key);
        break;
      case 'xt':
        // iptables-nft's compat expressions: a target is the rule's verdict (REJECT, LOG…), a match is not modelled.
        if (isObj(v) && v.type === 'target') {
          const name = String(v.name).toUpperCase();
          b.words.push(`xt target ${name}`);
          if (name === 'REJECT') b.action = 'reject';
          else if (name === 'DROP' || name === 'TARPIT') b.action = 'drop';
          else if (name === 'ACCEPT') b.action = 'accept';
          else if (name === 'NFQUEUE' || name === 'QUEUE') b.action = 'unknown';
          break;
        }
        b.words.push(isObj(v) ? `xt ${String(v.type)} ${String(v.name)}` : 'xt');
        (b.match.unknown ??= []).push(b.words[b.words.length - 1]!);
        break;
      default:
        // limit, quota, meters…: the rule may or may not apply.
        b.words.push(key);
        (b.match.unknown ??= []).push(b.words[b.words.length - 1]!);
    }
  }
  const rule: FilterRule = { text: b.words.join(' '), match: b.match, action: b.action };
  if (b.target) rule.target = b.target;
  return rule;
}

function setElements(s: Json): FilterSet {
  const set: FilterSet = { name: String(s.name), elements: [] };
  for (const e of values(s.elem ?? [])) {
    const c = cidr(e);
    if (c) set.elements.push(c);
    else set.partial = true; // a range that is not one prefix, a concatenation, …
  }
  return set;
}

/** Parse `nft -j list ruleset`. Throws on text that is not the nftables JSON (the caller says so). */
export function parseNftRuleset(text: string): FilterTable[] {
  const doc: unknown = JSON.parse(text);
  if (!isObj(doc) || !Array.isArray(doc.nftables)) throw new Error('not nftables JSON (no "nftables" list)');
  const tables = new Map<string, FilterTable>();
  const chains = new Map<string, FilterChain>();
  const key = (family: unknown, table: unknown) => `${String(family)} ${String(table)}`;
  for (const item of doc.nftables) {
    if (!isObj(item)) continue;
    if (isObj(item.table) && FAMILIES.has(String(item.table.family))) {
      const t = item.table;
      tables.set(key(t.family, t.name), { source: 'nftables', family: t.family as FilterTable['family'], name: String(t.name), chains: [], sets: [] });
    } else if (isObj(item.chain)) {
      const c = item.chain;
      const t = tables.get(key(c.family, c.table));
      if (!t) continue;
      const chain: FilterChain = { name: String(c.name), rules: [] };
      // Only filter chains decide; nat and route chains on the same hook do not drop.
      if (typeof c.hook === 'string' && HOOKS.has(c.hook) && (c.type === undefined || c.type === 'filter')) {
        chain.hook = c.hook as NonNullable<FilterChain['hook']>;
        chain.priority = typeof c.prio === 'number' ? c.prio : 0;
        chain.policy = c.policy === 'drop' ? 'drop' : 'accept';
      }
      t.chains.push(chain);
      chains.set(`${key(c.family, c.table)} ${chain.name}`, chain);
    } else if (isObj(item.rule)) {
      const r = item.rule;
      const chain = chains.get(`${key(r.family, r.table)} ${String(r.chain)}`);
      if (!chain) continue;
      if (chain.rules.length >= MAX_CHAIN_RULES) chain.truncated = true;
      else chain.rules.push(buildRule(r));
    } else if (isObj(item.set)) {
      const s = item.set;
      tables.get(key(s.family, s.table))?.sets.push(setElements(s));
    }
  }
  return [...tables.values()];
}

/**
 * With iptables on the nf_tables backend, iptables' own tables show up in the nft ruleset too (with
 * xt matches nft cannot print): they are read through iptables-save instead, so they are dropped here.
 */
export function withoutIptablesTables(tables: readonly FilterTable[]): FilterTable[] {
  const IPTABLES = new Set(['filter', 'raw', 'mangle', 'nat', 'security']);
  return tables.filter((t) => !(t.source === 'nftables' && (t.family === 'ip' || t.family === 'ip6') && IPTABLES.has(t.name)));
}
