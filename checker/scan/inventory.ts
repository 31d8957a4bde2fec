// Fleet inventories: YAML, JSON, CSV or one host per line, parsed into entries plus errors that
// name the line. Pure: the caller reads the file (line formats one line at a time, so a fleet of
// any size streams through without being held).

import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Options as CsvOptions } from 'csv-parse/sync';
import type { Node } from 'yaml';
import type { Product, ProductChoice } from '../../shared/model.js';
import { parseAgentSpec, type AgentSpec } from '../agent-source/spec.js';
import { MAX_PORTS_PER_HOST } from '../../shared/cli/flags.js';

// The YAML and CSV parsers are loaded on first use: a plain host list (the fleet format that
// streams) pays for neither at start-up (~30 ms of module loading together). Both ship CommonJS,
// so the pure, synchronous parsers below stay synchronous.
const require = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
let csvModule: typeof import('csv-parse/sync') | undefined;
const yaml = () => (yamlModule ??= require('yaml') as typeof import('yaml'));
const csv = () => (csvModule ??= require('csv-parse/sync') as typeof import('csv-parse/sync'));

export interface InventorySsh {
  user?: string;
  /** Private key file for the SSH login probe. */
  identityFile?: string;
  /** Pinned host key, "SHA256:…". */
  fingerprint?: string;
  knownHosts?: string;
}

/**
 * How to reach the host's inside view: `agent: ssh | auto | agentless` (over the entry's SSH login)
 * or `agent: URL` + token file.
 */
export interface InventoryAgent {
  spec: AgentSpec;
  /** The bearer token of `pbxready-agent serve` (agent URL). */
  tokenFile?: string;
  /** The command run by `agent: ssh|auto` (default: pbxready-agent report --format json). */
  command?: string;
  /** Agentless: where the host's files are read (default /), and its asterisk CLI. */
  root?: string;
  asteriskCmd?: string;
}

export interface InventoryEntry {
  /** 1-based line in the inventory file, for messages. */
  line: number;
  /** Name or address to check. */
  host: string;
  product?: ProductChoice;
  name?: string;
  customer?: string;
  tags: string[];
  ports?: number[];
  ssh?: InventorySsh;
  agent?: InventoryAgent;
}

export interface InventoryError {
  line: number;
  reason: string;
  /** The whole document is unusable (YAML/JSON syntax, no list of hosts): bad input, not a bad entry. */
  document?: true;
}

export type InventoryItem = { entry: InventoryEntry } | { error: InventoryError };
export type InventoryFormat = 'yaml' | 'json' | 'csv' | 'lines';

const PRODUCT_CHOICES: readonly string[] = ['pbxware', 'serverware', 'issabel', 'auto'] satisfies Array<Product | 'auto'>;
const HOSTNAME = /^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}=?$/;

/** The format from the file name, else from the first meaningful characters. */
export function detectFormat(fileName: string, head: string): InventoryFormat {
  const ext = /\.([a-z]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'json') return 'json';
  if (ext === 'csv') return 'csv';
  if (ext === 'txt' || ext === 'list') return 'lines';
  const first = head.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#')) ?? '';
  if (first.startsWith('[') || first.startsWith('{')) return 'json';
  if (first.startsWith('-') || /^hosts\s*:/.test(first)) return 'yaml';
  if (/^(host|address)\s*,/i.test(first)) return 'csv';
  return 'lines';
}

function validHost(host: string): boolean {
  // All-numeric dotted names ("10.0.0.300") are broken addresses, not names.
  return isIP(host) !== 0 || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host));
}

/** Fields every format shares, validated in one place; returns the reason when invalid. */
interface RawFields {
  host?: unknown;
  product?: unknown;
  name?: unknown;
  customer?: unknown;
  tags?: unknown;
  ports?: unknown;
  ssh?: Record<string, unknown>;
  agent?: unknown;
  agent_token_file?: unknown;
  agent_command?: unknown;
  agent_root?: unknown;
  agent_asterisk_cmd?: unknown;
}

function asText(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') {
    const s = String(v).trim();
    return s === '' ? undefined : s;
  }
  return undefined;
}

