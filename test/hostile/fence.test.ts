// The exporter's fence as a pure decision (the CLI side is in secrets.test.ts): public-only by
// default, the exporter's own addresses refused, CIDRs and name globs matched without a regex.

import { describe, expect, it } from 'vitest';
import { fenceProblem, globMatches, parseAllowTargets } from '../../checker/exporter/fence.js';

describe('exporter fence', () => {
  it('refuses non-public and own addresses without --allow-private', () => {
    const fence = { ...parseAllowTargets(undefined, false), own: new Set(['9.9.9.9']) };
    expect(fenceProblem(fence, '8.8.8.8', ['8.8.8.8'])).toBeNull();
    expect(fenceProblem(fence, 'pbx.example.com', ['10.0.0.5'])).toBe('pbx.example.com resolves to 10.0.0.5, which is a private address: refused without --allow-private');
    expect(fenceProblem(fence, '9.9.9.9', ['9.9.9.9'])).toBe("9.9.9.9 is this exporter's own address: refused without --allow-private");
  });

  it('--allow-targets: CIDRs for every address, or a name glob', () => {
    const fence = parseAllowTargets('203.0.113.0/24,2001:db8::/32,*.pbx.example.com', true);
    expect(fenceProblem(fence, 'a.pbx.example.com', ['192.0.2.1'])).toBeNull();
    expect(fenceProblem(fence, 'x.example.net', ['203.0.113.9', '2001:db8::1'])).toBeNull();
    expect(fenceProblem(fence, 'x.example.net', ['203.0.113.9', '192.0.2.1'])).toBe('x.example.net (192.0.2.1) is not in --allow-targets');
    expect(() => parseAllowTargets('10.0.0.0/33', true)).toThrow('--allow-targets: "10.0.0.0/33" is not a CIDR (ADDRESS/0-32)');
    expect(() => parseAllowTargets('a b', true)).toThrow('neither a CIDR nor a host name pattern');
  });

  it('globs match linearly, even on adversarial names', () => {
    expect(globMatches('*.pbx.example.com', 'a.pbx.example.com')).toBe(true);
    expect(globMatches('*.pbx.example.com', 'pbx.example.com')).toBe(false);
    expect(globMatches('a*b*c', 'axxbyyc')).toBe(true);
    const t = performance.now();
    expect(globMatches('*a*a*a*a*a*b', 'a'.repeat(200_000))).toBe(false);
    expect(performance.now() - t).toBeLessThan(300);
  });
});
