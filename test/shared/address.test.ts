import { describe, expect, it } from 'vitest';
import { classifyAddress, isPublicAddress } from '../../shared/address.js';

describe('address classification', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'CGNAT'],
    ['100.127.255.254', 'CGNAT'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.5.6.7', 'loopback'],
    ['169.254.10.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['192.0.2.10', 'documentation'],
    ['255.255.255.255', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['223.255.255.254', 'public'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd00::5', 'unique-local'],
    ['2001:db8::1', 'documentation'],
    ['2a00:1450:4001::1', 'public'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.4.4', 'public'],
  ])('%s is %s', (address, range) => {
    expect(classifyAddress(address)).toBe(range);
    expect(isPublicAddress(address)).toBe(range === 'public');
  });
});
