// SSH facts → findings. Pure: the probe (checker/probes/ssh.ts) fills SshFacts, this decides.
// The probe's error texts are built here too, so the words a finding quotes have one home.

import { finding } from '../findings.js';
import type { Finding, PortResult } from '../model.js';

export const SSH_ERRORS = {
  bannerTimeout: (timeoutMs: number) => `no SSH banner within ${timeoutMs} ms`,
  handshakeTimeout: (timeoutMs: number) => `the SSH handshake did not complete within ${timeoutMs} ms`,
  closedBeforeBanner: () => 'the server closed the connection before sending a banner (sshd MaxStartups, TCP wrappers or a ban)',
  notSsh: () => 'the service on this port does not speak SSH',
  hostKeyMismatch: (fingerprint: string, expected: string[], reason: string) =>
    `host key mismatch: ${reason} (pinned ${expected.join(', ') || 'none'}); no credentials were sent`,
} as const;

/** True when the first line a server sent is an SSH identification string. */
export function isSshBanner(banner: string | null): boolean {
  return banner !== null && banner.startsWith('SSH-');
}

export function sshFindings(port: PortResult): Finding[] {
  const ssh = port.ssh;
  if (!ssh) return [];
  const at = { port: port.port, address: port.address };

  if (ssh.hostKey === 'mismatch') {
    const expected = ssh.pinnedFingerprints?.join(', ') || 'pinned key';
    return [finding('SSH_HOSTKEY_MISMATCH', { fingerprint: ssh.fingerprint ?? 'unknown', expected }, at)];
  }
  if (ssh.banner === null) {
    if (ssh.timedOut) return [finding('SSH_BANNER_TIMEOUT', { timeoutMs: ssh.timeoutMs ?? '?' }, at)];
    return [finding('SSH_FAILED', { reason: ssh.error ?? SSH_ERRORS.closedBeforeBanner() }, at)];
  }
  if (!isSshBanner(ssh.banner)) return [finding('SSH_NOT_SSH', { banner: ssh.banner }, at)];

  const out: Finding[] = [];
  // A real banner, then the session broke (key exchange, or the auth-methods query); when a
  // credential test was decided, its own finding says what happened instead.
  if (ssh.error !== undefined && (ssh.fingerprint === null || ssh.auth === undefined)) {
    out.push(finding('SSH_FAILED', { reason: ssh.error }, at));
  }
  if (ssh.auth) {
    const { user, method } = ssh.auth;
    if (ssh.auth.ok) out.push(finding('SSH_AUTH_OK', { user, method }, at));
    else out.push(finding('SSH_AUTH_FAILED', { user, method, reason: ssh.auth.error ?? 'rejected by the server' }, at));
  }
  return out;
}
