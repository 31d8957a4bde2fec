import { describe, expect, it } from 'vitest';
import { finding } from '../../shared/findings.js';
import type { Finding } from '../../shared/model.js';
import { EXIT_CODE, sortFindings, verdictOf, worstVerdict } from '../../shared/verdict.js';

const info = finding('TLS_SELF_SIGNED', { subject: 'CN=pbx' }, { port: 443 });
const warn = finding('EXPOSED_MYSQL', {}, { address: '192.0.2.1' });
const fail = finding('PORT_CLOSED', { purpose: 'ssh' }, { port: 2020, address: '192.0.2.1' });
const dns = finding('DNS_FAILED', { host: 'x.invalid', reason: 'ENOTFOUND' });

describe('verdict', () => {
  it.each<[string, Finding[], string, number]>([
    ['no findings', [], 'ready', 0],
    ['info only', [info], 'ready', 0],
    ['a warning', [info, warn], 'warnings', 1],
    ['a failure', [warn, fail], 'not-ready', 2],
    ['DNS failure', [dns], 'unknown', 3],
    ['DNS failure beside a real failure', [dns, fail], 'not-ready', 2],
  ])('%s → %s', (_name, findings, verdict, exit) => {
    const v = verdictOf(findings);
    expect(v).toBe(verdict);
    expect(EXIT_CODE[v]).toBe(exit);
  });

  it('orders the worst verdict first', () => {
    expect(worstVerdict('ready', 'warnings')).toBe('warnings');
    expect(worstVerdict('not-ready', 'unknown')).toBe('not-ready');
    expect(worstVerdict('unknown', 'warnings')).toBe('unknown');
  });

  it('sorts findings worst first, then by code and port', () => {
    expect(sortFindings([info, warn, fail]).map((f) => f.code)).toEqual(['PORT_CLOSED', 'EXPOSED_MYSQL', 'TLS_SELF_SIGNED']);
  });
});
