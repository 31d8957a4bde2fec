// Gather every fact source into one AgentReport, then the pure rules decide the findings.
// A source that throws becomes a SOURCE_UNREADABLE finding; nothing here crashes the report.

import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AgentReport } from '../shared/model.js';
import { agentFindings, blankAgentFacts } from '../shared/rules/agent.js';
import { sortFindings, verdictOf } from '../shared/verdict.js';
import { COLLECTOR } from './collector.js';
import { runCommand, type Run } from './exec.js';
import type { AgentOptions } from './options.js';
import { SOURCES } from './sources/index.js';
import { errnoReason, type FactSource, type SourceContext } from './sources/source.js';

export interface CollectDeps {
  run?: Run;
  now?: () => Date;
  sources?: readonly FactSource[];
}

export async function collectReport(options: AgentOptions, log: Logger, deps: CollectDeps = {}): Promise<AgentReport> {
  const now = deps.now ?? (() => new Date());
  const started = performance.now();
  const facts = blankAgentFacts(COLLECTOR, hostname(), options.root, now());
  const problem = (source: string, reason: string, from?: string) => {
    log.debug({ source, reason }, 'source unreadable');
    facts.unreadable!.push(from ? { source, reason, from } : { source, reason });
  };
  const ctx: SourceContext = {
    options,
    run: deps.run ?? runCommand,
    log,
    now,
    product: null,
    layout: null,
    db: null,
    problem: (source, reason) => problem(source, reason),
  };
  const sources = deps.sources ?? SOURCES;
  const stages = [...new Set(sources.map((s) => s.stage))].sort((a, b) => a - b);
  // Per source, so a benchmark can tell the CDR queries' cost from process start-up and the rest.
  const timings: Record<string, number> = {};
  try {
    for (const stage of stages) {
      await Promise.all(
        sources
          .filter((s) => s.stage === stage)
          .map(async (s) => {
            const t = performance.now();
            // Its own view of the shared context: what it sets (product, db) reaches the others;
            // the problems it meets are marked as its own (the agent's per-source error metrics).
            const own = new Proxy(ctx, {
              get: (target, key, receiver) => (key === 'problem' ? (source: string, reason: string) => problem(source, reason, s.name) : Reflect.get(target, key, receiver)),
            });
            try {
              await s.collect(own, facts);
            } catch (err) {
              problem(s.name, errnoReason(err), s.name);
            }
            const ms = Math.round((performance.now() - t) * 10) / 10;
            timings[s.name] = ms;
            log.debug({ source: s.name, ms }, 'source collected');
          }),
      );
    }
  } finally {
    await ctx.db?.close();
  }
  facts.durationMs = Math.round(performance.now() - started);
  facts.timings = timings;
  const findings = sortFindings(agentFindings(facts, options.thresholds, options.vendorSources));
  return { ...facts, verdict: verdictOf(findings), findings };
}
