// Which rpm to ask about the product's packages. --rpm-cmd (tests: a stand-in replaying recorded
// output) is always asked, and the paths it prints are the host's own; without it, the host's rpm,
// but never for a tree under --root (its database describes this machine, not the tree).

import { rpmPlan } from '../../shared/facts/layout.js';
import { onPath } from '../exec.js';
import type { SourceContext } from './source.js';

export async function rpmCommand(ctx: SourceContext): Promise<{ cmd: string[] } | { reason: string }> {
  const plan = rpmPlan(ctx.options.rpmCmd, ctx.options.root);
  if (!('probe' in plan)) return plan;
  if (!(await onPath(plan.probe, ctx.run))) return { reason: 'rpm is not installed' };
  return { cmd: [plan.probe] };
}
