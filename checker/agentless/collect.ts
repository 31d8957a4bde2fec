// Agentless collection: the inside view with nothing installed on the host. Up to four short
// phases over one SSH login, each a read-only sh script (script.ts) that only gathers raw text;
// every fact is then made here by the installed agent's own parsers (shared/facts/) and judged by
// its own rules (shared/rules/agent.ts), into the same AgentReport with collector "agentless".
//   1. what needs no product: markers, /proc, df, sockets and their owners
//   2. what the product's layout names: credential files (secrets redacted on the host), version
//      files, the asterisk CLI, custom development, backups, database sockets
//   3. the database, with the credentials the host's files hold (never leaving the host)
//   4. the CDR table's time-based figures, only when a calldate index makes them cheap

import { parseSshConnection } from '../../shared/facts/session.js';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { ASTERISK_RX_COMMANDS, ASTERISK_VERSION_COMMAND, asteriskFacts, type AsteriskRuns } from '../../shared/facts/asterisk.js';
import { applyRecipe, credentialRecipe, parseKeyValues, registerSecrets, REDACTED_VALUE, socketCandidates, wantsSocket, whereOf, type CredentialRecipe, type DbSettings } from '../../shared/facts/credentials.js';
import { extraAgiScripts, isCustomConf, newestBackup, packageCheck } from '../../shared/facts/custom.js';
import { CDR_SQL, SERVER_SQL, blankCdr, cdrCandidates, cdrFromTable, cdrIndexed, cdrTimes, pickCdrTable, withTimeLimitHint, type Row } from '../../shared/facts/database.js';
import { DF_INODES, DF_SPACE, disksFromDf, tagHoldings } from '../../shared/facts/disks.js';
import { HOST_PROC_FILES, OS_RELEASE, hostFacts, type HostRaw } from '../../shared/facts/host.js';
import { asteriskCommandOf, rpmPlan, underRoot, type ProductLayout } from '../../shared/facts/layout.js';
import { listeningSockets, parseCommListing, parseFdListing, socketOwners, watchedPorts } from '../../shared/facts/listening.js';
import { LXC_DIR, LXC_PBXWARE, PRODUCT_MARKERS, RPM_PRODUCT_PACKAGE, detectProduct, effectiveLayout, firstLine, productFacts, productIni, rpmQueryVersion, type Detection } from '../../shared/facts/product.js';
import { runFailure, type RunResult } from '../../shared/facts/run.js';
import { DEFAULT_ROUTE_COMMAND, FILTER_COMMANDS, MAX_JAILS, addFail2ban, packetFilterFacts, type FilterRuns } from '../../shared/facts/firewall.js';
import { parseAsteriskNat, parseInterfaceAddresses, parsePbxwareNat, publicAddressesOf, type AddressClaim } from '../../shared/facts/public-address.js';
import { resolveName } from '../../shared/cli/resolve-name.js';
import type { AgentReport, CustomDevelopment, DatabaseFacts, SourceProblem } from '../../shared/model.js';
import { agentFindings, blankAgentFacts, type AgentFacts, type AgentThresholds } from '../../shared/rules/agent.js';
import { sortFindings, verdictOf } from '../../shared/verdict.js';
import { asRun, parseBatch, parseSections, pathReason, type BatchResult, type Section } from './sections.js';
import { AWK_CNF, AWK_REDACT, DB_RUN, phaseScript, shq, type ScriptEnv } from './script.js';

export interface AgentlessOptions {
  /** Read the host's files under this prefix ('/' on a real host; a sysroot in tests: --agent-root). */
  root: string;
  /** Replaces the product's asterisk CLI (--agent-asterisk-cmd); null = the product's. */
  asteriskCmd: string[] | null;
  cdrTable: string | null;
  /** Each remote command's and query's own time limit, like the agent's --timeout. */
  timeoutMs: number;
  ports: number[];
  vps: string | null;
  paths: Partial<ProductLayout>;
  thresholds: AgentThresholds;
}

/** Runs one phase's script on the host: its stdout (and exit code, stderr for the log). */
export type PhaseRunner = (script: string) => Promise<{ stdout: string; stderr: string; exitCode: number | null }>;

/** Output caps: a section is cut there (the parsers see a truncated text, never an unbounded one). */
const CAP = { file: 256 * 1024, small: 64 * 1024, listing: 4 * 1024 * 1024, db: 4 * 1024 * 1024 } as const;

const secs = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

function argv(words: readonly string[]): string {
  return words.map(shq).join(' ');
}

class Phases {
  readonly boundary = randomBytes(12).toString('hex');
  readonly env: ScriptEnv;
  readonly timings: Record<string, number> = {};
  constructor(private readonly runner: PhaseRunner, private readonly log: Logger, readonly options: AgentlessOptions) {
    this.env = { boundary: this.boundary, root: options.root };
  }

