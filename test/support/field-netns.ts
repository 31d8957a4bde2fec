// Hosts for the field-truth tests (issue 13), each in network namespaces of its own, with real parts:
// HTTP/HTTPS GUI pages (Node servers), a real OpenSSH sshd per SSH port, iptables DROP rules.
//   - createHostNetns: one host behind a veth from the root namespace (10.236.T.2/29): the checker in
//     the root namespace is DIRECTLY CONNECTED to it.
//   - createHairpinNetns: a LAN (bridge in a "router" namespace) with a PBX and a client; the router
//     owns a public address and port-forwards it to the PBX (DNAT) with hairpin SNAT (MASQUERADE), as
//     a CPE does. A check run in the client namespace against the public address reaches the PBX
//     through the router — and the PBX sees the router's private LAN address as the SSH client.
// Needs root; without it creation fails with the reason.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CHECKER_CLI, requireBuilt, type CliRun } from '../harness/cli.js';
import { SSHD, sshdConfig, type SshdServer } from '../harness/sshd.js';
import type { KeyPair } from '../harness/tls-certs.js';
import { killGroup } from '../harness/netns.js';
import { claimSubnet } from '../harness/subnet-claim.js';
import { spawnInside } from './pbx-netns.js';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);

export interface HostPlan {
  /** port → HTML page served over plain HTTP. */
  http?: Record<number, string>;
  /** port → HTML page served over HTTPS with `tls`. */
  https?: Record<number, string>;
  /** A real sshd listens on each (the harness's user, password and host keys). */
  ssh?: number[];
  /** iptables DROP in the host's INPUT chain: no answer at all. */
  drop?: number[];
}

interface Started {
  children: ChildProcess[];
}

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('not root: cannot create network namespaces (ip netns needs CAP_SYS_ADMIN); run the tests as root, as .ci/run does');
}

const SERVE_PAGES = `
const http = require('http'), https = require('https'), fs = require('fs');
const cfg = JSON.parse(fs.readFileSync(process.argv[1], 'utf8'));
const ports = [...Object.keys(cfg.http), ...Object.keys(cfg.https)];
let up = 0;
const ready = () => { if (++up === ports.length) console.log('ready'); };
const page = (html) => (q, r) => { r.setHeader('content-type', 'text/html'); r.setHeader('server', 'nginx'); r.end(html); };
for (const [p, html] of Object.entries(cfg.http)) http.createServer(page(html)).listen(Number(p), '0.0.0.0', ready);
for (const [p, html] of Object.entries(cfg.https)) https.createServer({ key: cfg.key, cert: cfg.cert }, page(html)).listen(Number(p), '0.0.0.0', ready);
`;

/** The plan's servers and firewall inside namespace `ns`. */
async function startHost(ns: string, tag: string, sshd: SshdServer, tls: KeyPair, plan: HostPlan, into: Started): Promise<void> {
  for (const p of plan.drop ?? []) await ip('netns', 'exec', ns, 'iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', String(p), '-j', 'DROP');
  const http = plan.http ?? {};
  const https = plan.https ?? {};
  if (Object.keys(http).length + Object.keys(https).length > 0) {
    // The configuration (with the test certificate's key) goes in a file, never on a command line.
    const cfg = join(sshd.dir, `pages-${tag}.json`);
    await writeFile(cfg, JSON.stringify({ http, https, key: tls.key, cert: tls.cert }), { mode: 0o600 });
    into.children.push((await spawnInside(ns, [process.execPath, '-e', SERVE_PAGES, cfg], /ready/, `GUI pages in ${ns}`)).child);
  }
  for (const port of plan.ssh ?? []) {
    const config = join(sshd.dir, `sshd_config_${tag}_${port}`);
    await writeFile(config, sshdConfig(sshd.dir, port, { listen: '0.0.0.0', pidFile: `sshd_${tag}_${port}.pid` }));
    into.children.push((await spawnInside(ns, [SSHD, '-D', '-e', '-f', config], new RegExp(`Server listening on 0\\.0\\.0\\.0 port ${port}`), `sshd on ${port} in ${ns}`)).child);
  }
}

export interface HostNetns {
  ns: string;
  /** The host's address, directly connected to the root namespace. */
  address: string;
  /** The root namespace's end of the link, and its prefix as os.networkInterfaces() shows it. */
  rootAddress: string;
  rootCidr: string;
  rootInterface: string;
  stop(): Promise<void>;
}

