// The host agent's facts reach the checker from one of three sources (ssh, http, file), all behind
// this one interface: a validated AgentReport, or a typed failure whose reason goes into the report.

import type { AgentReport, CheckReport } from '../../shared/model.js';
import { cleanText } from '../../shared/sanitize.js';
import type { CheckOptions } from '../check-options.js';

export type AgentVia = 'ssh' | 'http' | 'file';

export type AgentFailureKind =
  | 'no-ssh-port'
  | 'no-credentials'
  | 'not-installed'
  | 'hostkey'
  | 'auth'
  | 'unreachable'
  | 'timeout'
  | 'http-status'
  | 'command-failed'
  | 'invalid-report';

export interface AgentFailure {
  kind: AgentFailureKind;
  /** One line for AGENT_UNAVAILABLE: what failed and why, never a secret. */
  reason: string;
}

export type AgentOutcome = { ok: true; via: AgentVia; report: AgentReport } | { ok: false; via: AgentVia; failure: AgentFailure };

/** What a source may use: the finished outside check (which SSH port answered) and its options (credentials, pinning). */
export interface AgentContext {
  check: CheckReport;
  options: CheckOptions;
  /** Profile port → port dialled (tests running servers on random ports). */
  portMap?: Readonly<Record<number, number>>;
}

export interface AgentSource {
  readonly via: AgentVia;
  fetch(ctx: AgentContext): Promise<AgentOutcome>;
}

export function failed(via: AgentVia, kind: AgentFailureKind, reason: string): AgentOutcome {
  // The reason may quote the host (stderr, an HTTP body): it enters the report as one clean line.
  return { ok: false, via, failure: { kind, reason: cleanText(reason, 1024) } };
}
