// A real network namespace with a firewall, for the port states loopback cannot show: filtered by
// DROP, refused by a TCP reset rule, and ICMP admin-prohibited / host-unreachable rejections.
// Layout: veth pair, host side 10.231.N.1/29, namespace side .2 (per-port rules) and .3 (all TCP
// dropped: a host where nothing answers). Needs root; without it creation fails with the reason.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { claimSubnet } from './subnet-claim.js';

const run = promisify(execFile);

export interface FirewallPlan {
  /** Listening inside the namespace on .2 (and .3, though its TCP is dropped). */
  open?: number[];
  /** iptables DROP: no answer at all. */
  drop?: number[];
  /** REJECT --reject-with tcp-reset: looks closed. */
  reset?: number[];
  /** REJECT --reject-with icmp-admin-prohibited. */
  adminProhibited?: number[];
  /** REJECT --reject-with icmp-host-unreachable. */
  hostUnreachable?: number[];
}

export interface TestNetns {
  name: string;
  hostAddress: string;
  /** Per-port rules apply here. */
  address: string;
  /** Every TCP packet to this address is dropped. */
  deadAddress: string;
  stop(): Promise<void>;
}

async function ip(...args: string[]): Promise<void> {
  await run('ip', args);
}

export async function createNetns(plan: FirewallPlan): Promise<TestNetns> {
  if (process.getuid?.() !== 0) {
    throw new Error('not root: cannot create a network namespace (ip netns needs CAP_SYS_ADMIN); run the tests as root, as .ci/run does');
  }
  const tag = randomBytes(3).toString('hex');
  const name = `pbxr-${tag}`;
  const subnet = claimSubnet();
  const net = `10.231.${subnet.n}`;
  const [hostIf, nsIf] = [`pxh${tag}`, `pxn${tag}`];
  const children: ChildProcess[] = [];
  const stop = async () => {
    for (const c of children) killGroup(c);
    await ip('netns', 'del', name).catch(() => {});
    await ip('link', 'del', hostIf).catch(() => {});
    subnet.release();
  };
  try {
    await ip('netns', 'add', name);
    await ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf);
    await ip('link', 'set', nsIf, 'netns', name);
    await ip('addr', 'add', `${net}.1/29`, 'dev', hostIf);
    await ip('link', 'set', hostIf, 'up');
    const nsExec = (...args: string[]) => ip('netns', 'exec', name, ...args);
    await nsExec('ip', 'link', 'set', 'lo', 'up');
    await nsExec('ip', 'addr', 'add', `${net}.2/29`, 'dev', nsIf);
    await nsExec('ip', 'addr', 'add', `${net}.3/29`, 'dev', nsIf);
    await nsExec('ip', 'link', 'set', nsIf, 'up');
    const ipt = (...rule: string[]) => nsExec('iptables', '-A', 'INPUT', '-p', 'tcp', ...rule);
    await ipt('-d', `${net}.3`, '-j', 'DROP');
    for (const p of plan.drop ?? []) await ipt('--dport', String(p), '-j', 'DROP');
    for (const p of plan.reset ?? []) await ipt('--dport', String(p), '-j', 'REJECT', '--reject-with', 'tcp-reset');
    for (const p of plan.adminProhibited ?? []) await ipt('--dport', String(p), '-j', 'REJECT', '--reject-with', 'icmp-admin-prohibited');
    for (const p of plan.hostUnreachable ?? []) await ipt('--dport', String(p), '-j', 'REJECT', '--reject-with', 'icmp-host-unreachable');
    for (const port of plan.open ?? []) children.push(await listenInside(name, port));
  } catch (err) {
    await stop();
    throw new Error(`cannot build the test network namespace: ${(err as Error).message.split('\n')[0]}`);
  }
  return { name, hostAddress: `${net}.1`, address: `${net}.2`, deadAddress: `${net}.3`, stop };
}

/**
 * One /30 link between two namespaces (`from` null: this one): a veth pair made in `from`, its peer
 * moved into `to`, both ends addressed and up, and `to`'s loopback up. Every two-hop test network
 * (checker → router → PBX) is built from these.
 */
export async function vethLink(from: string | null, to: string, [fromIf, toIf]: [string, string], [fromAddress, toAddress]: [string, string]): Promise<void> {
  const inFrom = (...args: string[]) => (from ? ip('netns', 'exec', from, 'ip', ...args) : ip(...args));
  const inTo = (...args: string[]) => ip('netns', 'exec', to, 'ip', ...args);
  await inFrom('link', 'add', fromIf, 'type', 'veth', 'peer', 'name', toIf);
  await inFrom('link', 'set', toIf, 'netns', to);
  await inFrom('addr', 'add', `${fromAddress}/30`, 'dev', fromIf);
  await inFrom('link', 'set', fromIf, 'up');
  await inTo('link', 'set', 'lo', 'up');
  await inTo('addr', 'add', `${toAddress}/30`, 'dev', toIf);
  await inTo('link', 'set', toIf, 'up');
}

/** Kill a child started in its own process group (detached), with everything it started. */
export function killGroup(c: ChildProcess): void {
  if (c.pid && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/**
 * A TCP listener inside namespace `ns`, in its own process group; resolves once listening. Silent
 * (holds every connection open, saying nothing) unless `closes`: then it closes each at once.
 */
export function listenInside(ns: string, port: number, { closes = false }: { closes?: boolean } = {}): Promise<ChildProcess> {
  const code = `require('net').createServer(${closes ? '(s)=>s.end()' : '()=>{}'}).listen(${port},'0.0.0.0',()=>console.log('ready'))`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`listener on ${port} in ${ns} did not start`)), 10_000);
    child.stdout!.once('data', () => {
      clearTimeout(timer);
      resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`listener on ${port} in ${ns} exited (${code})`)));
  });
}
