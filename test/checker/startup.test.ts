// Each binary loads only the command it runs: `check` never pulls in SQLite, YAML or a help desk.
// Proven on the built CLI: a module hook (node --import) records the URL of every module resolved.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CLI, CHECKER_CLI, runCli } from '../harness/cli.js';
import { closedPort } from '../harness/servers.js';

let dir: string;
let register: string;
let closed: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), `pbxready-startup-${process.pid}-`));
  await writeFile(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.PBXREADY_MODULE_LOG, r.url + '\\n');
  return r;
}
`,
  );
  register = join(dir, 'register.mjs');
  // ESM hooks do not see a CommonJS require() (the lazy YAML/CSV parsers are required): Module._load
  // is wrapped too, and logs the file each require resolves to.
  await writeFile(
    register,
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const load = Module._load;
Module._load = function (request, parent, isMain) {
  try {
    appendFileSync(process.env.PBXREADY_MODULE_LOG, 'require:' + Module._resolveFilename(request, parent, isMain) + '\\n');
  } catch {}
  return load.apply(this, arguments);
};
`,
  );
  closed = await closedPort();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Run a CLI under the hook; the URLs of every module it resolved. */
async function loaded(cli: string, args: string[], name: string): Promise<{ code: number | null; urls: string[] }> {
  const log = join(dir, `${name}.log`);
  await writeFile(log, '');
  const r = await runCli(cli, args, { env: { NODE_OPTIONS: `--import=${pathToFileURL(register).href}`, PBXREADY_MODULE_LOG: log, PBXREADY_DEBUG: '' } });
  return { code: r.code, urls: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}

const SQLITE = /\/node_modules\/better-sqlite3\//;
const YAML = /\/node_modules\/yaml\//;
// The help-desk flag names (tickets/options.js) are declared by check; no desk's code may load.
const TICKETS = /\/(ticket|tickets)\/(?!options\.js$)[^/]+$/;

describe('start-up loads only the command that runs', () => {
  it('the hook sees what a command loads: scan --help loads SQLite (control)', async () => {
    const scan = await loaded(CHECKER_CLI, ['scan', '--help'], 'scan');
    expect(scan.code).toBe(0);
    expect(scan.urls.some((u) => SQLITE.test(u))).toBe(true);
  });

  // A nightly port scan of a host list pays only for what it uses: no inventory parser it does not
  // read, no SSH or agentless code without an `agent:` entry, no mailer without --notify-email-to.
  const FLEET_EXTRAS = /\/node_modules\/(yaml|csv-parse|ssh2|nodemailer|semver)\//;
  /** A port scan of one closed port from an inventory FILE holding `text`: exit 2, and what it loaded. */
  async function scanOf(file: string, text: string): Promise<string[]> {
    const inventory = join(dir, file);
    await writeFile(inventory, text);
    const args = ['scan', '--inventory', inventory, '--probes', 'tcp', '--product', 'pbxware', '--ports', String(closed), '--allow-private', '--format', 'ndjson', '--db', join(dir, `${file}.db`)];
    const scan = await loaded(CHECKER_CLI, args, `scan-${file}`);
    expect(scan.code).toBe(2);
    expect(scan.urls.some((u) => u.endsWith('/checker/scan/engine.js'))).toBe(true);
    return scan.urls;
  }

  it('a port scan of a plain host list loads no YAML/CSV parser, SSH, mailer or semver', async () => {
    const urls = await scanOf('fleet.txt', '127.0.0.1\n');
    expect(urls.filter((u) => FLEET_EXTRAS.test(u))).toEqual([]);
  });

  it('the same scan from a YAML inventory loads the YAML parser (the lazy load happens)', async () => {
    const urls = await scanOf('fleet.yaml', 'hosts:\n  - host: 127.0.0.1\n');
    expect(urls.some((u) => YAML.test(u))).toBe(true);
  });

  it('check runs a whole check without SQLite, YAML or help-desk code', async () => {
    const check = await loaded(CHECKER_CLI, ['check', '127.0.0.1', '--allow-private', '--ports', String(closed), '--no-icmp', '--format', 'json'], 'check');
    expect(check.code).toBe(2);
    expect(check.urls.some((u) => u.endsWith('/checker/commands/check.js'))).toBe(true);
    expect(check.urls.filter((u) => SQLITE.test(u) || YAML.test(u) || TICKETS.test(u))).toEqual([]);
    expect(check.urls.filter((u) => /\/checker\/commands\/(?!(check|index)\.js$)/.test(u))).toEqual([]);
  });

  it('check --help loads the flag groups only: no probe (ssh2), logger (pino) or help desk', async () => {
    const help = await loaded(CHECKER_CLI, ['check', '--help'], 'check-help');
    expect(help.code).toBe(0);
    expect(help.urls.some((u) => u.endsWith('/checker/check-options.js'))).toBe(true);
    expect(help.urls.filter((u) => /\/node_modules\/(ssh2|pino|node-fetch|better-sqlite3|yaml)\//.test(u) || TICKETS.test(u) || u.endsWith('/checker/check.js'))).toEqual([]);
  });

  it('pbxready --version and pbxready-agent --version load no command and not yargs', async () => {
    for (const [cli, name] of [[CHECKER_CLI, 'version'], [AGENT_CLI, 'agent-version']] as const) {
      const v = await loaded(cli, ['--version'], name);
      expect(v.code).toBe(0);
      expect(v.urls.some((u) => u.endsWith('/cli.js'))).toBe(true);
      expect(v.urls.filter((u) => /\/commands\/[^/]+\.js$|\/node_modules\/yargs\//.test(u) && !u.endsWith('/commands/index.js'))).toEqual([]);
    }
  });
});
