// For tests that run the agent as another user (over SSH as the harness's test user, or as nobody):
// that user may not be able to read the checkout (a clone in a 0700 directory such as /root or
// `mktemp -d`). So the built agent is installed the way a PBX gets it — install.sh copies dist/ and
// only its runtime modules — into a temporary tree everyone can read, beside copies of the fixtures
// it reads. The checkout's permissions are never touched.

import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AGENT_CLI, REPO, requireBuilt } from './cli.js';

const run = promisify(execFile);

export interface AgentCopy {
  /** The installed agent's entry point, readable by every user. */
  cli: string;
  /** Where the copy of a repository path (as given to `installAgentCopy`) lives. */
  path(repoRelative: string): string;
  remove(): Promise<void>;
}

/**
 * Install the built agent and copy `repoPaths` (fixtures, relative to the repository) into a new
 * world-readable temporary directory.
 */
export async function installAgentCopy(repoPaths: string[] = []): Promise<AgentCopy> {
  requireBuilt(AGENT_CLI);
  const dir = await mkdtemp(join(tmpdir(), `pbxready-agent-copy-${process.pid}-`));
  const root = join(dir, 'root');
  const repo = join(dir, 'repo');
  try {
    await mkdir(root);
    await mkdir(repo);
    // Only the agent's own tree is opened up: install.sh keeps etc/pbxready/agent.json at 0600.
    await run('bash', [join(REPO, 'install.sh'), '--root', root, '--prefix', '/agent', '--node', process.execPath], { timeout: 120_000 });
    for (const rel of repoPaths) await cp(join(REPO, rel), join(repo, rel), { recursive: true });
    // a+rX: readable by all, and searchable/executable where it already was for someone (dirs, scripts).
    await run('chmod', ['-R', 'a+rX', join(root, 'agent'), repo]);
    for (const d of [dir, root]) await chmod(d, 0o755);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`could not install a copy of the agent for another user in ${dir}: ${(err as Error).message}`);
  }
  return {
    cli: join(root, 'agent/dist/agent/cli.js'),
    path: (rel) => join(repo, rel),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
