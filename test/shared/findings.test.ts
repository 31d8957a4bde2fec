import { describe, expect, it } from 'vitest';
import { FINDINGS, finding, isInconclusive, type FindingCode } from '../../shared/findings.js';

describe('finding catalogue', () => {
  const codes = Object.keys(FINDINGS) as FindingCode[];

  it('gives every code a severity, a message and a remedy', () => {
    for (const code of codes) {
      const spec = FINDINGS[code];
      expect(['info', 'warn', 'fail'], code).toContain(spec.severity);
      expect(spec.message.length, code).toBeGreaterThan(10);
      expect(spec.remedy.length, code).toBeGreaterThan(5);
      expect(code, 'codes are SCREAMING_SNAKE').toMatch(/^[A-Z][A-Z0-9_]+$/);
    }
  });

  it('carries the severities the issues fix', () => {
    const expected: Partial<Record<FindingCode, string>> = {
      PORT_CLOSED: 'fail',
      PORT_FILTERED: 'fail',
      HOST_UNREACHABLE: 'fail',
      TARGET_NOT_PUBLIC: 'warn',
      TLS_CERT_EXPIRED: 'warn',
      TLS_SELF_SIGNED: 'info',
      SSH_NOT_SSH: 'fail',
      SSH_AUTH_OK: 'info',
      SSH_AUTH_FAILED: 'fail',
      SSH_HOSTKEY_MISMATCH: 'fail',
      EXPOSED_MYSQL: 'warn',
      EXPOSED_AMI: 'warn',
      DB_UNREACHABLE: 'fail',
      ASTERISK_NOT_RUNNING: 'fail',
      TRUNK_UNREGISTERED: 'warn',
      CUSTOM_DEVELOPMENT_FOUND: 'warn',
      BACKUP_OLD: 'warn',
    };
    for (const [code, severity] of Object.entries(expected)) expect(FINDINGS[code as FindingCode].severity, code).toBe(severity);
  });

  it('fills templates from params, port and address', () => {
    const f = finding('PORT_FILTERED', { purpose: 'ssh', reason: 'no answer within 3000 ms' }, { port: 2020, address: '192.0.2.7' });
    expect(f).toEqual({
      code: 'PORT_FILTERED',
      severity: 'fail',
      port: 2020,
      address: '192.0.2.7',
      message: 'Port 2020 (ssh) on 192.0.2.7 is filtered: no answer within 3000 ms.',
      remedy: "A firewall drops TCP 2020: allow it from the vendor's support addresses, and forward it to the PBX when it sits behind NAT.",
    });
  });

  it('leaves unknown placeholders visible rather than inventing values', () => {
    expect(finding('PORT_CLOSED').message).toContain('{port}');
  });

  it('lets the caller override severity only when asked', () => {
    expect(finding('TARGET_NOT_PUBLIC', { range: 'loopback' }, { address: '127.0.0.1', severity: 'info' }).severity).toBe('info');
    expect(finding('TARGET_NOT_PUBLIC', { range: 'loopback' }, { address: '127.0.0.1' }).severity).toBe('warn');
  });

  it('marks only DNS failure as inconclusive', () => {
    expect(codes.filter(isInconclusive)).toEqual(['DNS_FAILED']);
  });
});
