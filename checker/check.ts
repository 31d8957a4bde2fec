// One check of one host: resolve, probe every port of the plan on every address under a per-host
// connection cap, decide the product, then turn the facts into findings with the pure rules.
// Reused by `pbxready check`, the fleet scan and the exporter: a failing host becomes findings,
// never an exception. Only bad input (an unreadable --known-hosts file) throws, as a UsageError.

import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { finding } from '../shared/findings.js';
import type { CheckReport, HttpFacts, IcmpResult, PortAttempt, PortResult, SshFacts, TlsFacts, VantagePoint } from '../shared/model.js';
import { SCHEMA_VERSION } from '../shared/model.js';
import { allProfilePorts, EXPOSURE_PORTS, PROFILES, specForPort, type PortSpec } from '../shared/profiles.js';
import { isRequired, outsideFindings, productFor, productTarget } from '../shared/rules/outside.js';
import { decideVantage, type LocalNetwork, type RouteFact } from '../shared/rules/vantage.js';
import { cleanDeep } from '../shared/sanitize.js';
import { TOOL } from '../shared/tool.js';
import { sortFindings, verdictOf } from '../shared/verdict.js';
import type { CheckOptions } from './check-options.js';
import { createLimit, type Limit } from './limiter.js';
import { DnsFailure, resolveHost, type Resolver } from './probes/dns.js';
import { httpTimedOut, probeHttp, type HttpTarget } from './probes/http.js';
import { ICMP_SLACK_MS, probeIcmp, type IcmpTarget } from './probes/icmp.js';
import { loadKnownHosts, type KnownHostEntry } from './probes/known-hosts.js';
import { deadline, linked, withDeadline, type Deadline, type Probe } from './probes/probe.js';
import { localNetworks, probeRoute, type RouteTarget } from './probes/route.js';
import type { SshProbeContext, SshTarget } from './probes/ssh.js';
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
  /** The local source address for a target (a route lookup: a UDP connect(), no packet sent). */
  route?: Probe<RouteTarget, RouteFact>;
  /** This machine's interface networks (os.networkInterfaces()). */
  networks?: () => LocalNetwork[];
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
  // ssh2 is the heaviest import of all; loaded on the first SSH probe (a port-only scan never makes one).
  ssh: async (target: SshTarget, context: SshProbeContext) => (await import('./probes/ssh.js')).probeSsh(target, context),
  icmp: probeIcmp,
  loadKnownHosts,
  now: () => new Date(),
});

interface Probing {
  options: CheckOptions;
  /** This check's stop: follows options.signal through one link, so probe deadlines hang on a short list. */
  stop: AbortSignal;
  deps: CheckDeps;
  limit: Limit;
  knownHosts: KnownHostEntry[] | undefined;
  /** Credentials go only to ports known to be required; auto mode sends them after deciding. */
  sendCredentials: boolean;
}

/**
 * The one place a probe gets its deadline: a connection slot under the per-host cap first, then
 * one window from the moment it dials (time spent queued is not counted) — --timeout-ms, or the
 * fleet's adaptive connect timeout, asked again while it waits — also ended by the check's own stop signal.
 */
function bounded<T>(ctx: Probing, run: (signal: AbortSignal) => Promise<T>, windowMs?: () => number, beforeDial?: () => Promise<void> | undefined): Promise<T> {
  const cap = ctx.options.timeoutMs;
  const dial = () => withDeadline(windowMs ? () => Math.min(windowMs(), cap) : cap, ctx.stop, run);
  return ctx.limit(() => {
    const turn = beforeDial?.();
    return turn ? turn.then(dial) : dial();
  });
}

/** What the service probes of one port found; the check puts it into the PortResult. */
type ServiceFacts = Pick<PortResult, 'tls' | 'http' | 'ssh'>;
type ServiceProbe = (ctx: Probing, address: string, dial: number, spec: PortSpec) => Promise<ServiceFacts>;