  async run(name: string, body: string[]): Promise<Map<string, Section>> {
    const t = performance.now();
    const result = await this.runner(phaseScript(this.env, body));
    this.timings[`agentless:${name}`] = Math.round((performance.now() - t) * 10) / 10;
    // Sizes and status only: the sections are the host's data, logged by name, never by content.
    this.log.debug({ phase: name, bytes: result.stdout.length, exitCode: result.exitCode, ms: this.timings[`agentless:${name}`] }, 'agentless phase ran');
    if (result.stderr.trim()) this.log.debug({ phase: name, stderrBytes: result.stderr.length }, 'agentless phase wrote to stderr');
    return parseSections(result.stdout, this.boundary);
  }

  /** `sec` for one external command, time-limited, output capped. */
  sec(name: string, cap: number, words: readonly string[], ms = this.options.timeoutMs): string {
    return `sec ${shq(name)} ${cap} ${secs(ms)} ${argv(words)}`;
  }

  /** `fsec` for a command reading one host path (missing / unreadable said as such). */
  fsec(name: string, path: string, cap: number, words: readonly string[]): string {
    return `fsec ${shq(name)} "$R"${shq(path)} ${cap} ${secs(this.options.timeoutMs)} ${words.map((w) => (w === '@PATH' ? `"$R"${shq(path)}` : w === '@AWK_REDACT' ? '"$AWK_REDACT"' : shq(w))).join(' ')}`;
  }
}

/** Phase 1: the product's markers, the host, df, /proc's socket tables and their owners. */
function phase1(p: Phases): string[] {
  return [
    `beg markers; for p in ${argv(PRODUCT_MARKERS)}; do [ -e "$R$p" ] && printf '%s\\n' "$p"; done; fin 0`,
    `beg lxc; for d in "$R"${shq(LXC_DIR)}/*/${shq(LXC_PBXWARE)}; do [ -e "$d" ] || continue; n=\${d#"$R"${shq(LXC_DIR)}/}; printf '%s\\n' "\${n%%/*}"; done; fin 0`,
    ...[...HOST_PROC_FILES, 'net/tcp', 'net/tcp6'].map((f) => `fsec ${shq(`proc:${f}`)} ${shq(`/proc/${f}`)} ${CAP.listing} ${secs(p.options.timeoutMs)} cat ${shq(`/proc/${f}`)}`),
    `fsec os-release ${shq(OS_RELEASE)} ${CAP.small} ${secs(p.options.timeoutMs)} cat ${shq(OS_RELEASE)}`,
    p.sec('df', CAP.listing, DF_SPACE),
    p.sec('df-i', CAP.listing, DF_INODES),
    p.sec('fds', CAP.listing * 2, ['sh', '-c', 'ls -l /proc/[0-9]*/fd 2>/dev/null | grep -e "^/proc/" -e " -> socket:"']),
    // Where sshd saw this session come from (the check's vantage point, seen from the host).
    `beg ssh-connection; printf '%s' "\${SSH_CONNECTION:-}" | head -c 200; fin 0`,
    // The host's own packet filter and bans (read-only; most need root: then they are gaps, named).
    ...(Object.keys(FILTER_COMMANDS) as Array<keyof typeof FILTER_COMMANDS>).map((n) => p.sec(`fw:${n}`, CAP.listing, FILTER_COMMANDS[n])),
    p.sec('fw:route', CAP.small, DEFAULT_ROUTE_COMMAND),
    p.sec('ip-addr', CAP.listing, ['ip', '-j', 'addr', 'show']),
    p.sec('f2b:status', CAP.small, ['fail2ban-client', 'status']),
    // Each jail the status names (kept in sh: a jail name from the host never becomes shell text).
    `if [ "$_s" = 0 ]; then jl=$(run_limited ${secs(p.options.timeoutMs)} fail2ban-client status 2>/dev/null | sed -n 's/^.*Jail list:[[:space:]]*//p' | tr ',' ' '); set -f; n=0; for j in $jl; do n=$((n+1)); [ $n -gt ${MAX_JAILS} ] && break; sec "f2b:jail:$j" ${CAP.listing} ${secs(p.options.timeoutMs)} fail2ban-client status "$j"; done; set +f; fi`,
    `beg comms; for f in /proc/[0-9]*/comm; do p=\${f#/proc/}; p=\${p%/comm}; IFS= read -r c 2>/dev/null <"$f" && printf '%s %s\\n' "$p" "$c"; done; fin 0`,
  ];
}

interface Layouted {
  found: Detection;
  layout: ProductLayout;
  credentialFiles: string[];
  ini: string | null;
  asteriskCmd: string[];
}

