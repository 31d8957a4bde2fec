// npm run bench:agentless — the inside view with nothing installed vs with the installed agent, on
// the same host: a PBX network namespace with a real OpenSSH sshd on 2020, a real MariaDB with a
// PBXware CDR table, a PBXware sysroot and the recorded-Asterisk stand-in. It times the whole
// `pbxready check --agent …` (spawned, interleaved, median of BENCH_AGENTLESS_RUNS, default 9):
//   agent:      --agent ssh with the installed agent (node + the built agent, run over the login)
//   agentless:  --agent agentless (the read-only sh phases, parsed by the checker)
// and prints wall times, each collection's own durationMs, and the ratio agentless / agent. The
// inside view's round trip alone (login, run, output, parse: the agent source's fetch, in-process
// after one real probe of the sshd) is timed the same way, interleaved.
// Goal: agentless ≤ 1.5× the installed agent's round trip — PASS/FAIL on the round-trip medians
// (and printed for the whole check, whose outside probes are the same for both).

import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { sshAgentSource, type SshAgentPlan } from '../checker/agent-source/ssh.js';
import { CHECK_DEFAULTS, type CheckOptions } from '../checker/check-options.js';
import { withDeadline } from '../checker/probes/probe.js';
import { probeSsh } from '../checker/probes/ssh.js';
import type { CheckReport, PortResult } from '../shared/model.js';
import { agentlessDefaults } from '../checker/agent-source/options.js';
import { checkReport } from '../test/fixtures/reports.js';
import { installAgentCopy } from '../test/harness/agent-copy.js';
import { startMariaDb } from '../test/harness/mariadb.js';
import { startMaskedSshd } from '../test/harness/masked-sshd.js';
import { startSshd } from '../test/harness/sshd.js';
import { pbxwareSysroot, seedPbxwareDb } from '../test/agentless/helpers.js';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
const CLI = join(REPO, 'dist/checker/cli.js');
const RUNS = Number(process.env.BENCH_AGENTLESS_RUNS ?? 9);
const GOAL = 1.5;
const PASSWORD_ENV = 'PBXR_BENCH_SSH_PASSWORD';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function timed(args: string[], env: Record<string, string>): Promise<{ ms: number; report: CheckReport; stderr: string }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const ms = performance.now() - t;
      try {
        resolve({ ms, report: JSON.parse(out) as CheckReport, stderr: err });
      } catch {
        reject(new Error(`check gave no JSON: ${err.slice(0, 300)}`));
      }
    });
  });
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('bench:agentless needs root (network namespace, sshd, MariaDB)');
  const tag = `${process.pid.toString(36)}${randomBytes(2).toString('hex')}`;
  const ns = `pbxr-bal-${tag}`;
  const t = (parseInt(randomBytes(1).toString('hex'), 16) % 250) + 1;
  const address = `10.237.${t}.2`;
  const cleanup: Array<() => Promise<unknown>> = [];
  try {
    const sshd = await startSshd();
    cleanup.push(() => sshd.stop());
    const db = await startMariaDb();
    cleanup.push(() => db.stop());
    await seedPbxwareDb(db);
    await chmod(dirname(db.socket), 0o711);
    const tree = pbxwareSysroot(db);
    cleanup.push(async () => tree.cleanup());
    await run('chmod', ['-R', 'a+rX', tree.root]);
    const agent = await installAgentCopy(['test/fixtures/asterisk/ast20-pjsip']);
    cleanup.push(() => agent.remove());
    const asterisk = agent.path('test/fixtures/asterisk/ast20-pjsip/asterisk');
    cleanup.push(() => run('ip', ['netns', 'del', ns]).catch(() => {}), () => run('ip', ['link', 'del', `bl${tag}`]).catch(() => {}));
    await run('ip', ['netns', 'add', ns]);
    await run('ip', ['link', 'add', `bl${tag}`, 'type', 'veth', 'peer', 'name', `bp${tag}`]);
    await run('ip', ['link', 'set', `bp${tag}`, 'netns', ns]);
    await run('ip', ['addr', 'add', `10.237.${t}.1/30`, 'dev', `bl${tag}`]);
    await run('ip', ['link', 'set', `bl${tag}`, 'up']);
    await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
    await run('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', `${address}/30`, 'dev', `bp${tag}`]);
    await run('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', `bp${tag}`, 'up']);
    const pbx = await startMaskedSshd(sshd, { programs: [], port: 2020, listen: '0.0.0.0', netns: ns });
    cleanup.push(() => pbx.stop());

    const base = ['check', address, '--product', 'pbxware', '--allow-private', '--no-icmp', '--timeout-ms', '3000', '--ssh-user', sshd.user, '--ssh-password-env', PASSWORD_ENV, '--format', 'json'];
    type Mode = 'agent' | 'agentless';
    const modes: Record<Mode, string[]> = {
      agent: [...base, '--agent', 'ssh', '--agent-command', `${process.execPath} ${agent.cli} report --format json --root ${tree.root} --asterisk-cmd ${asterisk}`],
      agentless: [...base, '--agent', 'agentless', '--agent-root', tree.root, '--agent-asterisk-cmd', asterisk],
    };
    const env = { [PASSWORD_ENV]: sshd.password };
    const wall: Record<Mode, number[]> = { agent: [], agentless: [] };
    const collection: Record<Mode, number[]> = { agent: [], agentless: [] };
    // One warm-up of each (page cache, sshd's first fork), then interleaved runs.
    for (const m of ['agent', 'agentless'] as const) {
      const r = await timed(modes[m], env);
      if (r.report.agent?.collector !== (m === 'agent' ? 'agent' : 'agentless')) throw new Error(`${m}: the report came from ${r.report.agent?.collector ?? 'no collector'} (${r.report.findings.find((f) => f.code === 'AGENT_UNAVAILABLE')?.message ?? ''})`);
    }
    for (let i = 0; i < RUNS; i++) {
      const order: Mode[] = i % 2 ? ['agentless', 'agent'] : ['agent', 'agentless'];
      for (const m of order) {
        const r = await timed(modes[m], env);
        wall[m].push(r.ms);
        collection[m].push(r.report.agent?.durationMs ?? NaN);
      }
    }
    // The inside view's round trip alone, in-process: one real probe of the sshd, then the agent source.
    const options: CheckOptions = { ...CHECK_DEFAULTS, host: address, product: 'pbxware', allowPrivate: true, ssh: { user: sshd.user, password: sshd.password } };
    const ssh = await withDeadline(10_000, undefined, (signal) => probeSsh({ address, port: 2020, host: address, credentials: options.ssh! }, { signal }));
    const port: PortResult = { port: 2020, address, purpose: 'ssh', required: true, state: 'open', reason: 'connected', latencyMs: 1, ssh };
    const check = checkReport([port]);
    const agentless = agentlessDefaults(tree.root, [asterisk]);
    const log = pino({ level: 'silent' });
    const plans: Record<Mode, SshAgentPlan> = { agent: { mode: 'agent-or-agentless', agentless, log }, agentless: { mode: 'agentless', agentless, log } };
    const command = `${process.execPath} ${agent.cli} report --format json --root ${tree.root} --asterisk-cmd ${asterisk}`;
    const trip: Record<Mode, number[]> = { agent: [], agentless: [] };
    for (let i = 0; i < RUNS * 2 + 2; i++) {
      const order: Mode[] = i % 2 ? ['agentless', 'agent'] : ['agent', 'agentless'];
      for (const m of order) {
        const t0 = performance.now();
        const outcome = await sshAgentSource(command, 30_000, plans[m]).fetch({ check, options });
        const ms = performance.now() - t0;
        if (!outcome.ok || outcome.report.collector !== m) throw new Error(`${m}: no report from the ${m} (${outcome.ok ? outcome.report.collector : outcome.failure.reason})`);
        if (i >= 2) trip[m].push(ms);
      }
    }
    const rt = { agent: median(trip.agent), agentless: median(trip.agentless) };
    const w = { agent: median(wall.agent), agentless: median(wall.agentless) };
    const c = { agent: median(collection.agent), agentless: median(collection.agentless) };
    const ratio = rt.agentless / rt.agent;
    const wallRatio = w.agentless / w.agent;
    const fmt = (n: number) => `${n.toFixed(0).padStart(6)} ms`;
    process.stdout.write(`bench:agentless — pbxready check --agent … on one PBX netns (sshd 2020, MariaDB, sysroot, recorded Asterisk), ${RUNS} interleaved runs each, medians\n`);
    process.stdout.write(`  collector    check wall time    collection (durationMs)   min..max wall\n`);
    for (const m of ['agent', 'agentless'] as const) {
      process.stdout.write(`  ${m.padEnd(10)} ${fmt(w[m])}          ${fmt(c[m])}              ${Math.min(...wall[m]).toFixed(0)}..${Math.max(...wall[m]).toFixed(0)} ms\n`);
    }
    process.stdout.write(`  ratio agentless/agent, whole check (wall): ${wallRatio.toFixed(2)}×\n`);
    process.stdout.write(`inside view's round trip alone (login + run + output + parse, in-process), ${RUNS * 2} interleaved runs each, medians\n`);
    for (const m of ['agent', 'agentless'] as const) process.stdout.write(`  ${m.padEnd(10)} ${fmt(rt[m])}   min..max ${Math.min(...trip[m]).toFixed(0)}..${Math.max(...trip[m]).toFixed(0)} ms\n`);
    process.stdout.write(`  ratio agentless/agent (round trip): ${ratio.toFixed(2)}×  (goal ≤ ${GOAL}×)  ${ratio <= GOAL ? 'PASS' : 'FAIL'}\n`);
    process.stdout.write(`  ratio agentless/agent (collection): ${(c.agentless / c.agent).toFixed(2)}×  (the agent's excludes node's start-up and the SSH exec; printed, not judged)\n`);
    process.exitCode = ratio <= GOAL ? 0 : 1;
  } finally {
    for (const f of cleanup.reverse()) await f().catch(() => {});
  }
}

await main();