function parsePorts(v: unknown): number[] | string {
  const parts = Array.isArray(v) ? v.map(String) : String(v).split(/[;,\s]+/).filter(Boolean);
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d+$/.test(p.trim()) || n < 1 || n > 65535) return `port "${p}" is not 1–65535`;
    out.push(n);
  }
  const unique = [...new Set(out)].sort((a, b) => a - b);
  if (unique.length > MAX_PORTS_PER_HOST) return `${unique.length} ports; at most ${MAX_PORTS_PER_HOST} per host`;
  return unique.length ? unique : 'ports is empty';
}

function buildEntry(line: number, raw: RawFields): InventoryItem {
  const bad = (reason: string): InventoryItem => ({ error: { line, reason } });
  const host = asText(raw.host);
  if (!host) return bad('no host/address');
  if (!validHost(host)) return bad(`"${host}" is neither an IP address nor a host name`);
  const entry: InventoryEntry = { line, host, tags: [] };
  if (raw.product !== undefined && raw.product !== null && raw.product !== '') {
    const product = asText(raw.product)?.toLowerCase();
    if (!product || !PRODUCT_CHOICES.includes(product)) return bad(`unknown product "${String(raw.product)}" (expected pbxware, serverware, issabel or auto)`);
    entry.product = product as ProductChoice;
  }
  const name = asText(raw.name);
  if (name) entry.name = name;
  const customer = asText(raw.customer);
  if (customer) entry.customer = customer;
  if (raw.tags !== undefined && raw.tags !== null) {
    // A list of words, or words in one text; anything else (a mapping, a list of lists) is refused,
    // never turned into "[object Object]".
    const listed = Array.isArray(raw.tags) ? raw.tags : typeof raw.tags === 'string' || typeof raw.tags === 'number' ? String(raw.tags).split(/[;,\s]+/) : null;
    if (listed === null || listed.some((t) => t !== null && typeof t !== 'string' && typeof t !== 'number')) return bad('tags must be a list of words or comma-separated text');
    const tags = listed.map((t) => asText(t));
    entry.tags = [...new Set(tags.filter((t): t is string => !!t && t.trim() !== '').map((t) => t.trim()))];
  }
  if (raw.ports !== undefined && raw.ports !== null && raw.ports !== '') {
    const ports = parsePorts(raw.ports);
    if (typeof ports === 'string') return bad(ports);
    entry.ports = ports;
  }
  if (raw.ssh) {
    const ssh: InventorySsh = {};
    for (const [k, v] of Object.entries(raw.ssh)) {
      const text = asText(v);
      if (text === undefined) continue;
      if (k === 'user') ssh.user = text;
      else if (k === 'identity_file' || k === 'identityFile' || k === 'key') ssh.identityFile = text;
      else if (k === 'fingerprint') {
        if (!FINGERPRINT.test(text)) return bad(`SSH fingerprint "${text}" is not in the SHA256:… form`);
        ssh.fingerprint = text;
      } else if (k === 'known_hosts' || k === 'knownHosts') ssh.knownHosts = text;
      else return bad(`unknown SSH option "${k}"`);
    }
    if (Object.keys(ssh).length) entry.ssh = ssh;
  }
  const agent = agentOf(raw, entry.ssh);
  if (typeof agent === 'string') return bad(agent);
  if (agent) entry.agent = agent;
  return { entry };
}

