// One check of one host: resolve, probe every port of the plan on every address under a per-host
// connection cap, decide the product, then turn the facts into findings with the pure rules.
// Reused by `pbxready check`, the fleet scan and the exporter: a failing host becomes findings,
// never an exception. Only bad input (an unreadable --known-hosts file) throws, as a UsageError.

import { performance } from 'node:perf_hooks';
import { finding } from '../shared/findings.js';
import type { CheckReport, Finding, HttpFacts, IcmpResult, PortAttempt, PortResult, Product, SshFacts, TlsFacts } from '../shared/model.js';
import { SCHEMA_VERSION } from '../shared/model.js';
import { allProfilePorts, decideProduct, EXPOSURE_PORTS, PROFILES, specForPort, type PortSpec } from '../shared/profiles.js';
import { httpFindings } from '../shared/rules/http.js';
import { addressFindings } from '../shared/rules/ports.js';
import { sshFindings } from '../shared/rules/ssh.js';
import { tlsFindings } from '../shared/rules/tls.js';
import { targetFindings } from '../shared/rules/target.js';
import { cleanDeep } from '../shared/sanitize.js';
import { TOOL } from '../shared/tool.js';
import { sortFindings, verdictOf } from '../shared/verdict.js';
import type { CheckOptions } from './check-options.js';
import { createLimit, type Limit } from './limiter.js';
import { DnsFailure, resolveHost, type Resolver } from './probes/dns.js';
import { httpTimedOut, probeHttp, type HttpTarget } from './probes/http.js';
import { ICMP_SLACK_MS, probeIcmp, type IcmpTarget } from './probes/icmp.js';
import { loadKnownHosts, type KnownHostEntry } from './probes/known-hosts.js';
import { deadline, withDeadline, type Deadline, type Probe } from './probes/probe.js';
import { probeSsh, type SshProbeContext, type SshTarget } from './probes/ssh.js';
import { probeTcp, type TcpTarget } from './probes/tcp.js';
import { probeTls, type TlsTarget } from './probes/tls.js';

/** Every side effect of a check, injectable: tests count connections, map ports, fix the clock. */
export interface CheckDeps {
  resolve: Resolver;
  tcp: Probe<TcpTarget, PortAttempt>;
  tls: Probe<TlsTarget, TlsFacts>;
  http: Probe<HttpTarget, HttpFacts>;
  ssh: (target: SshTarget, context: SshProbeContext) => Promise<SshFacts>;
  icmp: Probe<IcmpTarget, IcmpResult>;
  loadKnownHosts: (file: string) => Promise<KnownHostEntry[]>;
  /**
   * Profile port → the port actually dialled. Reports keep the profile's port numbers. Tests run
   * their servers on random ports and map e.g. 2020 → 41234 to exercise profiles and auto-detection.
   */
  portMap?: Readonly<Record<number, number>>;
  now: () => Date;
  debug?: (msg: string, fields?: Record<string, unknown>) => void;
}

export const DEFAULT_DEPS: CheckDeps = Object.freeze({
  resolve: resolveHost,
  tcp: probeTcp,
  tls: probeTls,
  http: probeHttp,
  ssh: probeSsh,
  icmp: probeIcmp,
  loadKnownHosts,
  now: () => new Date(),
});

interface Probing {
  options: CheckOptions;
  deps: CheckDeps;
  limit: Limit;
  knownHosts: KnownHostEntry[] | undefined;
  /** Credentials go only to ports known to be required; auto mode sends them after deciding. */
  sendCredentials: boolean;
}

/**
 * The one place a probe gets its deadline: a connection slot under the per-host cap first, then
 * one --timeout-ms window from the moment it dials (time spent queued is not counted), also ended
 * by the check's own stop signal.
 */
function bounded<T>(ctx: Probing, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return ctx.limit(() => withDeadline(ctx.options.timeoutMs, ctx.options.signal, run));
}

/** What the service probes of one port found; the check puts it into the PortResult. */
type ServiceFacts = Pick<PortResult, 'tls' | 'http' | 'ssh'>;
type ServiceProbe = (ctx: Probing, address: string, dial: number, spec: PortSpec) => Promise<ServiceFacts>;

async function sshOf(ctx: Probing, address: string, dial: number, withCredentials: boolean): Promise<SshFacts> {
  const { host, ssh, sshFingerprint, timeoutMs, signal: stop } = ctx.options;
  const target: SshTarget = { address, port: dial, host };
  if (withCredentials && ssh) target.credentials = ssh;
  if (sshFingerprint) target.expectedFingerprint = sshFingerprint;
  if (ctx.knownHosts) target.knownHosts = ctx.knownHosts;
  // The credential test gets a window of its own, from here too: a slow but working login is not a failure.
  const windows: Deadline[] = [];
  const loginSignal = () => {
    const w = deadline(timeoutMs, stop);
    windows.push(w);
    return w.signal;
  };
  try {
    const facts = await bounded(ctx, (signal) => ctx.deps.ssh(target, { signal, loginSignal }));
    return { ...facts, timeoutMs };
  } finally {
    for (const w of windows) w.clear();
  }
}

