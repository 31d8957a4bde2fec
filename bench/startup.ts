// Start-up cost of the two binaries, measured against a bare `node -e 0` in the same run:
// every round runs each command once, in turn, so a busy machine slows all of them alike.
// Run: npm run bench:startup [-- --runs N]   (default 21 rounds; at least 15)

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const dist = fileURLToPath(new URL('..', import.meta.url));
const checker = `${dist}checker/cli.js`;
const agent = `${dist}agent/cli.js`;

const runsFlag = process.argv.indexOf('--runs');
const runs = Math.max(15, runsFlag > 0 ? Number(process.argv[runsFlag + 1]) || 0 : Number(process.env.BENCH_STARTUP_RUNS) || 21);

const CASES: ReadonlyArray<{ name: string; args: string[] }> = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: 'pbxready --version', args: [checker, '--version'] },
  { name: 'pbxready check --help', args: [checker, 'check', '--help'] },
  { name: 'pbxready-agent --version', args: [agent, '--version'] },
];

function once(args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString().split('\n')[0]}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

for (const c of CASES) once(c.args); // warm the file cache; not counted
const times = CASES.map(() => [] as number[]);
for (let round = 0; round < runs; round++) CASES.forEach((c, i) => times[i]!.push(once(c.args)));

const base = median(times[0]!);
console.log(`start-up, median of ${runs} interleaved runs (node ${process.version})`);
CASES.forEach((c, i) => {
  const m = median(times[i]!);
  console.log(`  ${c.name.padEnd(26)} ${m.toFixed(0).padStart(5)} ms  ${(m / base).toFixed(2)}× bare node`);
});
const ratio = median(times[1]!) / base;
console.log(`pbxready --version: ${ratio.toFixed(2)}× bare node (goal ≤ 1.60×) ${ratio <= 1.6 ? 'PASS' : 'FAIL'}`);