/** Phase 2: what the product's layout names. */
function phase2(p: Phases, l: Layouted): string[] {
  const o = p.options;
  const { layout } = l;
  const body: string[] = [`AWK_REDACT=${shq(AWK_REDACT)}`];
  for (const f of l.credentialFiles) body.push(p.fsec(`cred:${f}`, f, CAP.file, ['awk', '-v', `M=${REDACTED_VALUE}`, '@AWK_REDACT', '@PATH']));
  for (const f of layout.versionFiles) body.push(p.fsec(`version:${f}`, f, 4096, ['head', '-c', '4096', '@PATH']));
  const rpm = rpmPlan(null, o.root);
  if (l.found.product === 'issabel' && 'probe' in rpm) body.push(p.sec('rpm-q', 4096, ['rpm', '-q', '--qf', '%{VERSION}-%{RELEASE}', RPM_PRODUCT_PACKAGE]));
  const cmd = l.asteriskCmd;
  body.push(p.sec('ast:-V', CAP.small, [...cmd, '-V']));
  body.push(p.sec(`ast:${ASTERISK_VERSION_COMMAND}`, CAP.small, [...cmd, '-rx', ASTERISK_VERSION_COMMAND]));
  // Only a daemon that answered is asked the rest.
  body.push(`if [ "$_s" = 0 ]; then`, ...ASTERISK_RX_COMMANDS.map((c) => p.sec(`ast:${c}`, CAP.listing, [...cmd, '-rx', c])), 'fi');
  // Custom development: counts of content lines, never the files (a *_custom.conf holds trunk secrets).
  const etc = shq(layout.asteriskEtc);
  body.push(
    `beg confs; if [ ! -e "$R"${etc} ]; then fin noent; elif [ ! -r "$R"${etc} ]; then fin noperm; else for f in "$R"${etc}/*; do [ -f "$f" ] || continue; n=\${f##*/}; case $n in *_custom.conf) ;; *) continue ;; esac; if [ -r "$f" ]; then c=$(grep -c -v -e '^[[:space:]]*$' -e '^[[:space:]]*[;#]' "$f"); printf '%s %s\\n' "\${c:-0}" "$n"; else printf 'noperm %s\\n' "$n"; fi; done; fin 0; fi`,
  );
  body.push(p.fsec('agi', layout.agiDir, CAP.listing, ['ls', '-a', '@PATH']));
  if (layout.packages.length && 'probe' in rpm) body.push(p.sec('rpm-V', CAP.listing, ['rpm', '-V', ...layout.packages], o.timeoutMs * 5));
  const bk = shq(layout.backups);
  body.push(`fsec backups "$R"${bk} ${CAP.listing} ${secs(o.timeoutMs)} find "$R"${bk} -mindepth 1 -maxdepth 2 ! -path "$R"${shq(`${layout.backups.replace(/\/+$/, '')}/.*`)} -type f -exec stat -c '%Y %n' {} +`);
  body.push(`beg now; date +%s; fin 0`);
  for (const [what, path] of [['recordings', layout.recordings], ['backups', layout.backups]] as const) {
    body.push(`beg ${shq(`hold:${what}`)}; resolve "$R"${shq(path)}; fin 0`);
  }
  // Asterisk's NAT settings: only section heads, type= and the NAT keys leave the host (sip*.conf hold trunk secrets).
  body.push(
    `beg nat; if [ ! -e "$R"${etc} ]; then fin noent; elif [ ! -r "$R"${etc} ]; then fin noperm; else n=0; for f in "$R"${etc}/*.conf; do b=\${f##*/}; case $b in sip*.conf|pjsip*.conf) ;; *) continue ;; esac; case $b in *[!A-Za-z0-9_.-]*) continue ;; esac; n=$((n+1)); [ $n -gt 50 ] && break; if [ ! -r "$f" ]; then printf '%s noperm %s\\n' "$B" "$b"; continue; fi; [ "$(wc -c <"$f")" -gt 1048576 ] && continue; printf '%s file %s\\n' "$B" "$b"; grep -i -E '^[[:space:]]*(\\[|(type|externip|externaddr|externhost|external_signaling_address|external_media_address)[[:space:]]*=)' "$f"; done; fin 0; fi`,
  );
  body.push(`beg sockets; for s in ${argv(socketCandidates(layout.chroot))}; do [ -S "$R$s" ] && printf '%s\\n' "$s"; done; fin 0`);
  return body;
}