/** The entry's inside view, checked against its own SSH options; a string is the reason it is invalid. */
function agentOf(raw: RawFields, ssh: InventorySsh | undefined): InventoryAgent | undefined | string {
  const given = raw.agent;
  const tokenFile = asText(raw.agent_token_file);
  const command = asText(raw.agent_command);
  const root = asText(raw.agent_root);
  const asteriskCmd = asText(raw.agent_asterisk_cmd);
  const given_ = { agent_token_file: tokenFile, agent_command: command, agent_root: root, agent_asterisk_cmd: asteriskCmd };
  if (given === undefined || given === null || given === '') {
    const stray = Object.entries(given_).find(([, v]) => v !== undefined);
    return stray ? `${stray[0]} needs agent` : undefined;
  }
  const text = asText(given);
  if (text === undefined) return 'agent must be ssh, auto, agentless or the URL of pbxready-agent serve';
  const spec = parseAgentSpec(text);
  if ('problem' in spec) return `agent ${spec.problem.replace('a token file', 'agent_token_file')}`;
  const agent: InventoryAgent = { spec };
  if (spec.kind === 'url') {
    if (tokenFile === undefined) return 'agent URL needs agent_token_file';
    for (const [k, v] of Object.entries(given_)) if (k !== 'agent_token_file' && v !== undefined) return `${k} needs agent ssh, auto or agentless`;
    agent.tokenFile = tokenFile;
  } else {
    if (tokenFile !== undefined) return 'agent_token_file needs agent URL';
    // The agent runs over the entry's own SSH login, pinned like the probe.
    if (!ssh?.user || !ssh.identityFile) return `agent ${spec.mode} needs the entry's ssh user and identity_file (the login the agent runs over)`;
    if (command !== undefined) {
      if (spec.mode === 'agentless') return 'agent_command needs agent ssh or auto';
      agent.command = command;
    }
    if (root !== undefined) agent.root = root;
    if (asteriskCmd !== undefined) agent.asteriskCmd = asteriskCmd;
  }
  return agent;
}

const TOP_KEYS = new Set(['host', 'address', 'product', 'name', 'customer', 'tags', 'ports', 'ssh', 'agent', 'agent_token_file', 'agent_command', 'agent_root', 'agent_asterisk_cmd']);
const FLAT_SSH = /^ssh[_.-](.+)$/;
/** agentTokenFile, agent-token-file, agent_token_file: one field. */
const AGENT_KEYS: Record<string, string> = {
  agenttokenfile: 'agent_token_file',
  'agent-token-file': 'agent_token_file',
  agentcommand: 'agent_command',
  'agent-command': 'agent_command',
  agentroot: 'agent_root',
  'agent-root': 'agent_root',
  agentasteriskcmd: 'agent_asterisk_cmd',
  'agent-asterisk-cmd': 'agent_asterisk_cmd',
};

/** One record's key/value pairs (YAML mapping, CSV row, key=value tokens) → fields, or a reason. */
function fieldsOf(pairs: Iterable<[string, unknown]>): RawFields | string {
  const raw: RawFields = {};
  for (const [rawKey, value] of pairs) {
    const lower = rawKey.trim().toLowerCase();
    const key = AGENT_KEYS[lower] ?? lower;
    const flat = FLAT_SSH.exec(key);
    if (flat) {
      raw.ssh ??= {};
      raw.ssh[flat[1]!.replace(/-/g, '_')] = value;
    } else if (key === 'ssh') {
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) return 'ssh must be a mapping (user, identity_file, fingerprint, known_hosts)';
      raw.ssh = { ...(raw.ssh ?? {}), ...(value as Record<string, unknown>) };
    } else if (!TOP_KEYS.has(key)) return `unknown field "${rawKey}"`;
    else if (key === 'address' || key === 'host') {
      const given = asText(value);
      if (given === undefined) continue;
      if (asText(raw.host) !== undefined && asText(raw.host) !== given) return 'both host and address given, and they differ';
      raw.host = given;
    } else (raw as Record<string, unknown>)[key] = value;
  }
  return raw;
}

function fromPairs(line: number, pairs: Iterable<[string, unknown]>): InventoryItem {
  const raw = fieldsOf(pairs);
  return typeof raw === 'string' ? { error: { line, reason: raw } } : buildEntry(line, raw);
}

// ---- YAML (small inventories: the parser keeps every node, ~150 bytes of memory per byte) ----

