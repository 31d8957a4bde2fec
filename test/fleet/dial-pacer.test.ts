// The fleet's dial pacer (checker/scan/dial-pacer.ts): at most N dials per event-loop turn, the
// rest on later turns, retries before first attempts.

import { describe, expect, it } from 'vitest';
import { createDialPacer } from '../../checker/scan/dial-pacer.js';

/** Ask for `n` dials in one go; the turn (0 = at once) each one was let through on. */
async function turnsOf(pace: ReturnType<typeof createDialPacer>, asks: boolean[]): Promise<Array<{ retry: boolean; turn: number }>> {
  let turn = 0;
  let ticking = true;
  const tick = () => {
    if (!ticking) return;
    turn++;
    setImmediate(tick);
  };
  setImmediate(tick);
  const out = await Promise.all(
    asks.map(async (retry) => {
      const wait = pace(retry);
      if (wait) await wait;
      return { retry, turn };
    }),
  );
  ticking = false;
  return out;
}

describe('dial pacer', () => {
  it('lets N dials through at once and spreads the rest over later loop turns, in order', async () => {
    const got = await turnsOf(createDialPacer(3), Array(8).fill(false));
    const perTurn = new Map<number, number>();
    for (const g of got) perTurn.set(g.turn, (perTurn.get(g.turn) ?? 0) + 1);
    expect(got.slice(0, 3).every((g) => g.turn === 0)).toBe(true);
    expect(Math.max(...perTurn.values())).toBe(3);
    expect(perTurn.size).toBe(3); // 3 + 3 + 2
    const turns = got.map((g) => g.turn);
    expect([...turns].sort((a, b) => a - b)).toEqual(turns);
  });

  it('a retry waiting goes before first attempts that asked earlier', async () => {
    const pace = createDialPacer(2);
    const got = await turnsOf(pace, [false, false, false, false, true]);
    const retry = got.find((g) => g.retry)!;
    const laterFirsts = got.filter((g, i) => !g.retry && i >= 2);
    expect(retry.turn).toBeGreaterThan(0);
    expect(laterFirsts.every((g) => g.turn >= retry.turn)).toBe(true);
    expect(laterFirsts.some((g) => g.turn > retry.turn)).toBe(true);
  });

  it('an idle pacer lets a dial through at once (no turn lost when the fleet is quiet)', async () => {
    const pace = createDialPacer(1);
    expect(pace(false)).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(pace(false)).toBeUndefined();
  });

  it('refuses a per-turn count that is not a positive integer', () => {
    expect(() => createDialPacer(0)).toThrow(RangeError);
    expect(() => createDialPacer(1.5)).toThrow(RangeError);
  });
});
