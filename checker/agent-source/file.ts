// --agent-report FILE: a report the partner made on the host by hand (`pbxready-agent report --format json`).
// The path is the user's input: an unreadable file is a usage error, said before any probe. Its
// content came from a customer's host like any agent's answer: when it is not a usable agent report
// the check still runs and says why in AGENT_UNAVAILABLE — the outside report is always produced.

import { readNamedFile } from '../../shared/cli/cli.js';
import { parseAgentReport } from '../../shared/agent-report/validate.js';
import { failed, type AgentSource } from './source.js';

export async function fileAgentSource(path: string): Promise<AgentSource> {
  const text = (await readNamedFile(path, '--agent-report')).toString('utf8');
  const parsed = parseAgentReport(text);
  if ('problem' in parsed) {
    const outcome = failed('file', 'invalid-report', `--agent-report ${path} is ${parsed.problem}`);
    return { via: 'file', fetch: async () => outcome };
  }
  const report = parsed.report;
  return { via: 'file', fetch: async () => ({ ok: true, via: 'file', report }) };
}
