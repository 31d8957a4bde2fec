import { describe, expect, it } from 'vitest';
import { FD_RESERVE, parseSoftFdLimit, planConcurrency } from '../../checker/scan/limits.js';

const limits = (soft: string, hard = 'unlimited') =>
  ['Limit                     Soft Limit           Hard Limit           Units     ', 'Max cpu time              unlimited            unlimited            seconds   ', `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     `, 'Max locked memory         8388608              8388608              bytes     '].join('\n');

describe('parseSoftFdLimit (/proc/self/limits)', () => {
  it.each([
    ['a number', limits('1024', '524288'), 1024],
    ['the soft limit, not the hard one', limits('256', '256'), 256],
    ['unlimited', limits('unlimited'), Number.MAX_SAFE_INTEGER],
    ['no such row', 'Max cpu time              unlimited            unlimited            seconds\n', null],
    ['empty text', '', null],
  ])('%s', (_name, text, expected) => {
    expect(parseSoftFdLimit(text)).toBe(expected);
  });
});

describe('planConcurrency', () => {
  it.each([
    // requested, per host, probes, fd limit → hosts in flight, clamped from
    [undefined, 4, 'tcp', 1_048_576, 256, undefined],
    [undefined, 4, 'full', 1_048_576, 64, undefined],
    [undefined, 4, 'tcp', 256, 48, undefined], // default lowered silently: the user asked for nothing
    [500, 4, 'tcp', 256, 48, 500],
    [48, 4, 'tcp', 256, 48, undefined], // exactly fits
    [49, 4, 'tcp', 256, 48, 49],
    [1000, 1, 'full', 1024, 1000 - 40, 1000], // (1024 − 64) / 1 = 960
    [10, 64, 'tcp', 100, 1, 10], // never below one host
    [10, 4, 'tcp', FD_RESERVE, 1, 10], // nothing left after the reserve: still one host
    [3, 4, 'tcp', Number.MAX_SAFE_INTEGER, 3, undefined],
  ] as const)('requested %s, %i per host, %s, limit %i → %i hosts (clamped from %s)', (requested, perHost, probes, fd, hosts, clampedFrom) => {
    const plan = planConcurrency(requested, perHost, probes, fd);
    expect(plan.hostsInFlight).toBe(hosts);
    expect(plan.clampedFrom).toBe(clampedFrom);
    expect(plan).toMatchObject({ perHost, fdLimit: fd });
  });
});
