// Every real filesystem, its space and inodes, and which of the product's data it holds: runs
// `df -kPT` and `df -iPT` and resolves the product's paths; shared/facts/disks.ts parses.
// Both df runs are bounded by --timeout: a hung NFS mount makes df block (even past SIGKILL, in
// the D state), and a report that never comes is worse than SOURCE_UNREADABLE naming the wait.

import { realpath } from 'node:fs/promises';
import { DF_INODES, DF_SPACE, disksFromDf, holdingCandidates, tagHoldings } from '../../shared/facts/disks.js';
import { runFailure, type RunResult } from '../../shared/facts/run.js';
import type { Run } from '../exec.js';
import { hostPath, type Draft, type FactSource, type SourceContext } from './source.js';

const TIMED_OUT = Symbol('timed out');

/** The promise's value, or TIMED_OUT after `ms` (the promise itself is left to settle on its own). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The first candidate that exists, symlinks resolved, or null. */
async function resolveFirst(candidates: readonly string[]): Promise<string | null> {
  for (const c of candidates) {
    try {
      return await realpath(c);
    } catch {
      // try the next candidate
    }
  }
  return null;
}

/** The disks source; `run` is injectable so a test can stand in a hung df. */
export function makeDisksSource(deps: { run?: Run } = {}): FactSource {
  return {
    name: 'disks',
    stage: 2,
    collect: (ctx, draft) => collectDisks(ctx, draft, deps.run ?? ctx.run),
  };
}

async function collectDisks(ctx: SourceContext, draft: Draft, run: Run): Promise<void> {
  const ms = ctx.options.timeoutMs;
  const [space, inodes] = await Promise.all([within(run(DF_SPACE, { timeoutMs: ms }), ms + 100), within(run(DF_INODES, { timeoutMs: ms }), ms + 100)]);
  const hung = (r: RunResult | typeof TIMED_OUT): r is typeof TIMED_OUT => r === TIMED_OUT || /^timed out/.test(r.error ?? '');
  if (hung(space)) {
    ctx.problem('filesystems', `df did not answer within ${ms} ms (a hung mount, e.g. NFS?)`);
    return;
  }
  const disks = disksFromDf(space.stdout, hung(inodes) ? null : inodes.stdout);
  if (hung(inodes)) ctx.problem('inodes', `df -i did not answer within ${ms} ms (a hung mount?)`);
  else if (runFailure(inodes) && !inodes.stdout.trim()) ctx.problem('inodes', runFailure(inodes)!);
  if (!disks.length && runFailure(space)) {
    ctx.problem('filesystems', runFailure(space)!);
    return;
  }
  const resolved = await Promise.all(
    holdingCandidates(ctx.layout, draft.database.dataDir).map(async (h) => ({ what: h.what, path: await resolveFirst([...h.paths.map((p) => hostPath(ctx, p)), ...h.asIs]) })),
  );
  tagHoldings(disks, resolved);
  draft.disks = disks;
  if (!disks.length) ctx.problem('filesystems', 'no real filesystem found');
}

export const disksSource: FactSource = makeDisksSource();
