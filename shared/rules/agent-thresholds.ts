// The agent rules' thresholds and their defaults, apart from the rules themselves: the scan's flag
// parsing needs the defaults, not the rules (whose version comparisons load semver).

import type { EmergencyThresholds } from './emergency.js';

const GiB = 1024 ** 3;

export interface AgentThresholds extends EmergencyThresholds {
  /** DISK_SPACE_LOW warns at this use %, and fails at diskFailPercent. */
  diskWarnPercent: number;
  diskFailPercent: number;
  inodesWarnPercent: number;
  /** UPGRADE_SPACE_INSUFFICIENT: free < (CDR data+index) × factor + margin. */
  upgradeSpaceFactor: number;
  upgradeSpaceMarginBytes: number;
  cdrRowsWarn: number;
  cdrBytesWarn: number;
  /** ENDPOINTS_UNREACHABLE when more than this % of endpoints are unreachable. */
  endpointsUnreachablePercent: number;
  backupMaxAgeDays: number;
}

export const AGENT_THRESHOLDS: Readonly<AgentThresholds> = Object.freeze({
  diskWarnPercent: 80,
  diskFailPercent: 90,
  inodesWarnPercent: 90,
  upgradeSpaceFactor: 1.2,
  upgradeSpaceMarginBytes: 2 * GiB,
  cdrRowsWarn: 5_000_000,
  cdrBytesWarn: 2 * GiB,
  endpointsUnreachablePercent: 20,
  emergencyFailedRatio: 0.5,
  emergencyMinCalls: 10,
  volumeCollapseRatio: 0.25,
  volumeMinUsualCalls: 20,
  volumeMinWeeks: 2,
  backupMaxAgeDays: 7,
});

/** Merge config overrides over the frozen defaults; unknown keys and non-numbers are refused by the caller. */
export function agentThresholds(overrides: Partial<AgentThresholds> = {}): AgentThresholds {
  return { ...AGENT_THRESHOLDS, ...overrides };
}