export async function createHostNetns(sshd: SshdServer, tls: KeyPair, plan: HostPlan): Promise<HostNetns> {
  requireRoot();
  const tag = randomBytes(3).toString('hex');
  const subnet = claimSubnet();
  const t = subnet.n;
  const ns = `pbxr-host-${tag}`;
  const [rootIf, nsIf] = [`fh${tag}`, `fn${tag}`];
  const started: Started = { children: [] };
  const stop = async () => {
    for (const c of started.children) killGroup(c);
    await ip('netns', 'del', ns).catch(() => {});
    await ip('link', 'del', rootIf).catch(() => {});
    subnet.release();
  };
  const net = `10.236.${t}`;
  try {
    await ip('netns', 'add', ns);
    await ip('link', 'add', rootIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', ns);
    await ip('addr', 'add', `${net}.1/29`, 'dev', rootIf);
    await ip('link', 'set', rootIf, 'up');
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up');
    await ip('netns', 'exec', ns, 'ip', 'addr', 'add', `${net}.2/29`, 'dev', nsIf);
    await ip('netns', 'exec', ns, 'ip', 'link', 'set', nsIf, 'up');
    await startHost(ns, tag, sshd, tls, plan, started);
  } catch (err) {
    await stop();
    throw new Error(`cannot build the host namespace: ${(err as Error).message.split('\n')[0]}`);
  }
  return { ns, address: `${net}.2`, rootAddress: `${net}.1`, rootCidr: `${net}.1/29`, rootInterface: rootIf, stop };
}

export interface HairpinNetns {
  client: string;
  router: string;
  pbx: string;
  /** The router's public address, port-forwarded to the PBX. */
  publicAddress: string;
  /** The router's LAN address: what the PBX sees as the client once the router SNATs the hairpin. */
  routerLan: string;
  pbxLan: string;
  clientLan: string;
  stop(): Promise<void>;
}

export async function createHairpinNetns(sshd: SshdServer, tls: KeyPair, pbxPlan: HostPlan, forwarded: number[]): Promise<HairpinNetns> {
  requireRoot();
  const tag = randomBytes(3).toString('hex');
  const subnet = claimSubnet();
  const t = subnet.n;
  const [client, router, pbx] = [`pbxr-cl-${tag}`, `pbxr-rt-${tag}`, `pbxr-px-${tag}`];
  const [clIf, rcIf, pxIf, rpIf] = [`hc${tag}`, `hrc${tag}`, `hp${tag}`, `hrp${tag}`];
  const lan = `192.168.${t}`;
  // Public by pbxready's classification; it exists only inside these namespaces (no route in the root one).
  const publicAddress = `100.200.${t}.1`;
  const [routerLan, pbxLan, clientLan] = [`${lan}.1`, `${lan}.10`, `${lan}.20`];
  const started: Started = { children: [] };
  const stop = async () => {
    for (const c of started.children) killGroup(c);
    for (const ns of [client, pbx, router]) await ip('netns', 'del', ns).catch(() => {});
    subnet.release();
  };
  const inNs = (ns: string, ...args: string[]) => ip('netns', 'exec', ns, ...args);
  try {
    for (const ns of [client, router, pbx]) {
      await ip('netns', 'add', ns);
      await inNs(ns, 'ip', 'link', 'set', 'lo', 'up');
    }
    // The LAN: a bridge in the router with the client and the PBX on it.
    await inNs(router, 'ip', 'link', 'add', 'br0', 'type', 'bridge');
    for (const [ns, inside, routerSide, address] of [[client, clIf, rcIf, clientLan], [pbx, pxIf, rpIf, pbxLan]] as const) {
      await inNs(router, 'ip', 'link', 'add', routerSide, 'type', 'veth', 'peer', 'name', inside);
      await inNs(router, 'ip', 'link', 'set', inside, 'netns', ns);
      await inNs(router, 'ip', 'link', 'set', routerSide, 'master', 'br0');
      await inNs(router, 'ip', 'link', 'set', routerSide, 'up');
      await inNs(ns, 'ip', 'addr', 'add', `${address}/24`, 'dev', inside);
      await inNs(ns, 'ip', 'link', 'set', inside, 'up');
      await inNs(ns, 'ip', 'route', 'add', 'default', 'via', routerLan);
    }
    await inNs(router, 'ip', 'addr', 'add', `${routerLan}/24`, 'dev', 'br0');
    await inNs(router, 'ip', 'link', 'set', 'br0', 'up');
    // The WAN side: the public address on the router (on its loopback: the uplink itself is not needed).
    await inNs(router, 'ip', 'addr', 'add', `${publicAddress}/32`, 'dev', 'lo');
    await inNs(router, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    // Port forward of the support ports to the PBX, and the hairpin: LAN clients reaching the public
    // address get SNATed to the router, so the PBX answers through it (the usual CPE "NAT loopback").
    await inNs(router, 'iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', publicAddress, '-p', 'tcp', '-m', 'multiport', '--dports', forwarded.join(','), '-j', 'DNAT', '--to-destination', pbxLan);
    await inNs(router, 'iptables', '-t', 'nat', '-A', 'POSTROUTING', '-s', `${lan}.0/24`, '-d', pbxLan, '-p', 'tcp', '-j', 'MASQUERADE');
    await startHost(pbx, tag, sshd, tls, pbxPlan, started);
  } catch (err) {
    await stop();
    throw new Error(`cannot build the hairpin-NAT namespaces: ${(err as Error).message.split('\n')[0]}`);
  }
  return { client, router, pbx, publicAddress, routerLan, pbxLan, clientLan, stop };
}

/** The built `pbxready` CLI run inside namespace `ns` (the client's seat on the LAN). */
export function runCliIn(ns: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 120_000): Promise<CliRun> {
  requireBuilt(CHECKER_CLI);
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, CHECKER_CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
