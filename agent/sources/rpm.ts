// Which rpm to ask about the product's packages. --rpm-cmd (tests: a stand-in replaying recorded
// output) is always asked, and the paths it prints are the host's own; without it, the host's rpm,
// but never for a tree under --root (its database describes this machine, not the tree).

import { onPath } from '../exec.js';
import type { SourceContext } from './source.js';

export async function rpmCommand(ctx: SourceContext): Promise<{ cmd: string[] } | { reason: string }> {
  if (ctx.options.rpmCmd) return { cmd: ctx.options.rpmCmd };
  if (ctx.options.root !== '/') return { reason: 'rpm cannot verify a tree under --root (give --rpm-cmd to ask one that can)' };
  if (!(await onPath('rpm', ctx.run))) return { reason: 'rpm is not installed' };
  return { cmd: ['rpm'] };
}