/** The batch of SQL statements, each group headed by a marker row, in one read-only transaction. */
function batchSql(marker: string, groups: ReadonlyArray<readonly [string, string]>, timeoutMs: number): string {
  const lines = [
    // MariaDB takes its statement time limit per session (the executable comment only it runs);
    // MySQL gets the MAX_EXECUTION_TIME hint in each SELECT.
    `SET @pbxready = 1 /*M!100100 , SESSION max_statement_time = ${(timeoutMs / 1000).toFixed(3)} */;`,
    'SET SESSION TRANSACTION READ ONLY;',
    'START TRANSACTION READ ONLY;',
  ];
  for (const [label, sql] of groups) lines.push(`SELECT '${label.replace(/[^\w:.$-]/g, '_')}' AS \`${marker}\`;`, `${withTimeLimitHint(sql, timeoutMs).replace(/\s+/g, ' ')};`);
  lines.push('ROLLBACK;');
  return lines.join('\n');
}

interface DbPlan {
  file: string;
  recipe: CredentialRecipe;
  /** socket: the path (under the root); tcp: 127.0.0.1 (localhost without a socket); file: host/port as the file says. */
  mode: 'socket' | 'tcp' | 'file';
  socket: string | null;
}

/** `sec` for one batch through the host's client, the option file built on the host. */
function dbSection(p: Phases, name: string, plan: DbPlan, sql: string, ms: number): string[] {
  const vars = dbVars(plan);
  return [
    `if [ -z "$MY" ]; then beg ${shq(name)}; printf 'mysql: not found'; fin 127; else`,
    `sec ${shq(name)} ${CAP.db} ${secs(ms)} sh -c "$DB_RUN" sh "$MY" "$R"${shq(plan.file)} ${shq(sql)} "$AWK_CNF" ${argv(vars)}`,
    'fi',
  ];
}

function dbPreamble(): string[] {
  return [`MY=$(command -v mysql 2>/dev/null || command -v mariadb 2>/dev/null)`, `AWK_CNF=${shq(AWK_CNF)}`, `DB_RUN=${shq(DB_RUN)}`];
}

