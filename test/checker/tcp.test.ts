// probeTcp against real sockets: loopback servers for open/closed, a network namespace with a real
// firewall for filtered (DROP), reset and ICMP rejections.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDeadline } from '../../checker/probes/probe.js';
import { classifyConnectError, probeTcp as probe } from '../../checker/probes/tcp.js';

/** The caller's side of the contract: one deadline of `ms`, optionally inside a stop signal. */
const probeTcp = (address: string, port: number, ms: number, stop?: AbortSignal) => withDeadline(ms, stop, (signal) => probe({ address, port }, { signal }));
import { createNetns, type TestNetns } from '../harness/netns.js';
import { closedPort, startSilentServer, type TestServer } from '../harness/servers.js';

describe('probeTcp on loopback', () => {
  let silent: TestServer;
  beforeAll(async () => {
    silent = await startSilentServer();
  });
  afterAll(() => silent.stop());

  it('open: the handshake completes, with a latency', async () => {
    const a = await probeTcp('127.0.0.1', silent.port, 3000);
    expect(a.state).toBe('open');
    expect(a.reason).toBe('connected');
    expect(a.latencyMs).toBeGreaterThanOrEqual(0);
    expect(silent.connections()).toBeGreaterThan(0);
  });

  it('closed: nothing listens, the kernel refuses', async () => {
    const a = await probeTcp('127.0.0.1', await closedPort(), 3000);
    expect(a).toMatchObject({ state: 'closed', reason: 'ECONNREFUSED (refused)' });
    expect(a.latencyMs).not.toBeNull();
  });

  it('an aborted probe settles at once as filtered', async () => {
    const controller = new AbortController();
    controller.abort();
    const a = await probeTcp('127.0.0.1', silent.port, 3000, controller.signal);
    expect(a).toEqual({ state: 'filtered', reason: 'aborted before an answer', latencyMs: null });
  });
});

describe('classifyConnectError', () => {
  it.each([
    ['ECONNREFUSED', 'closed', 'ECONNREFUSED (refused)'],
    ['EHOSTUNREACH', 'filtered', 'EHOSTUNREACH (ICMP host unreachable)'],
    ['ENETUNREACH', 'filtered', 'ENETUNREACH (ICMP network unreachable)'],
    ['EACCES', 'filtered', 'EACCES/EPERM (administratively prohibited)'],
    ['EPERM', 'filtered', 'EACCES/EPERM (administratively prohibited)'],
    ['EWHATEVER', 'filtered', 'EWHATEVER (no connection)'],
  ])('%s → %s', (code, state, reason) => {
    expect(classifyConnectError(code)).toEqual({ state, reason });
  });
});

describe('probeTcp through a real firewall (network namespace)', () => {
  let ns: TestNetns;
  beforeAll(async () => {
    ns = await createNetns({ open: [2020], drop: [443], reset: [80], adminProhibited: [81], hostUnreachable: [2222] });
  });
  afterAll(() => ns?.stop());

  it('open inside the namespace', async () => {
    expect(await probeTcp(ns.address, 2020, 3000)).toMatchObject({ state: 'open', reason: 'connected' });
  });

  it('DROP: no answer within the timeout → filtered', async () => {
    expect(await probeTcp(ns.address, 443, 400)).toEqual({ state: 'filtered', reason: 'no answer within 400 ms', latencyMs: null });
  });

  it('REJECT tcp-reset → closed', async () => {
    expect(await probeTcp(ns.address, 80, 3000)).toMatchObject({ state: 'closed', reason: 'ECONNREFUSED (refused)' });
  });

  it('REJECT icmp-admin-prohibited → filtered at once (Linux reports it to TCP as EHOSTUNREACH)', async () => {
    const a = await probeTcp(ns.address, 81, 3000);
    expect(a).toMatchObject({ state: 'filtered', reason: 'EHOSTUNREACH (ICMP host unreachable)' });
    expect(a.latencyMs).not.toBeNull();
  });

  it('REJECT icmp-host-unreachable → filtered', async () => {
    expect(await probeTcp(ns.address, 2222, 3000)).toMatchObject({ state: 'filtered', reason: 'EHOSTUNREACH (ICMP host unreachable)' });
  });
});