const probeSshPort: ServiceProbe = async (ctx, address, dial) => ({ ssh: await sshOf(ctx, address, dial, ctx.sendCredentials) });

function tlsOf(ctx: Probing, address: string, dial: number): Promise<TlsFacts> {
  return bounded(ctx, (signal) => ctx.deps.tls({ address, port: dial, host: ctx.options.host }, { signal, now: ctx.deps.now }));
}

function httpOf(ctx: Probing, address: string, dial: number, scheme: 'http' | 'https'): Promise<HttpFacts> {
  return bounded(ctx, (signal) => ctx.deps.http({ address, port: dial, host: ctx.options.host, scheme }, { signal }));
}

/**
 * GUI ports: ports the profile says expect TLS get a handshake first, then the page; plain ports
 * get the page, and when that fails for a reason other than silence, a TLS handshake (a port
 * answering TLS is judged too).
 */
const probeGuiPort: ServiceProbe = async (ctx, address, dial, spec) => {
  if (spec.expectsTls) {
    const tls = await tlsOf(ctx, address, dial);
    // Silent server: the page would time out too. Failed handshake: see what does answer there.
    if (tls.timedOut) return { tls };
    return { tls, http: await httpOf(ctx, address, dial, tls.error === undefined ? 'https' : 'http') };
  }
  const plain = await httpOf(ctx, address, dial, 'http');
  if (plain.error !== undefined && !httpTimedOut(plain)) {
    const tls = await tlsOf(ctx, address, dial);
    if (tls.error === undefined) return { tls, http: await httpOf(ctx, address, dial, 'https') };
  }
  return { http: plain };
};

/** Custom ports (--ports): nothing is expected, but a port answering TLS gets its certificate judged. */
const probeCustomPort: ServiceProbe = async (ctx, address, dial) => {
  const tls = await tlsOf(ctx, address, dial);
  return tls.error === undefined ? { tls } : {};
};

/** The one wiring table: which service probes follow an open TCP connect, by the port's purpose. */
const SERVICE_PROBES: Record<PortResult['purpose'], ServiceProbe | null> = {
  ssh: probeSshPort,
  gui: probeGuiPort,
  custom: probeCustomPort,
  exposure: null,
};

async function connect(ctx: Probing, address: string, dial: number): Promise<PortAttempt[]> {
  const attempt = () => bounded(ctx, (signal) => ctx.deps.tcp({ address, port: dial }, { signal }));
  const first = await attempt();
  if (first.state !== 'filtered' || !ctx.options.retryFiltered) return [first];
  return [first, await attempt()];
}

async function probePort(ctx: Probing, address: string, spec: PortSpec): Promise<PortResult> {
  const dial = ctx.deps.portMap?.[spec.port] ?? spec.port;
  const attempts = await connect(ctx, address, dial);
  const decisive = attempts.find((a) => a.state !== 'filtered') ?? attempts[attempts.length - 1]!;
  const service = SERVICE_PROBES[spec.purpose];
  let facts: ServiceFacts = {};
  if (decisive.state === 'open' && ctx.options.probes === 'full' && service) {
    ctx.deps.debug?.('service probe', { address, port: spec.port, dial, purpose: spec.purpose });
    facts = await service(ctx, address, dial, spec);
  }
  // What the host said enters the report here: controls out, lengths capped (shared/sanitize.ts).
  return cleanDeep<PortResult>({
    port: spec.port,
    address,
    purpose: spec.purpose,
    required: false,
    state: decisive.state,
    reason: decisive.reason,
    latencyMs: decisive.latencyMs,
    ...(attempts.length > 1 ? { attempts } : {}),
    ...facts,
  });
}

/** The ports to probe: --ports, else the chosen profile, else (auto) every profile's; exposure ports always. */
export function portPlan(options: Pick<CheckOptions, 'ports' | 'product'>): PortSpec[] {
  const base = options.ports?.map(specForPort) ?? (options.product === 'auto' ? allProfilePorts() : PROFILES[options.product].ports);
  const extra = EXPOSURE_PORTS.filter((e) => !base.some((b) => b.port === e.port));
  return [...base, ...extra];
}