export async function collectAgentless(runner: PhaseRunner, options: AgentlessOptions, log: Logger, now: () => Date = () => new Date()): Promise<AgentReport> {
  const started = performance.now();
  const p = new Phases(runner, log, options);
  const unreadable: SourceProblem[] = [];
  const problemIn = (from: string) => (source: string, reason: string) => {
    log.debug({ source, reason, from }, 'source unreadable');
    unreadable.push({ source, reason, from });
  };
  const facts = blankAgentFacts('agentless', 'unknown', options.root, now());
  facts.unreadable = unreadable;
  const text = (s: Section | undefined) => (s && /^\d+$/.test(s.status) ? s.text : null);

  // ---- phase 1 ----
  const one = await p.run('host', phase1(p));
  const present = new Set((text(one.get('markers')) ?? '').split('\n').filter((m) => (PRODUCT_MARKERS as readonly string[]).includes(m)));
  const vpses = [...new Set((text(one.get('lxc')) ?? '').split('\n').filter((n) => n && !n.includes('/')))].sort();
  const hostRaw: HostRaw = { 'os-release': text(one.get('os-release')) };
  for (const f of HOST_PROC_FILES) hostRaw[f] = text(one.get(`proc:${f}`));
  facts.host = hostFacts(hostRaw);
  const session = parseSshConnection(text(one.get('ssh-connection')));
  if (session) facts.sshSession = session;
  if (!facts.host.hostname) problemIn('host')('host facts', '/proc/sys/kernel/hostname gave no hostname');

  const df = one.get('df');
  const dfRun = asRun(df, 'df');
  const dfi = asRun(one.get('df-i'), 'df -i');
  const hung = (r: ReturnType<typeof asRun>) => /timed out$/.test(r.error ?? '');
  const disks = hung(dfRun) ? null : disksFromDf(dfRun.stdout, hung(dfi) ? null : dfi.stdout);
  if (!disks) problemIn('disks')('filesystems', `df did not answer within ${options.timeoutMs} ms (a hung mount, e.g. NFS?)`);
  else {
    if (hung(dfi)) problemIn('disks')('inodes', `df -i did not answer within ${options.timeoutMs} ms (a hung mount?)`);
    else if (runFailure(dfi) && !dfi.stdout.trim()) problemIn('disks')('inodes', runFailure(dfi)!);
  }

  const found = detectProduct(present, vpses, options.vps);
  const layout = found ? effectiveLayout(found, options.paths) : null;
  const tables = { tcp: null as string | null, tcp6: null as string | null };
  for (const [f, key] of [['net/tcp', 'tcp'], ['net/tcp6', 'tcp6']] as const) {
    const s = one.get(`proc:${f}`);
    tables[key] = text(s);
    const why = s ? pathReason(s.status) : 'no answer';
    if (tables[key] === null && !(key === 'tcp6' && why === 'no such file or directory')) problemIn('listening')(`/proc/${f}`, why ?? `exit ${s?.status}`);
  }
  const fwRun = (n: string) => asRun(one.get(`fw:${n}`), n);
  const filterRuns: FilterRuns = {
    iptables: fwRun('iptables'), ip6tables: fwRun('ip6tables'), nftables: fwRun('nftables'), ipset: fwRun('ipset'), firewalld: fwRun('firewalld'), route: fwRun('route'),
  };
  facts.firewall = packetFilterFacts(filterRuns, problemIn('packet-filter'));
  const jails = new Map<string, RunResult>();
  for (const [name, sec] of one) if (name.startsWith('f2b:jail:')) jails.set(name.slice('f2b:jail:'.length), asRun(sec, 'fail2ban-client'));
  addFail2ban(facts.firewall, ['fail2ban-client'], asRun(one.get('f2b:status'), 'fail2ban-client'), jails, problemIn('fail2ban'));
  const ipAddr = asRun(one.get('ip-addr'), 'ip');
  const claims: AddressClaim[] = ipAddr.code === 0 ? parseInterfaceAddresses(ipAddr.stdout) : [];

  const watched = watchedPorts(found?.product ?? null, options.ports);
  const owners = socketOwners(parseFdListing(text(one.get('fds')) ?? ''), parseCommListing(text(one.get('comms')) ?? ''));
  facts.listening = listeningSockets(tables, watched, owners);

  if (!found || !layout) {
    facts.product = { name: 'unknown', version: null, evidence: `no product files under ${options.root}` };
    facts.database = { reachable: false, version: null, schemas: [], where: 'this host', credentialsSource: 'the --db-* flags', error: 'no product found and no --db-user given' };
    facts.cdr = { ...blankCdr(cdrCandidates(options.cdrTable, undefined)[0] ?? 'pbxware.cdr'), notMeasured: 'the database is unreachable' };
    facts.asterisk = asteriskFacts(await asteriskOnly(p, asteriskCommandOf(null, options.root, options.asteriskCmd)), problemIn('asterisk'), asteriskCommandOf(null, options.root, options.asteriskCmd).join(' '));
    if (disks) facts.disks = disks;
    await addPublicAddresses(facts, claims, options.timeoutMs);
    return finish(facts, p, started, options);
  }

  // ---- phase 2 ----
  const ini = productIni(found, layout);
  const credentialFiles = [...new Set([...layout.credentialFiles, ...(ini ? [ini] : [])])];
  const asteriskCmd = asteriskCommandOf(layout, options.root, options.asteriskCmd);
  const two = await p.run('product', phase2(p, { found, layout, credentialFiles, ini, asteriskCmd }));

  const credText = (f: string) => text(two.get(`cred:${f}`));
  let versionLine: string | null = null;
  for (const f of layout.versionFiles) {
    const s = two.get(`version:${f}`);
    const why = s ? pathReason(s.status) : null;
    if (why && why !== 'no such file or directory') problemIn('product')(f, why);
    const line = text(s) === null ? null : firstLine(text(s)!);
    if (line) {
      versionLine = line;
      break;
    }
  }
  facts.product = productFacts(found, {
    ini: ini ? credText(ini) : null,
    versionLine,
    rpmVersion: versionLine === null && two.has('rpm-q') ? rpmQueryVersion(asRun(two.get('rpm-q'), 'rpm')) : null,
  });

  const runs: AsteriskRuns = { dashV: asRun(two.get('ast:-V'), asteriskCmd[0]!), version: asRun(two.get(`ast:${ASTERISK_VERSION_COMMAND}`), asteriskCmd[0]!), rx: {} };
  for (const c of ASTERISK_RX_COMMANDS) if (two.has(`ast:${c}`)) runs.rx[c] = asRun(two.get(`ast:${c}`), asteriskCmd[0]!);
  facts.asterisk = asteriskFacts(runs, problemIn('asterisk'), asteriskCmd.join(' '));

  facts.custom = customFacts(two, layout, options, problemIn('custom'));
  claims.push(...parseAsteriskNat(natFiles(two.get('nat'), layout.asteriskEtc, p.boundary, problemIn('public-address'))));
  const pwIni = found.product === 'pbxware' || found.product === 'serverware' ? layout.credentialFiles[0] : undefined;
  const pwIniText = pwIni ? credText(pwIni) : null;
  if (pwIni && pwIniText !== null) {
    const values = parseKeyValues(pwIniText);
    registerSecrets(values);
    claims.push(...parsePbxwareNat(values, pwIni));
  }
  await addPublicAddresses(facts, claims, options.timeoutMs);

  // ---- credentials: the first file that holds some, read redacted (as the agent's productCredentials) ----
  let plan: DbPlan | null = null;
  let settings: DbSettings | null = null;
  let source: string | null = null;
  for (const f of layout.credentialFiles) {
    const s = two.get(`cred:${f}`);
    const why = s ? pathReason(s.status) : null;
    if (why) {
      if (why !== 'no such file or directory') problemIn('database')(f, why);
      continue;
    }
    const t = text(s);
    if (t === null) {
      problemIn('database')(f, runFailure(asRun(s, 'awk')) ?? 'unreadable');
      continue;
    }
    const values = parseKeyValues(t);
    registerSecrets(values);
    const recipe: CredentialRecipe | null = plan ? null : credentialRecipe(f, values);
    if (!recipe) continue;
    settings = applyRecipe(recipe, values);
    source = f;
    const sockets = (text(two.get('sockets')) ?? '').split('\n').filter((x) => socketCandidates(layout.chroot).includes(x));
    if (wantsSocket(settings)) {
      if (sockets[0]) {
        settings = { ...settings, socket: underRoot(options.root, sockets[0]) };
        plan = { file: f, recipe, mode: 'socket', socket: settings.socket! };
      } else {
        settings = { ...settings, host: '127.0.0.1' };
        plan = { file: f, recipe, mode: 'tcp', socket: null };
      }
    } else plan = { file: f, recipe, mode: 'file', socket: null };
  }
  const credentialsSource = source ?? (layout.credentialFiles.length ? layout.credentialFiles.join(' / ') : 'the --db-* flags');
  const candidates = cdrCandidates(options.cdrTable, layout.cdrTables);
  const resolved: Array<{ what: string; path: string | null }> = (['recordings', 'backups'] as const).map((what) => ({ what, path: (text(two.get(`hold:${what}`)) ?? '').trim() || null }));

  if (!plan || !settings?.user) {
    facts.database = {
      reachable: false,
      version: null,
      schemas: [],
      where: 'this host',
      credentialsSource,
      error: layout.credentialFiles.length ? `no credentials found in ${layout.credentialFiles.join(', ')}` : 'no product found and no --db-user given',
    };
    facts.cdr = { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), notMeasured: 'the database is unreachable' };
  } else {
    // ---- phase 3: the server, the candidate tables and their calldate index ----
    const where = whereOf(settings);
    const marker = `pbxready_${p.boundary}`;
    const groups: Array<readonly [string, string]> = [
      ['version', SERVER_SQL.version],
      ['datadir', SERVER_SQL.datadir],
      ['uptime', SERVER_SQL.uptime],
      ['schemas', SERVER_SQL.schemas],
      ...candidates.flatMap((t) => [[`table:${t}`, CDR_SQL.table(t)], [`index:${t}`, CDR_SQL.calldateIndex(t)]] as const),
    ];
    const chroot = shq(layout.chroot ?? '');
    const three = await p.run('database', [
      ...dbPreamble(),
      ...dbSection(p, 'db', plan, batchSql(marker, groups, options.timeoutMs), options.timeoutMs * 2),
      // Where the data directory is, resolved on the host from the server's own answer (kept in a
      // variable there: a value from the database never becomes shell text).
      `beg hold:database; if [ -n "$MY" ]; then dd=$(run_limited ${secs(options.timeoutMs)} sh -c "$DB_RUN" sh "$MY" "$R"${shq(plan.file)} ${shq(batchSql(marker, [['datadir', SERVER_SQL.datadir]], options.timeoutMs))} "$AWK_CNF" ${argv(dbVars(plan))} 2>/dev/null | sed -n '$p'); if [ -n "$dd" ]; then for c in "$R"${chroot}"$dd" "$R$dd" "$dd"; do resolve "$c" && break; done; fi; fi; fin 0`,
    ]);
    const db = three.get('db');
    const database: DatabaseFacts = { reachable: false, version: null, schemas: [], where, credentialsSource };
    facts.database = database;
    const dbRun = asRun(db, 'mysql');
    if (dbRun.code === 127) {
      database.error = database.notMeasured = 'the mysql client (mysql or mariadb) is not installed on the host';
      problemIn('database')('mysql client', `${database.notMeasured}: the database and the CDR table are not measured`);
      facts.cdr = { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), notMeasured: 'no mysql client on the host' };
    } else {
      const batch = parseBatch(dbRun.stdout, marker);
      const version = batch.results.get('version');
      if (!version?.rows[0]) {
        database.error = batch.preamble[0] ?? runFailure(dbRun) ?? 'the database gave no answer';
        facts.cdr = { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), notMeasured: 'the database is unreachable' };
      } else {
        database.reachable = true;
        database.version = String(version.rows[0].version ?? '') || null;
        delete database.error;
        const rows = (label: string): BatchResult => batch.results.get(label) ?? { rows: [], error: 'no answer' };
        const serverErr = ['datadir', 'uptime', 'schemas'].map((l) => rows(l).error).find(Boolean);
        if (serverErr) problemIn('database')('database server facts', serverErr);
        else Object.assign(database, serverFactsOf(rows));
        facts.cdr = await cdrFacts(p, plan, candidates, rows, marker, options);
        const dataDirPath = (text(three.get('hold:database')) ?? '').trim();
        if (database.dataDir) resolved.unshift({ what: 'database', path: dataDirPath || null });
      }
    }
  }
  if (disks) {
    tagHoldings(disks, resolved);
    facts.disks = disks;
    if (!disks.length) problemIn('disks')('filesystems', 'no real filesystem found');
  }
  return finish(facts, p, started, options);
}

