// One check of one host: resolve, probe every port of the plan on every address under a per-host
// connection cap, decide the product, then turn the facts into findings with the pure rules.
// Reused by `pbxready check`, the fleet scan and the exporter: a failing host becomes findings,
// never an exception. Only bad input (an unreadable --known-hosts file) throws, as a UsageError.

import { performance } from 'node:perf_hooks';
import { finding } from '../shared/findings.js';
import type { KnownHostEntry } from './probes/known-hosts.js';
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
import { httpTimedOut, probeHttp, type HttpProbeOptions } from './probes/http.js';
import { probeIcmp, type IcmpProbeOptions } from './probes/icmp.js';
import { loadKnownHosts } from './probes/known-hosts.js';
import { probeSsh, type SshProbeOptions } from './probes/ssh.js';
import { probeTcp } from './probes/tcp.js';
import { probeTls, type TlsProbeOptions } from './probes/tls.js';

/** Every side effect of a check, injectable: tests count connections, map ports, fix the clock. */
export interface CheckDeps {
  resolve: Resolver;
  tcp: (address: string, port: number, timeoutMs: number, signal?: AbortSignal) => Promise<PortAttempt>;
  tls: (address: string, port: number, options: TlsProbeOptions) => Promise<TlsFacts>;
  http: (address: string, port: number, options: HttpProbeOptions) => Promise<HttpFacts>;
  ssh: (address: string, port: number, options: SshProbeOptions) => Promise<SshFacts>;
  icmp: (addresses: readonly string[], options: IcmpProbeOptions) => Promise<IcmpResult>;
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

/** Ports where HTTPS is the expected service: a failed handshake there is a finding. */
const TLS_PORTS = new Set([443, 8443]);

interface Probing {
  options: CheckOptions;
  deps: CheckDeps;
  limit: Limit;
  knownHosts: KnownHostEntry[] | undefined;
  /** Credentials go only to ports known to be required; auto mode sends them after deciding. */
  sendCredentials: boolean;
}

type ServiceProbe = (ctx: Probing, port: PortResult, dial: number) => Promise<void>;

function sshOptions(ctx: Probing, withCredentials: boolean): SshProbeOptions {
  const o: SshProbeOptions = { timeoutMs: ctx.options.timeoutMs, host: ctx.options.host };
  if (withCredentials && ctx.options.ssh) o.credentials = ctx.options.ssh;
  if (ctx.options.sshFingerprint) o.expectedFingerprint = ctx.options.sshFingerprint;
  if (ctx.knownHosts) o.knownHosts = ctx.knownHosts;
  if (ctx.options.signal) o.signal = ctx.options.signal;
  return o;
}

const probeSshPort: ServiceProbe = async (ctx, port, dial) => {
  port.ssh = await ctx.limit(() => ctx.deps.ssh(port.address, dial, sshOptions(ctx, ctx.sendCredentials)));
};

function tlsOf(ctx: Probing, address: string, dial: number): Promise<TlsFacts> {
  const { host, timeoutMs, signal } = ctx.options;
  return ctx.limit(() => ctx.deps.tls(address, dial, { host, timeoutMs, now: ctx.deps.now, ...(signal ? { signal } : {}) }));
}

function httpOf(ctx: Probing, address: string, dial: number, scheme: 'http' | 'https'): Promise<HttpFacts> {
  const { host, timeoutMs, signal } = ctx.options;
  return ctx.limit(() => ctx.deps.http(address, dial, { host, scheme, timeoutMs, ...(signal ? { signal } : {}) }));
}

/**
 * GUI ports: HTTPS ports get a TLS handshake first, then the page; plain ports get the page, and
 * when that fails for a reason other than silence, a TLS handshake (a port answering TLS is judged too).
 */
const probeGuiPort: ServiceProbe = async (ctx, port, dial) => {
  if (TLS_PORTS.has(port.port)) {
    port.tls = await tlsOf(ctx, port.address, dial);
    // Silent server: the page would time out too. Failed handshake: see what does answer there.
    if (!port.tls.timedOut) port.http = await httpOf(ctx, port.address, dial, port.tls.error === undefined ? 'https' : 'http');
    return;
  }
  const plain = await httpOf(ctx, port.address, dial, 'http');
  if (plain.error !== undefined && !httpTimedOut(plain)) {
    const tls = await tlsOf(ctx, port.address, dial);
    if (tls.error === undefined) {
      port.tls = tls;
      port.http = await httpOf(ctx, port.address, dial, 'https');
      return;
    }
  }
  port.http = plain;
};

/** Custom ports (--ports): nothing is expected, but a port answering TLS gets its certificate judged. */
const probeCustomPort: ServiceProbe = async (ctx, port, dial) => {
  const tls = await tlsOf(ctx, port.address, dial);
  if (tls.error === undefined) port.tls = tls;
};

/** The one wiring table: which service probes follow an open TCP connect, by the port's purpose. */
const SERVICE_PROBES: Record<PortResult['purpose'], ServiceProbe | null> = {
  ssh: probeSshPort,
  gui: probeGuiPort,
  custom: probeCustomPort,
  exposure: null,
};

async function connect(ctx: Probing, address: string, dial: number): Promise<PortAttempt[]> {
  const { timeoutMs, signal, retryFiltered } = ctx.options;
  const first = await ctx.limit(() => ctx.deps.tcp(address, dial, timeoutMs, signal));
  if (first.state !== 'filtered' || !retryFiltered) return [first];
  return [first, await ctx.limit(() => ctx.deps.tcp(address, dial, timeoutMs, signal))];
}

async function probePort(ctx: Probing, address: string, spec: PortSpec): Promise<PortResult> {
  const dial = ctx.deps.portMap?.[spec.port] ?? spec.port;
  const attempts = await connect(ctx, address, dial);
  const decisive = attempts.find((a) => a.state !== 'filtered') ?? attempts[attempts.length - 1]!;
  const port: PortResult = { port: spec.port, address, purpose: spec.purpose, required: false, state: decisive.state, reason: decisive.reason, latencyMs: decisive.latencyMs };
  if (attempts.length > 1) port.attempts = attempts;
  const service = SERVICE_PROBES[spec.purpose];
  if (port.state === 'open' && ctx.options.probes === 'full' && service) {
    ctx.deps.debug?.('service probe', { address, port: spec.port, dial, purpose: spec.purpose });
    await service(ctx, port, dial);
  }
  // What the host said enters the report here: controls out, lengths capped (shared/sanitize.ts).
  return cleanDeep(port);
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
    addresses = options.addresses?.length ? [...options.addresses] : await deps.resolve(options.host, options.timeoutMs, options.signal);
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
  const icmpRun = wantIcmp ? deps.icmp(addresses, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) }) : Promise.resolve(NOT_MEASURED);
  const ports = await Promise.all(addresses.flatMap((address) => plan.map((spec) => probePort(ctx, address, spec))));
  const { product, reason } = decide(options, ports);
  for (const p of ports) p.required = isRequired(options, product, p);

  // Auto mode held credentials back until it knew which SSH ports are the product's.
  if (!decidedUpFront && options.ssh && options.probes === 'full') {
    await Promise.all(
      ports
        .filter((p) => p.required && p.purpose === 'ssh' && p.ssh?.banner?.startsWith('SSH-'))
        .map(async (p) => {
          const dial = deps.portMap?.[p.port] ?? p.port;
          p.ssh = cleanDeep(await ctx.limit(() => deps.ssh(p.address, dial, sshOptions(ctx, true))));
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