/** Every entry of a YAML inventory: a list, or a mapping with a `hosts:` list. */
export function* parseStructured(text: string): Generator<InventoryItem> {
  const { LineCounter, isMap, isScalar, isSeq, parseDocument } = yaml();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (node: Node | null | undefined) => (node?.range ? counter.linePos(node.range[0]).line : 1);
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    // prettyErrors:false leaves e.linePos unset; the offset is always there.
    const line = e.linePos?.[0]?.line ?? counter.linePos(e.pos[0]).line;
    yield { error: { line, reason: `not valid YAML/JSON: ${e.message.split('\n')[0]}`, document: true } };
    return;
  }
  let list: Node | null | undefined = doc.contents as Node | null;
  if (isMap(list)) {
    const hosts = list.get('hosts', true) as Node | undefined;
    if (!isSeq(hosts)) {
      yield { error: { line: lineAt(list), reason: 'expected a list of hosts, or a mapping with a "hosts:" list', document: true } };
      return;
    }
    list = hosts;
  }
  if (list === null || list === undefined) return;
  if (!isSeq(list)) {
    yield { error: { line: lineAt(list), reason: 'expected a list of hosts', document: true } };
    return;
  }
  for (const item of list.items as Node[]) {
    const line = lineAt(item);
    if (isScalar(item)) {
      yield buildEntry(line, { host: item.value });
    } else if (isMap(item)) {
      const js = item.toJSON() as Record<string, unknown>;
      yield fromPairs(line, Object.entries(js));
    } else yield { error: { line, reason: 'an entry must be a host name/address or a mapping' } };
  }
}

// ---- JSON, parsed as JSON: a fraction of the YAML parser's time and memory ----

/**
 * The line where each element of the hosts list starts (a top-level list, or the top-level
 * object's "hosts" list): one linear pass over the text, strings and nesting tracked.
 */
function jsonEntryLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let listDepth = -1;
  let inString = false;
  let lastKey = '';
  let keyStart = -1;
  let expectValue = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) {
        inString = false;
        if (keyStart >= 0) lastKey = text.slice(keyStart, i);
      }
      continue;
    }
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    if (depth === listDepth && expectValue && c !== 93) {
      lines.push(line);
      expectValue = false;
    }
    if (c === 34) {
      inString = true;
      keyStart = depth === 1 && listDepth < 0 ? i + 1 : -1;
    } else if (c === 91 || c === 123) {
      depth++;
      if (c === 91 && listDepth < 0 && (depth === 1 || (depth === 2 && lastKey === 'hosts'))) {
        listDepth = depth;
        expectValue = true;
      }
    } else if (c === 93 || c === 125) {
      if (depth === listDepth) listDepth = -2; // the list is done: later lists are not entries
      depth--;
    } else if (c === 44 && depth === listDepth) expectValue = true;
  }
  return lines;
}

/** Every entry of a JSON inventory: a list, or an object with a "hosts" list. */
export function* parseJsonInventory(text: string): Generator<InventoryItem> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0] ?? '';
    const at = /position (\d+)/.exec(msg);
    const line = /\(line (\d+)/.exec(msg)?.[1] ?? (at ? String(text.slice(0, Number(at[1])).split('\n').length) : '1');
    yield { error: { line: Number(line), reason: `not valid YAML/JSON: ${msg.replace(/ in JSON at position \d+.*$/, '')}`, document: true } };
    return;
  }
  let list: unknown = doc;
  if (list !== null && typeof list === 'object' && !Array.isArray(list)) {
    list = (doc as Record<string, unknown>).hosts;
    if (!Array.isArray(list)) {
      yield { error: { line: 1, reason: 'expected a list of hosts, or a mapping with a "hosts:" list', document: true } };
      return;
    }
  }
  if (list === null) return;
  if (!Array.isArray(list)) {
    yield { error: { line: 1, reason: 'expected a list of hosts', document: true } };
    return;
  }
  const lines = jsonEntryLines(text);
  for (const [i, item] of list.entries()) {
    const line = lines[i] ?? i + 1;
    if (typeof item === 'string' || typeof item === 'number') yield buildEntry(line, { host: item });
    else if (item !== null && typeof item === 'object' && !Array.isArray(item)) yield fromPairs(line, Object.entries(item as Record<string, unknown>));
    else yield { error: { line, reason: 'an entry must be a host name/address or a mapping' } };
  }
}

// ---- CSV and one host per line: stateful line parsers ----

/**
 * RFC 4180 fields of one line, by csv-parse (no multi-line quoted fields: one host is one line, so
 * a file streams line by line and an unclosed quote spoils its own line only); null when the
 * line's quotes are unbalanced. A quote inside an unquoted field is kept, as it always was.
 */
export function splitCsvLine(line: string): string[] | null {
  let rows: string[][];
  try {
    rows = csv().parse(line, CSV_LINE);
  } catch (err) {
    if (err instanceof csv().CsvError) return null;
    throw err;
  }
  // Spaces inside quotes are trimmed too: a padded quoted column name or value means the same.
  return (rows[0] ?? []).map((f) => f.trim());
}