function dbVars(plan: DbPlan): string[] {
  const r = plan.recipe;
  return [
    ['uk', r.userKey ?? ''], ['ud', r.userDefault], ['pk', r.passwordKey], ['hk', r.hostKey ?? ''], ['ok', r.portKey ?? ''],
    ['mode', plan.mode], ['sock', plan.socket ?? ''],
  ].flatMap(([k, v]) => ['-v', `${k}=${v!.replace(/\\/g, '\\\\')}`]);
}

function serverFactsOf(rows: (label: string) => BatchResult): Pick<DatabaseFacts, 'dataDir' | 'uptimeSeconds' | 'schemas'> {
  const dataDir = rows('datadir').rows[0]?.datadir;
  const up = rows('uptime').rows[0]?.Value;
  return {
    dataDir: dataDir === undefined || dataDir === null ? null : String(dataDir),
    uptimeSeconds: up === undefined || up === null ? null : Number(up),
    schemas: rows('schemas').rows.map((r) => ({ name: String(r.name), bytes: Number(r.bytes ?? 0) })),
  };
}

async function cdrFacts(p: Phases, plan: DbPlan, candidates: string[], rows: (label: string) => BatchResult, marker: string, options: AgentlessOptions) {
  // In order, stopping at the first that exists — as the agent asks them.
  for (const t of candidates) {
    const r = rows(`table:${t}`);
    if (r.error) return { ...blankCdr(candidates[0] ?? 'pbxware.cdr'), error: r.error };
    if (r.rows.length) break;
  }
  const found = pickCdrTable(candidates, (t) => rows(`table:${t}`).rows);
  const cdr = cdrFromTable(candidates, found);
  if (!found) return cdr;
  const index = rows(`index:${found.table}`);
  if (index.error) return { ...cdr, error: index.error };
  if (!cdrIndexed(cdr, index.rows)) return cdr;
  // ---- phase 4: the time-based figures, through the index ----
  const four = await p.run('cdr', [
    ...dbPreamble(),
    ...dbSection(p, 'cdr', plan, batchSql(marker, [['oldest', CDR_SQL.oldest(found.table)], ['newest', CDR_SQL.newest(found.table)], ['lastHour', CDR_SQL.lastHour(found.table)], ['sameHour', CDR_SQL.sameHour(found.table)]], options.timeoutMs), options.timeoutMs * 2),
  ]);
  const batch = parseBatch(asRun(four.get('cdr'), 'mysql').stdout, marker);
  const got = (l: string) => batch.results.get(l);
  const err = ['oldest', 'newest', 'lastHour', 'sameHour'].map((l) => got(l)?.error ?? (got(l) ? undefined : (batch.preamble[0] ?? 'no answer'))).find(Boolean);
  if (err) return { ...cdr, error: err };
  cdrTimes(cdr, { oldest: got('oldest')!.rows, newest: got('newest')!.rows, lastHour: got('lastHour')!.rows, sameHour: got('sameHour')!.rows });
  return cdr;
}