function decide(options: CheckOptions, ports: readonly PortResult[]): { product: Product; reason: string } {
  if (options.product !== 'auto') return { product: options.product, reason: 'chosen with --product' };
  // A port counts as answering when it answers on any of the host's addresses.
  const observations = [...new Set(ports.map((p) => p.port))].map((n) => {
    const same = ports.filter((p) => p.port === n);
    const open = same.find((p) => p.state === 'open');
    return { port: n, state: open ? ('open' as const) : same[0]!.state, ...(open?.ssh ? { speaksSsh: open.ssh.banner?.startsWith('SSH-') ?? false } : {}) };
  });
  return decideProduct(observations);
}

function isRequired(options: CheckOptions, product: Product, p: PortResult): boolean {
  if (p.purpose === 'exposure') return false;
  if (options.ports) return true;
  return PROFILES[product].ports.some((s) => s.port === p.port);
}

function serviceFindings(p: PortResult, product: Product, options: CheckOptions): Finding[] {
  if (!p.required || p.state !== 'open') return [];
  return [...tlsFindings(p, { host: options.host, timeoutMs: options.timeoutMs }), ...(p.purpose === 'gui' ? httpFindings(p, product) : []), ...sshFindings(p)];
}

const NOT_MEASURED: IcmpResult = { measured: false, reason: 'not requested', alive: null, rttMs: null };

export async function runCheck(options: CheckOptions, deps: CheckDeps = DEFAULT_DEPS): Promise<CheckReport> {
  const started = performance.now();
  const generatedAt = deps.now().toISOString();
  const finish = (fields: Omit<CheckReport, 'schemaVersion' | 'kind' | 'tool' | 'generatedAt' | 'durationMs' | 'verdict'>): CheckReport => ({
    schemaVersion: SCHEMA_VERSION,
    kind: 'check',
    tool: TOOL,
    generatedAt,
    durationMs: Math.round(performance.now() - started),
    target: fields.target,
    verdict: verdictOf(fields.findings),
    ports: fields.ports,
    icmp: fields.icmp,
    findings: sortFindings(fields.findings),
  });

  let addresses: string[];
  try {
    addresses = options.addresses?.length
      ? [...options.addresses]
      : await withDeadline(options.timeoutMs, options.signal, (signal) => deps.resolve(options.host, { signal }));
  } catch (err) {
    const reason = err instanceof DnsFailure ? err.reason : (err as Error).message;
    return finish({
      target: { host: options.host, addresses: [], product: options.product === 'auto' ? 'pbxware' : options.product, productReason: 'not decided: the name did not resolve' },
      ports: [],
      icmp: { measured: false, reason: 'no address to ping', alive: null, rttMs: null },
      findings: [finding('DNS_FAILED', { host: options.host, reason })],
    });
  }

  const knownHosts = options.knownHostsFile ? await deps.loadKnownHosts(options.knownHostsFile) : undefined;
  const decidedUpFront = options.product !== 'auto' || options.ports !== undefined;
  const ctx: Probing = { options, deps, limit: createLimit(options.perHostConcurrency), knownHosts, sendCredentials: decidedUpFront };
  const plan = portPlan(options);
  const wantIcmp = options.probes === 'full' && options.icmp !== false;

  // ICMP needs no TCP connection slot; it runs beside the port probes.
  // net-ping waits --timeout-ms for a reply; the deadline leaves it some slack to say so itself.
  const icmpRun = wantIcmp
    ? withDeadline(options.timeoutMs + ICMP_SLACK_MS, options.signal, (signal) => deps.icmp({ addresses, replyWithinMs: options.timeoutMs }, { signal }))
    : Promise.resolve(NOT_MEASURED);
  const ports = await Promise.all(addresses.flatMap((address) => plan.map((spec) => probePort(ctx, address, spec))));
  const { product, reason } = decide(options, ports);
  for (const p of ports) p.required = isRequired(options, product, p);

  // Auto mode held credentials back until it knew which SSH ports are the product's.
  if (!decidedUpFront && options.ssh && options.probes === 'full') {
    await Promise.all(
      ports
        .filter((p) => p.required && p.purpose === 'ssh' && p.ssh?.banner?.startsWith('SSH-'))
        .map(async (p) => {
          p.ssh = cleanDeep(await sshOf(ctx, p.address, deps.portMap?.[p.port] ?? p.port, true));
        }),
    );
  }

  const icmp = await icmpRun;
  const findings: Finding[] = [
    ...targetFindings(addresses, options.allowPrivate),
    ...addresses.flatMap((a) => addressFindings(a, ports, icmp.alive === true)),
    ...ports.flatMap((p) => serviceFindings(p, product, options)),
  ];
  if (options.product === 'auto') findings.push(finding('PRODUCT_AUTO_GUESS', { product: PROFILES[product].title, reason }));

  return finish({
    target: { host: options.host, addresses, product, productReason: reason },
    ports,
    icmp,
    findings,
  });
}
