// Where the check ran from (issue 13): the target on this machine or on a directly connected
// network, or the host seeing the check's SSH session come from a private address while a public
// target was checked (hairpin NAT) → CHECKED_FROM_INSIDE; warn, info in a declared lab.

import { describe, expect, it } from 'vitest';
import { decideVantage, routeOf, vantageFindings, withSshSession, type LocalNetwork } from '../../shared/rules/vantage.js';

const NETWORKS: LocalNetwork[] = [
  { interface: 'lo', cidr: '127.0.0.1/8' },
  { interface: 'eth0', cidr: '192.168.10.20/24' },
  { interface: 'eth0', cidr: 'fd00:10::20/64' },
  { interface: 'wg0', cidr: '10.9.0.2/32' },
];

describe('routeOf', () => {
  it.each([
    ['127.0.0.1', 'this-machine', 'loopback'],
    ['::1', 'this-machine', 'loopback'],
    ['192.168.10.20', 'this-machine', '192.168.10.20/24 on eth0'],
    ['10.9.0.2', 'this-machine', '10.9.0.2/32 on wg0'],
    ['192.168.10.5', 'directly-connected', '192.168.10.20/24 on eth0'],
    ['fd00:10::99', 'directly-connected', 'fd00:10::20/64 on eth0'],
    ['10.9.0.3', 'routed', undefined],
    ['203.0.113.10', 'routed', undefined],
    ['::ffff:192.168.10.5', 'directly-connected', '192.168.10.20/24 on eth0'],
  ])('%s → %s', (address, route, network) => {
    expect(routeOf({ address, localAddress: '192.168.10.20' }, NETWORKS)).toEqual({ route, ...(network ? { network } : {}) });
  });

  it('no route at all → unknown', () => {
    expect(routeOf({ address: '203.0.113.10', localAddress: null }, NETWORKS)).toEqual({ route: 'unknown' });
  });
});

describe('decideVantage and CHECKED_FROM_INSIDE', () => {
  it('from outside: the source address per target, no finding', () => {
    const v = decideVantage([{ address: '203.0.113.10', localAddress: '192.168.10.20' }], NETWORKS);
    expect(v).toEqual({ addresses: [{ address: '203.0.113.10', localAddress: '192.168.10.20', route: 'routed' }], inside: false, evidence: [] });
    expect(vantageFindings(v, false)).toEqual([]);
  });

  it('a directly connected target → warn; info under --allow-private', () => {
    const v = decideVantage([{ address: '192.168.10.5', localAddress: '192.168.10.20' }], NETWORKS);
    expect(v.inside).toBe(true);
    const [warn] = vantageFindings(v, false);
    expect(warn).toMatchObject({ code: 'CHECKED_FROM_INSIDE', severity: 'warn', address: '192.168.10.5' });
    expect(warn!.message).toBe(
      '192.168.10.5 was checked from inside its own network: 192.168.10.5 is on a network this machine is directly connected to (192.168.10.20/24 on eth0), reached from 192.168.10.20 without a router.',
    );
    expect(vantageFindings(v, true)[0]!.severity).toBe('info');
  });

  it('hairpin: the host saw a private address while a public target was checked', () => {
    const v = decideVantage([{ address: '198.18.0.1', localAddress: '192.168.10.20' }, { address: '93.184.216.34', localAddress: '192.168.10.20' }], NETWORKS);
    expect(v.inside).toBe(false);
    const seen = withSshSession(v, '93.184.216.34', { clientAddress: '192.168.10.1', clientPort: 51000, serverAddress: '192.168.10.5', serverPort: 2020 });
    expect(seen.inside).toBe(true);
    expect(seen.addresses[1]).toMatchObject({ address: '93.184.216.34', seenByHost: '192.168.10.1', route: 'routed' });
    const [f] = vantageFindings(seen, false);
    expect(f).toMatchObject({ code: 'CHECKED_FROM_INSIDE', severity: 'warn', address: '93.184.216.34' });
    expect(f!.message).toContain('the host saw the check\'s SSH session come from 192.168.10.1 (a private address) while its public address 93.184.216.34 was checked');
  });

  it('the host seeing a public address is the normal case; a private target is TARGET_NOT_PUBLIC\'s business', () => {
    const v = decideVantage([{ address: '93.184.216.34', localAddress: '192.168.10.20' }], NETWORKS);
    expect(withSshSession(v, '93.184.216.34', { clientAddress: '1.1.1.1', clientPort: 1, serverAddress: '93.184.216.34', serverPort: 2020 }).inside).toBe(false);
    expect(withSshSession(v, '93.184.216.34', { clientAddress: '8.8.4.4', clientPort: 1, serverAddress: '10.0.0.5', serverPort: 2020 }).inside).toBe(false);
  });
});
