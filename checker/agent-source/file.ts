// --agent-report FILE: a report the partner made on the host by hand (`pbxready-agent report --format json`).
// The file is the user's input: unreadable or not an agent report is a usage error, said before any probe.

import { UsageError } from '../../shared/errors.js';
import { readNamedFile } from '../../shared/cli/cli.js';
import type { AgentReport } from '../../shared/model.js';
import type { AgentSource } from './source.js';
import { parseAgentReport } from '../../shared/agent-report/validate.js';

export async function loadAgentReportFile(path: string): Promise<AgentReport> {
  const text = (await readNamedFile(path, '--agent-report')).toString('utf8');
  const parsed = parseAgentReport(text);
  if ('problem' in parsed) throw new UsageError(`--agent-report: ${path} is ${parsed.problem}`);
  return parsed.report;
}

export async function fileAgentSource(path: string): Promise<AgentSource> {
  const report = await loadAgentReportFile(path);
  return { via: 'file', fetch: async () => ({ ok: true, via: 'file', report }) };
}