function customFacts(two: Map<string, Section>, layout: ProductLayout, options: AgentlessOptions, problem: (s: string, r: string) => void): CustomDevelopment {
  const custom: CustomDevelopment = { customConfFiles: [], agiScripts: [], modifiedPackageFiles: [], newestBackup: null, backupDir: layout.backups };
  const confs = two.get('confs');
  const confWhy = confs ? pathReason(confs.status) : null;
  if (confWhy && confWhy !== 'no such file or directory') problem(layout.asteriskEtc, confWhy);
  const names: string[] = [];
  for (const line of (confs && !confWhy ? confs.text : '').split('\n')) {
    const m = /^(\d+|noperm) (.+)$/.exec(line);
    if (!m || !isCustomConf(m[2]!)) continue;
    if (m[1] === 'noperm') problem(`${layout.asteriskEtc}/${m[2]}`, 'permission denied');
    else if (Number(m[1]) > 0) names.push(m[2]!);
  }
  custom.customConfFiles = names.sort();
  const agi = two.get('agi');
  const agiWhy = agi ? pathReason(agi.status) : null;
  if (agiWhy && agiWhy !== 'no such file or directory') problem(layout.agiDir, agiWhy);
  custom.agiScripts = extraAgiScripts(agi && !agiWhy ? agi.text.split('\n').filter(Boolean) : [], layout);
  const plan = rpmPlan(null, options.root);
  const rpmV = two.get('rpm-V');
  const pkg = packageCheck(
    layout,
    'reason' in plan ? { cannot: plan.reason } : rpmV && asRun(rpmV, 'rpm').code === 127 ? { cannot: 'rpm is not installed' } : { result: asRun(rpmV, 'rpm -V') },
  );
  custom.modifiedPackageFiles = pkg.modifiedPackageFiles;
  if (pkg.packageCheck) custom.packageCheck = pkg.packageCheck;
  if (pkg.problem) problem('rpm -V', pkg.problem);
  const bk = two.get('backups');
  const bkWhy = bk ? pathReason(bk.status) : null;
  if (bkWhy && bkWhy !== 'no such file or directory') problem(layout.backups, bkWhy);
  const prefix = options.root === '/' ? '' : options.root.replace(/\/+$/, '');
  const files: Array<{ path: string; mtimeMs: number }> = [];
  for (const line of (bk && !bkWhy ? bk.text : '').split('\n')) {
    const m = /^(\d+) (.+)$/.exec(line);
    if (m && m[2]!.startsWith(prefix)) files.push({ path: m[2]!.slice(prefix.length), mtimeMs: Number(m[1]) * 1000 });
  }
  const hostNow = Number((two.get('now')?.text ?? '').trim());
  custom.newestBackup = newestBackup(files, Number.isFinite(hostNow) && hostNow > 0 ? hostNow * 1000 : Date.now());
  return custom;
}

