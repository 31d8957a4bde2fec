// The one interface every fact source implements, and the context they share.

import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Product } from '../../shared/model.js';
import type { AgentFacts } from '../../shared/rules/agent.js';
import type { Run } from '../exec.js';
import type { ProductLayout } from '../../shared/facts/layout.js';
import type { AgentOptions } from '../options.js';
import type { DbSession } from './db-session.js';

export interface SourceContext {
  options: AgentOptions;
  run: Run;
  log: Logger;
  now: () => Date;
  /** Set by the product source; null when no product was found. */
  product: Product | null;
  layout: ProductLayout | null;
  /** Opened by the database source for the CDR source; closed by the collector. */
  db: DbSession | null;
  /** A source that could not be read: becomes SOURCE_UNREADABLE, never a silent gap. */
  problem: (source: string, reason: string) => void;
}

/** The facts being gathered; each source fills its own part. */
export type Draft = AgentFacts;

export interface FactSource {
  name: string;
  /** Sources of one stage run together; a later stage may use what an earlier one found. */
  stage: number;
  collect(ctx: SourceContext, draft: Draft): Promise<void>;
}

/** A host path under --root. */
export function hostPath(ctx: { options: { root: string } }, path: string): string {
  return ctx.options.root === '/' ? path : join(ctx.options.root, path);
}

export function errnoReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return 'permission denied';
  if (e?.code === 'ENOENT') return 'no such file or directory';
  if (e?.code === 'EISDIR') return 'is a directory';
  return e?.code ?? (e instanceof Error ? e.message.split('\n')[0] ?? String(e) : String(e));
}