async function sshOf(ctx: Probing, address: string, dial: number, withCredentials: boolean): Promise<SshFacts> {
  const { host, ssh, sshFingerprint, timeoutMs } = ctx.options;
  const { stop } = ctx;
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

/**
 * A connect, and with retryFiltered a second one when the first heard nothing. Under a fleet's
 * connectTiming each attempt's window is the host's adaptive timeout (the retry's longer, from
 * what is known by then), and every answer is an RTT sample for the host and the fleet.
 */
async function connect(ctx: Probing, address: string, dial: number): Promise<PortAttempt[]> {
  const timing = ctx.options.connectTiming;
  // The windows are asked again while the connect waits (probe.ts adaptiveDeadline): the first
  // attempt's last value is what the retry's fallback starts from.
  let firstMs = 0;
  const attempt = async (window?: () => number, retry = false) => {
    const a = await bounded(ctx, (signal) => ctx.deps.tcp({ address, port: dial }, { signal }), window, timing?.beforeDial && (() => timing.beforeDial!(retry)));
    if (timing && a.state !== 'filtered' && a.latencyMs !== null) timing.sample(a.latencyMs);
    return a;
  };
  const first = await attempt(timing && (() => (firstMs = timing.firstTimeout())));
  if (first.state !== 'filtered' || !ctx.options.retryFiltered) return [first];
  return [first, await attempt(timing && (() => timing.retryTimeout(firstMs)), true)];
}

async function probePort(ctx: Probing, address: string, spec: PortSpec): Promise<PortResult> {
  const dial = ctx.deps.portMap?.[spec.port] ?? spec.port;
  const attempts = await connect(ctx, address, dial);
  const decisive = attempts.find((a) => a.state !== 'filtered') ?? attempts[attempts.length - 1]!;
  const service = SERVICE_PROBES[spec.purpose];
  const result: PortResult = {
    port: spec.port,
    address,
    purpose: spec.purpose,
    required: false,
    state: decisive.state,
    reason: decisive.reason,
    latencyMs: decisive.latencyMs,
    ...(attempts.length > 1 ? { attempts } : {}),
  };
  if (decisive.state === 'open' && ctx.options.probes === 'full' && service) {
    ctx.deps.debug?.('service probe', { address, port: spec.port, dial, purpose: spec.purpose });
    // What the host said enters the report here: controls out, lengths capped (shared/sanitize.ts).
    // The rest of the result is ours (the address we dialled, the kernel's answer, our wording).
    Object.assign(result, cleanDeep(await service(ctx, address, dial, spec)));
  }
  return result;
}

/** The ports to probe: --ports, else the chosen profile, else (auto) every profile's; exposure ports always. */
export function portPlan(options: Pick<CheckOptions, 'ports' | 'product'>): PortSpec[] {
  const base = options.ports?.map(specForPort) ?? (options.product === 'auto' ? allProfilePorts() : PROFILES[options.product].ports);
  const extra = EXPOSURE_PORTS.filter((e) => !base.some((b) => b.port === e.port));
  return [...base, ...extra];
}

const NOT_MEASURED: IcmpResult = { measured: false, reason: 'not requested', alive: null, rttMs: null };
const NOWHERE: VantagePoint = { addresses: [], inside: false, evidence: [] };

export async function runCheck(options: CheckOptions, deps: CheckDeps = DEFAULT_DEPS): Promise<CheckReport> {
  const stop = linked(options.signal);
  try {
    return await checkUnder(options, deps, stop.signal);
  } finally {
    stop.clear();
  }
}

async function checkUnder(options: CheckOptions, deps: CheckDeps, stop: AbortSignal): Promise<CheckReport> {
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
    vantage: fields.vantage,
  });

  let addresses: string[];
  try {
    // A literal address is its own answer: no lookup, no deadline to arm (a fleet is mostly literals).
    addresses = options.addresses?.length
      ? [...options.addresses]
      : isIP(options.host)
        ? [options.host]
        : await withDeadline(options.timeoutMs, stop, (signal) => deps.resolve(options.host, { signal }));
  } catch (err) {
    const reason = err instanceof DnsFailure ? err.reason : (err as Error).message;
    return finish({
      target: { host: options.host, addresses: [], product: options.product === 'auto' ? 'pbxware' : options.product, productReason: 'not decided: the name did not resolve' },
      ports: [],
      icmp: { measured: false, reason: 'no address to ping', alive: null, rttMs: null },
      findings: [finding('DNS_FAILED', { host: options.host, reason })],
      vantage: NOWHERE,
    });
  }

  const knownHosts = options.knownHostsFile ? await deps.loadKnownHosts(options.knownHostsFile) : undefined;
  const decidedUpFront = options.product !== 'auto' || options.ports !== undefined;
  const ctx: Probing = { options, stop, deps, limit: createLimit(options.perHostConcurrency), knownHosts, sendCredentials: decidedUpFront };
  const plan = portPlan(options);
  const wantIcmp = options.probes === 'full' && options.icmp !== false;

  // ICMP needs no TCP connection slot; it runs beside the port probes.
  // net-ping waits --timeout-ms for a reply; the deadline leaves it some slack to say so itself.
  const icmpRun = wantIcmp
    ? withDeadline(options.timeoutMs + ICMP_SLACK_MS, stop, (signal) => deps.icmp({ addresses, replyWithinMs: options.timeoutMs }, { signal }))
    : Promise.resolve(NOT_MEASURED);
  // Where the check runs from: a route lookup per address (no packet sent, on a shared socket: no connection slot).
  const route = deps.route ?? probeRoute;
  const vantageRun = Promise.all(addresses.map((address) => withDeadline(options.timeoutMs, stop, (signal) => route({ address }, { signal })))).then((facts) =>
    decideVantage(facts, (deps.networks ?? localNetworks)()),
  );
  const ports = await Promise.all(addresses.flatMap((address) => plan.map((spec) => probePort(ctx, address, spec))));
  const decision = productFor(options.product, ports);
  for (const p of ports) p.required = isRequired(p, decision, options.ports);

  // Auto mode held credentials back until it knew which SSH ports are the product's: the best
  // guess's only, even when other candidates' ports are required too (credentials go nowhere doubtful).
  if (!decidedUpFront && options.ssh && options.probes === 'full') {
    const guessed = new Set(PROFILES[decision.product].ports.map((s) => s.port));
    await Promise.all(
      ports
        .filter((p) => p.required && guessed.has(p.port) && p.purpose === 'ssh' && p.ssh?.banner?.startsWith('SSH-'))
        .map(async (p) => {
          p.ssh = cleanDeep(await sshOf(ctx, p.address, deps.portMap?.[p.port] ?? p.port, true));
        }),
    );
  }

  const [icmp, vantage] = await Promise.all([icmpRun, vantageRun]);
  return finish({
    target: { host: options.host, addresses, ...productTarget(decision, options) },
    ports,
    icmp,
    findings: outsideFindings({ addresses, ports, icmp, vantage }, decision, options),
    vantage,
  });
}
