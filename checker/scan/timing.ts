// Adaptive probe timeouts, as nmap does: a smoothed round-trip time and its variance per host
// (RFC 6298 / nmap's timing.cc), timeout = srtt + 4·rttvar, held between a floor and a ceiling.
// A host with no reply yet borrows the fleet's estimate; a retry waits longer than the first try.

import type { ConnectTiming } from '../check-options.js';
import type { DialPacer } from './dial-pacer.js';

export interface TimingBounds {
  /** Never wait less than this for a connect (nmap -T4: 100 ms). */
  floorMs: number;
  /** Never wait more than this (the --timeout-ms the user gave). */
  ceilingMs: number;
}

export class RttEstimator {
  private srtt: number | null = null;
  private rttvar = 0;
  samples = 0;

  add(rttMs: number): void {
    const r = Math.max(0, rttMs);
    if (this.srtt === null) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
    this.samples++;
  }

  /** srtt + 4·rttvar, or null before the first sample. */
  rto(): number | null {
    return this.srtt === null ? null : this.srtt + 4 * this.rttvar;
  }
}

/** Before any answer from anywhere (nmap's initial_rtt_timeout). */
export const INITIAL_TIMEOUT_MS = 1000;

/** The least a retry waits on a host that has answered nothing yet. */
export const UNANSWERED_RETRY_MIN_MS = 500;

const clamp = (v: number, b: TimingBounds) => Math.round(Math.min(b.ceilingMs, Math.max(b.floorMs, v)));

/** One host's timing; every answer (open or closed) is an RTT sample for it and for the fleet. */
export class HostTiming implements ConnectTiming {
  private readonly own = new RttEstimator();
  constructor(
    private readonly fleet: RttEstimator,
    private readonly bounds: TimingBounds,
    private readonly pacer?: DialPacer,
  ) {}

  beforeDial(retry: boolean): Promise<void> | undefined {
    return this.pacer?.(retry);
  }

  sample(rttMs: number): void {
    this.own.add(rttMs);
    this.fleet.add(rttMs);
  }

  get answered(): boolean {
    return this.own.samples > 0;
  }

  /** First attempt: the host's own estimate, else the fleet's, else nmap's initial 1 s (within the bounds). */
  firstTimeout(): number {
    const rto = this.own.rto() ?? this.fleet.rto();
    return clamp(rto ?? INITIAL_TIMEOUT_MS, this.bounds);
  }

  /**
   * The retry of a filtered port, from what is known by then (as nmap's retransmissions are): twice
   * the host's own estimate when it answered elsewhere — a distant host is judged on its own RTT,
   * not on the fleet's faster average — else twice the fleet's, at least half a second. The first
   * attempt's wait is no guide: early in a scan it is the blind 1 s initial timeout. Within the bounds.
   */
  retryTimeout(firstMs: number): number {
    const own = this.own.rto();
    const byRtt = own !== null ? 2 * own : Math.max(2 * (this.fleet.rto() ?? firstMs), UNANSWERED_RETRY_MIN_MS);
    return clamp(byRtt, this.bounds);
  }
}
