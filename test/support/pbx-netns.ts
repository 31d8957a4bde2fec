// A PBX host in its own network namespace, seen from the root namespace (the "outside"), with the
// three field failures made real rather than simulated:
//   - 443: a listener inside, but iptables DROP in front of it      → filtered outside, listening inside
//   - 81:  nothing listens                                          → closed outside, not listening inside
//   - 80:  a DNAT port forward to ANOTHER device (a second namespace
//          running an HTTP "router page"); nothing listens on the PBX → open outside, not listening inside
//   - 2020: a real OpenSSH sshd inside the namespace, so `--agent ssh` runs the agent INSIDE it and the
//          agent's /proc/net/tcp is the PBX namespace's own socket table.
// Layout: root 10.233.T.1/30 ⇄ pbx 10.233.T.2/30; pbx 10.234.T.1/30 ⇄ other 10.234.T.2/30 (default via pbx).
// Needs root; without it creation fails with the reason.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SSHD, sshdConfig, TEST_USER, type SshdServer } from '../harness/sshd.js';
import { killGroup, vethLink } from '../harness/netns.js';
import { claimSubnet } from '../harness/subnet-claim.js';

const run = promisify(execFile);

export interface PbxNetns {
  pbx: string;
  other: string;
  /** The address the checker probes: the PBX's "public" address. */
  pbxAddress: string;
  /** The device the port forward for 80 wrongly points at. */
  otherAddress: string;
  sshdLog(): string;
  stop(): Promise<void>;
}

const ip = (...args: string[]) => run('ip', args);

/** Start a process inside a namespace in its own process group; resolves when `ready` matches its output. */
export function spawnInside(ns: string, args: string[], ready: RegExp, what: string): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      killGroup(child);
      reject(new Error(`${what} did not start within 10 s: ${out.slice(-500)}`));
    }, 10_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve({ child, output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before it was ready: ${out.slice(-500)}`));
    });
  });
}

/**
 * `sshd` is the harness's server (it owns the test user, its password, the authorised key and the host
 * keys); a second sshd with the same keys and user runs inside the PBX namespace on port 2020.
 */
export async function createPbxNetns(sshd: SshdServer): Promise<PbxNetns> {
  if (process.getuid?.() !== 0) throw new Error('not root: cannot create network namespaces (ip netns needs CAP_SYS_ADMIN); run the tests as root, as .ci/run does');
  const tag = randomBytes(3).toString('hex');
  const subnet = claimSubnet();
  const t = subnet.n;
  const pbx = `pbxr-pbx-${tag}`;
  const other = `pbxr-oth-${tag}`;
  const [rootIf, pbxIf, pbxOtherIf, otherIf] = [`pr${tag}`, `pp${tag}`, `pq${tag}`, `po${tag}`];
  const children: ChildProcess[] = [];
  let sshdOut: () => string = () => '';
  const stop = async () => {
    for (const c of children) killGroup(c);
    await ip('netns', 'del', pbx).catch(() => {});
    await ip('netns', 'del', other).catch(() => {});
    await ip('link', 'del', rootIf).catch(() => {});
    subnet.release();
  };
  const inPbx = (...args: string[]) => ip('netns', 'exec', pbx, ...args);
  const inOther = (...args: string[]) => ip('netns', 'exec', other, ...args);
  const pbxAddress = `10.233.${t}.2`;
  const otherAddress = `10.234.${t}.2`;
  try {
    await ip('netns', 'add', pbx);
    await ip('netns', 'add', other);
    await vethLink(null, pbx, [rootIf, pbxIf], [`10.233.${t}.1`, pbxAddress]);
    await vethLink(pbx, other, [pbxOtherIf, otherIf], [`10.234.${t}.1`, otherAddress]);
    await inOther('ip', 'route', 'add', 'default', 'via', `10.234.${t}.1`);
    // The PBX namespace is also "the router": it forwards and NATs, like a CPE in front of a PBX.
    await inPbx('sysctl', '-q', '-w', 'net.ipv4.ip_forward=1');
    await inPbx('iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '443', '-j', 'DROP');
    await inPbx('iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', pbxAddress, '-p', 'tcp', '--dport', '80', '-j', 'DNAT', '--to-destination', `${otherAddress}:80`);

    // 443 listens on the PBX (behind the DROP); the "router admin page" answers on the other device's 80.
    const listen443 = `require('net').createServer((s)=>s.end()).listen(443,'0.0.0.0',()=>console.log('ready'))`;
    children.push((await spawnInside(pbx, [process.execPath, '-e', listen443], /ready/, 'listener on 443')).child);
    const routerPage = `require('http').createServer((q,r)=>{r.setHeader('content-type','text/html');r.end('<html><head><title>Router admin</title></head><body>login</body></html>')}).listen(80,'0.0.0.0',()=>console.log('ready'))`;
    children.push((await spawnInside(other, [process.execPath, '-e', routerPage], /ready/, 'router page on the other device')).child);

    const config = join(sshd.dir, `sshd_config_${tag}`);
    await writeFile(config, sshdConfig(sshd.dir, 2020, { listen: '0.0.0.0', pidFile: `sshd_${tag}.pid` }));
    const started = await spawnInside(pbx, [SSHD, '-D', '-e', '-f', config], /Server listening on 0\.0\.0\.0 port 2020/, 'sshd in the PBX namespace');
    children.push(started.child);
    sshdOut = started.output;
  } catch (err) {
    await stop();
    throw new Error(`cannot build the PBX network namespaces: ${(err as Error).message.split('\n')[0]}`);
  }
  return { pbx, other, pbxAddress, otherAddress, sshdLog: () => sshdOut(), stop };
}