/** One line, one record: "\n" is the only record delimiter (a stray "\r" is not a new host). */
const CSV_LINE: CsvOptions = { record_delimiter: '\n', relax_column_count: true, relax_quotes: true, trim: true, bom: false };

export type LineParser = (text: string, line: number) => InventoryItem | null;

/** CSV with a header row naming the columns (host/address first or anywhere). */
export function createCsvParser(): LineParser {
  let header: string[] | null = null;
  return (text, line) => {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return null;
    const fields = splitCsvLine(trimmed);
    if (!fields) return { error: { line, reason: 'unbalanced quotes in CSV row' } };
    if (!header) {
      header = fields.map((f) => f.toLowerCase());
      if (!header.includes('host') && !header.includes('address')) {
        header = null;
        return { error: { line, reason: 'CSV header must name a "host" or "address" column' } };
      }
      return null;
    }
    if (fields.length > header.length) return { error: { line, reason: `${fields.length} fields, the header has ${header.length}` } };
    const cols = header;
    return fromPairs(line, fields.map((f, i) => [cols[i]!, f] as [string, unknown]));
  };
}

/** `host [product] [key=value …]`, `#` comments. */
export function createPlainParser(): LineParser {
  return (text, line) => {
    const trimmed = text.replace(/\s#.*$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#')) return null;
    const [host, ...rest] = trimmed.split(/\s+/);
    const pairs: Array<[string, unknown]> = [['host', host]];
    for (const token of rest) {
      const eq = token.indexOf('=');
      if (eq > 0) pairs.push([token.slice(0, eq), token.slice(eq + 1)]);
      else if (PRODUCT_CHOICES.includes(token.toLowerCase()) && !pairs.some(([k]) => k === 'product')) pairs.push(['product', token]);
      else return { error: { line, reason: `unexpected "${token}" (expected a product or key=value)` } };
    }
    return fromPairs(line, pairs);
  };
}

export function createLineParser(format: 'csv' | 'lines'): LineParser {
  return format === 'csv' ? createCsvParser() : createPlainParser();
}

/** Whole-text convenience (tests, small files): every item in order, duplicates as errors. */
export function parseInventory(text: string, format: InventoryFormat): Generator<InventoryItem> {
  return withoutDuplicates(parseItems(text, format));
}

function* parseItems(text: string, format: InventoryFormat): Generator<InventoryItem> {
  if (format === 'json') {
    yield* parseJsonInventory(text);
    return;
  }
  if (format === 'yaml') {
    yield* parseStructured(text);
    return;
  }
  const parse = createLineParser(format);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const item = parse(lines[i]!, i + 1);
    if (item) yield item;
  }
}

/** The key a host is known by across runs (history, drift): its name, else what was checked. */
export function hostKey(entry: Pick<InventoryEntry, 'name' | 'host' | 'customer'>): string {
  return entry.name ? `${entry.customer ? `${entry.customer}/` : ''}${entry.name}` : entry.host;
}

/**
 * A second entry with a key already seen is an invalid entry ("duplicate of line N"), caught
 * before it is scanned: the history keeps one row per key, so it would otherwise overwrite the
 * first silently. A Map of keys seen is one short string per host; the fleet is not held.
 */
export function* withoutDuplicates(items: Iterable<InventoryItem>): Generator<InventoryItem> {
  const firstLine = new Map<string, number>();
  for (const item of items) yield dedupe(item, firstLine);
}

export async function* withoutDuplicatesAsync(items: AsyncIterable<InventoryItem>): AsyncGenerator<InventoryItem> {
  const firstLine = new Map<string, number>();
  for await (const item of items) yield dedupe(item, firstLine);
}

function dedupe(item: InventoryItem, firstLine: Map<string, number>): InventoryItem {
  if (!('entry' in item)) return item;
  const key = hostKey(item.entry);
  const first = firstLine.get(key);
  if (first !== undefined) return { error: { line: item.entry.line, reason: `duplicate of line ${first} (key "${key}")` } };
  firstLine.set(key, item.entry.line);
  return item;
}
