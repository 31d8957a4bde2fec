// Asterisk through its own CLI: version (-V needs no daemon), then the running daemon's answers
// (-rx). On PBXware the CLI runs inside the chroot; --asterisk-cmd replaces it.

import type { AsteriskFacts } from '../../shared/model.js';
import type { RunResult } from '../exec.js';
import {
  isNoSuchCommand,
  parseCdrBackends,
  parseChannelsCount,
  parsePjsipContacts,
  parsePjsipRegistrations,
  parseSipPeers,
  parseSipRegistry,
  parseUptimeSeconds,
  parseVersion,
} from './asterisk-output.js';
import { hostPath, type FactSource, type SourceContext } from './source.js';

export function asteriskCommand(ctx: SourceContext): string[] {
  if (ctx.options.asteriskCmd) return ctx.options.asteriskCmd;
  const cmd = [...(ctx.layout?.asteriskCmd ?? ['asterisk'])];
  // The chroot lives under --root too.
  if (cmd[0] === 'chroot' && cmd[1]) cmd[1] = hostPath(ctx, cmd[1]);
  return cmd;
}

function failure(r: RunResult): string | null {
  const text = `${r.stdout}\n${r.stderr}`.trim();
  if (r.error) return r.error;
  if (/Unable to connect to remote asterisk/i.test(text)) return text.split('\n').find((l) => /Unable to connect/i.test(l))!.trim();
  if (r.code !== 0) return `exit code ${r.code}${text ? `: ${text.split('\n')[0]}` : ''}`;
  return null;
}

export const asteriskSource: FactSource = {
  name: 'asterisk',
  stage: 1,
  async collect(ctx, draft) {
    const cmd = asteriskCommand(ctx);
    const t = { timeoutMs: ctx.options.timeoutMs };
    const rx = (command: string) => ctx.run([...cmd, '-rx', command], t);
    const facts: AsteriskFacts = { version: null, running: false, activeCalls: null, endpoints: null, trunks: [] };
    draft.asterisk = facts;

    const [dashV, coreVersion] = await Promise.all([ctx.run([...cmd, '-V'], t), rx('core show version')]);
    facts.version = parseVersion(dashV.stdout);
    const down = failure(coreVersion);
    if (down) {
      facts.reason = down;
      return;
    }
    facts.running = true;
    facts.version = parseVersion(coreVersion.stdout) ?? facts.version;

    const [uptime, channels, contacts, registrations, peers, registry, cdr] = await Promise.all(
      ['core show uptime seconds', 'core show channels count', 'pjsip show contacts', 'pjsip show registrations', 'sip show peers', 'sip show registry', 'cdr show status'].map(rx),
    );
    const ok = (r: RunResult | undefined) => (r && !failure(r) && !isNoSuchCommand(r.stdout) ? r.stdout : null);
    facts.uptimeSeconds = ok(uptime) === null ? null : parseUptimeSeconds(uptime!.stdout);
    const counts = ok(channels) === null ? { channels: null, calls: null } : parseChannelsCount(channels!.stdout);
    facts.activeChannels = counts.channels;
    facts.activeCalls = counts.calls;

    const pj = ok(contacts) === null ? null : parsePjsipContacts(contacts!.stdout);
    const sip = ok(peers) === null ? null : parseSipPeers(peers!.stdout);
    if (pj || sip) {
      facts.endpoints = { total: (pj?.total ?? 0) + (sip?.total ?? 0), reachable: (pj?.reachable ?? 0) + (sip?.reachable ?? 0) };
    }
    facts.trunks = [
      ...(ok(registrations) === null ? [] : parsePjsipRegistrations(registrations!.stdout)),
      ...(ok(registry) === null ? [] : parseSipRegistry(registry!.stdout)),
    ];
    facts.cdrBackends = ok(cdr) === null ? [] : parseCdrBackends(cdr!.stdout);
    if (!pj && !sip) ctx.problem('asterisk endpoints', 'neither "pjsip show contacts" nor "sip show peers" answered');
  },
};