/** With no product known: the asterisk CLI on PATH (or the override), as the agent asks it. */
async function asteriskOnly(p: Phases, cmd: string[]): Promise<AsteriskRuns> {
  const s = await p.run('asterisk', [
    p.sec('ast:-V', CAP.small, [...cmd, '-V']),
    p.sec(`ast:${ASTERISK_VERSION_COMMAND}`, CAP.small, [...cmd, '-rx', ASTERISK_VERSION_COMMAND]),
    `if [ "$_s" = 0 ]; then`,
    ...ASTERISK_RX_COMMANDS.map((c) => p.sec(`ast:${c}`, CAP.listing, [...cmd, '-rx', c])),
    'fi',
  ]);
  const runs: AsteriskRuns = { dashV: asRun(s.get('ast:-V'), cmd[0]!), version: asRun(s.get(`ast:${ASTERISK_VERSION_COMMAND}`), cmd[0]!), rx: {} };
  for (const c of ASTERISK_RX_COMMANDS) if (s.has(`ast:${c}`)) runs.rx[c] = asRun(s.get(`ast:${c}`), cmd[0]!);
  return runs;
}

/** The NAT section's files: "<boundary> file NAME" heads each file's NAT lines; "noperm NAME" an unreadable one. */
function natFiles(sec: Section | undefined, etc: string, boundary: string, problem: (s: string, r: string) => void): Array<{ path: string; text: string }> {
  if (!sec) return [];
  const why = pathReason(sec.status);
  if (why) {
    if (why !== 'no such file or directory') problem(etc, why);
    return [];
  }
  const out: Array<{ path: string; text: string }> = [];
  for (const line of sec.text.split('\n')) {
    const head = line.startsWith(`${boundary} `) ? /^(file|noperm) (.+)$/.exec(line.slice(boundary.length + 1)) : null;
    if (head?.[1] === 'noperm') problem(`${etc}/${head[2]}`, 'permission denied');
    else if (head) out.push({ path: `${etc}/${head[2]}`, text: '' });
    else if (out.length) out[out.length - 1]!.text += `${line}\n`;
  }
  return out;
}

async function addPublicAddresses(facts: AgentFacts, claims: AddressClaim[], timeoutMs: number): Promise<void> {
  const found = await publicAddressesOf(claims, (name) => resolveName(name, timeoutMs));
  if (found) Object.assign(facts, found);
}

function finish(facts: AgentFacts, p: Phases, started: number, options: AgentlessOptions): AgentReport {
  facts.durationMs = Math.round(performance.now() - started);
  facts.timings = p.timings;
  const findings = sortFindings(agentFindings(facts, options.thresholds));
  return { ...facts, verdict: verdictOf(findings), findings };
}
