// A PBX behind a router, in network namespaces, with the PBX's OWN packet filter in the way:
//   root (the checker, "outside") 10.235.T.1/30 ⇄ router 10.235.T.2/30 (the PBX's public address)
//   router 10.236.T.1/30 ⇄ pbx 10.236.T.2/30 (default route via the router)
// The router forwards (DNAT) TCP 81, 443 and 2020 to the PBX, and drops 81 in its FORWARD chain (a block
// in front of the PBX). The PBX listens on 81, 443 and 2020, and drops 2020 itself, twice: an iptables
// rule and an nftables table (`inet pbxfw`). Optionally a real fail2ban-server runs inside the PBX
// namespace (its own conf dir, socket and pid file in a temp dir) with a jail on 2020.
// Needs root; without it creation fails with the reason.

import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { killGroup, listenInside, vethLink } from '../harness/netns.js';
import { claimSubnet } from '../harness/subnet-claim.js';

const run = promisify(execFile);
const ip = (...args: string[]) => run('ip', args);

export interface FirewallNetns {
  pbx: string;
  router: string;
  /** The PBX's public address: the router's outside address. */
  publicAddress: string;
  /** Run a command inside the PBX namespace. */
  inPbx(...args: string[]): Promise<{ stdout: string; stderr: string }>;
  stop(): Promise<void>;
}

export interface Fail2ban {
  /** The client command line the agent is told to use (config fail2banCmd). */
  client: string[];
  ban(jail: string, address: string): Promise<void>;
  stop(): Promise<void>;
}

export async function createFirewallNetns(): Promise<FirewallNetns> {
  if (process.getuid?.() !== 0) throw new Error('not root: cannot create network namespaces (ip netns needs CAP_SYS_ADMIN); run the tests as root, as .ci/run does');
  const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`.slice(-6);
  const subnet = claimSubnet();
  const t = subnet.n;
  const pbx = `pbxr-fwp-${tag}`;
  const router = `pbxr-fwr-${tag}`;
  const [rootIf, routerOut, routerIn, pbxIf] = [`fa${tag}`, `fb${tag}`, `fc${tag}`, `fd${tag}`];
  const publicAddress = `10.235.${t}.2`;
  const pbxAddress = `10.236.${t}.2`;
  const children: ChildProcess[] = [];
  const inPbx = (...args: string[]) => ip('netns', 'exec', pbx, ...args);
  const inRouter = (...args: string[]) => ip('netns', 'exec', router, ...args);
  const stop = async () => {
    for (const c of children) killGroup(c);
    await ip('netns', 'del', pbx).catch(() => {});
    await ip('netns', 'del', router).catch(() => {});
    await ip('link', 'del', rootIf).catch(() => {});
    subnet.release();
  };
  try {
    await ip('netns', 'add', router);
    await ip('netns', 'add', pbx);
    await vethLink(null, router, [rootIf, routerOut], [`10.235.${t}.1`, publicAddress]);
    await vethLink(router, pbx, [routerIn, pbxIf], [`10.236.${t}.1`, pbxAddress]);
    await inPbx('ip', 'route', 'add', 'default', 'via', `10.236.${t}.1`);
    // The router: forwards the support ports to the PBX, but drops 81 in front of it.
    await inRouter('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    for (const port of ['81', '443', '2020']) {
      await inRouter('iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', publicAddress, '-p', 'tcp', '--dport', port, '-j', 'DNAT', '--to-destination', `${pbxAddress}:${port}`);
    }
    await inRouter('iptables', '-A', 'FORWARD', '-p', 'tcp', '--dport', '81', '-j', 'DROP');
    // The PBX's own filter: 2020 dropped by iptables AND by an nftables table.
    await inPbx('iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '2020', '-j', 'DROP');
    await inPbx('nft', 'add', 'table', 'inet', 'pbxfw');
    await inPbx('nft', 'add chain inet pbxfw input { type filter hook input priority 0; policy accept; }');
    await inPbx('nft', 'add', 'rule', 'inet', 'pbxfw', 'input', 'tcp', 'dport', '2020', 'counter', 'drop');
    for (const port of [81, 443, 2020]) children.push(await listenInside(pbx, port, { closes: true }));
  } catch (err) {
    await stop();
    throw new Error(`cannot build the firewall namespaces: ${(err as Error).message.split('\n')[0]}`);
  }
  return { pbx, router, publicAddress, inPbx, stop };
}

/** A real fail2ban-server inside namespace `ns`: conf dir, socket, pid file and log in a temp dir. */
export async function startFail2ban(ns: string, jail: { name: string; port: number }): Promise<Fail2ban> {
  const dir = mkdtempSync(join(tmpdir(), 'pbxready-f2b-'));
  const conf = join(dir, 'conf');
  const sock = join(dir, 'f2b.sock');
  cpSync('/etc/fail2ban/action.d', join(conf, 'action.d'), { recursive: true });
  cpSync('/etc/fail2ban/filter.d', join(conf, 'filter.d'), { recursive: true });
  cpSync('/etc/fail2ban/paths-common.conf', join(conf, 'paths-common.conf'));
  cpSync('/etc/fail2ban/paths-debian.conf', join(conf, 'paths-debian.conf'));
  writeFileSync(join(dir, 'auth.log'), '');
  writeFileSync(join(conf, 'fail2ban.conf'), `[Definition]\nloglevel = INFO\nlogtarget = ${join(dir, 'f2b.log')}\nsocket = ${sock}\npidfile = ${join(dir, 'f2b.pid')}\ndbfile = :memory:\n`);
  writeFileSync(
    join(conf, 'jail.conf'),
    `[INCLUDES]\nbefore = paths-debian.conf\n[DEFAULT]\nbackend = polling\n[${jail.name}]\nenabled = true\nfilter = sshd\nlogpath = ${join(dir, 'auth.log')}\nport = ${jail.port}\naction = iptables-multiport[name=${jail.name}, port="${jail.port}", protocol="tcp"]\n`,
  );
  const client = ['fail2ban-client', '-s', sock];
  const stop = async () => {
    await run(client[0]!, [...client.slice(1), 'stop']).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await ip('netns', 'exec', ns, 'fail2ban-server', '-c', conf, '-s', sock, '-p', join(dir, 'f2b.pid'), '-x', '-b');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const ok = await run(client[0]!, [...client.slice(1), 'ping']).then(() => true, () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error('fail2ban-server did not answer ping within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw new Error(`cannot start fail2ban (Debian package fail2ban): ${(err as Error).message.split('\n')[0]}`);
  }
  return {
    client,
    ban: async (name, address) => {
      await run(client[0]!, [...client.slice(1), 'set', name, 'banip', address]);
    },
    stop,
  };
}
