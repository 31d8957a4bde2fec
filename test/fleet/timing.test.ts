import { describe, expect, it } from 'vitest';
import { HostTiming, INITIAL_TIMEOUT_MS, RttEstimator } from '../../checker/scan/timing.js';

const BOUNDS = { floorMs: 100, ceilingMs: 3000 };

/** A fleet that has seen many fast answers (2 ms): its timeout sits on the floor. */
function fastFleet(): RttEstimator {
  const fleet = new RttEstimator();
  for (let i = 0; i < 200; i++) fleet.add(2);
  return fleet;
}

describe('adaptive timing (srtt + 4·rttvar, floor and ceiling)', () => {
  it('before any answer anywhere: nmap\'s initial 1 s; the retry waits twice that', () => {
    const t = new HostTiming(new RttEstimator(), BOUNDS);
    expect(t.firstTimeout()).toBe(INITIAL_TIMEOUT_MS);
    expect(t.retryTimeout(t.firstTimeout())).toBe(2000);
  });

  it('a distant host (300 ms) in a fast fleet: its retry follows its own RTT, not the fleet\'s average', () => {
    const fleet = fastFleet();
    const far = new HostTiming(fleet, BOUNDS);
    const first = far.firstTimeout(); // no own sample yet: the fleet's estimate, held at the floor
    expect(first).toBe(100);
    far.sample(300); // it answered on another port
    // own rto = 300 + 4·150 = 900 → retry 1800, far above the fleet's 2 × 100.
    expect(far.retryTimeout(first)).toBe(1800);
    expect(far.firstTimeout()).toBe(900);
  });

  it('a host that answered nothing: twice the fleet\'s timeout, at least 500 ms', () => {
    const t = new HostTiming(fastFleet(), BOUNDS);
    expect(t.retryTimeout(t.firstTimeout())).toBe(500);
  });

  it('the retry follows what is known by then, not the blind first wait; never above the ceiling', () => {
    const fleet = new RttEstimator();
    const t = new HostTiming(fleet, BOUNDS);
    const first = t.firstTimeout(); // 1000: nothing measured yet
    t.sample(1); // then a fast answer: own rto ≈ 3 ms → held at the floor
    expect(t.retryTimeout(first)).toBe(100);
    const slow = new HostTiming(fleet, BOUNDS);
    slow.sample(2000); // own rto 2000 + 4·1000 → twice is capped
    expect(slow.retryTimeout(100)).toBe(3000);
  });

  it('within the floor: a near host\'s retry is held at the floor', () => {
    const t = new HostTiming(fastFleet(), BOUNDS);
    t.sample(1);
    expect(t.retryTimeout(t.firstTimeout())).toBe(100);
  });
});
