// Asterisk through its own CLI: version (-V needs no daemon), then the running daemon's answers
// (-rx). On PBXware the CLI runs inside the chroot; --asterisk-cmd replaces it. This file only
// runs the commands; shared/facts/asterisk.ts turns the answers into facts (the agentless
// collector calls the same function with the answers its remote script gathered).

import { ASTERISK_RX_COMMANDS, ASTERISK_VERSION_COMMAND, asteriskDown, asteriskFacts, type AsteriskRuns } from '../../shared/facts/asterisk.js';
import { asteriskCommandOf } from '../../shared/facts/layout.js';
import type { FactSource, SourceContext } from './source.js';

export function asteriskCommand(ctx: SourceContext): string[] {
  return asteriskCommandOf(ctx.layout, ctx.options.root, ctx.options.asteriskCmd);
}

export const asteriskSource: FactSource = {
  name: 'asterisk',
  stage: 1,
  async collect(ctx, draft) {
    const cmd = asteriskCommand(ctx);
    const t = { timeoutMs: ctx.options.timeoutMs };
    const rx = (command: string) => ctx.run([...cmd, '-rx', command], t);
    const [dashV, version] = await Promise.all([ctx.run([...cmd, '-V'], t), rx(ASTERISK_VERSION_COMMAND)]);
    const runs: AsteriskRuns = { dashV, version, rx: {} };
    // Only a daemon that answered is asked the rest.
    if (!asteriskDown(version)) {
      const answers = await Promise.all(ASTERISK_RX_COMMANDS.map(rx));
      ASTERISK_RX_COMMANDS.forEach((c, i) => (runs.rx[c] = answers[i]!));
    }
    draft.asterisk = asteriskFacts(runs, ctx.problem, cmd.join(' '));
  },
};
