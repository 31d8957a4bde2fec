// npm run bundle [-- OUTFILE]: the agent as ONE self-contained ES module, dist/pbxready-agent.mjs — every
// dependency inside (mysql2, yargs, pino, pino-pretty are plain JavaScript), nothing to put next
// to it. Copy it to a host with Node.js ≥ 18.19 and run `node pbxready-agent.mjs report`.
// Node 18.19 is the floor because pino 10 calls diagnostics_channel.tracingChannel unguarded
// (Node 18.19 / 19.9); esbuild lowers the syntax to node18.

import { build } from 'esbuild';
import { chmod } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BUNDLE_NODE_TARGET = 'node18';
export const BUNDLE_FILE = 'pbxready-agent.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const outfile = resolve(process.argv[2] ?? join(repo, 'dist', BUNDLE_FILE));

await build({
  entryPoints: [join(repo, 'agent', 'cli.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: BUNDLE_NODE_TARGET,
  // The CommonJS dependencies require() Node's own modules; an ES module has no require of its own.
  banner: { js: "import { createRequire as __pbxreadyCreateRequire } from 'node:module';\nconst require = __pbxreadyCreateRequire(import.meta.url);" },
  // The report says it came from the bundle (agent/collector.ts).
  define: { __PBXREADY_BUNDLE__: 'true' },
  legalComments: 'eof',
  logLevel: 'warning',
});
await chmod(outfile, 0o755);
process.stdout.write(`${outfile}\n`);
