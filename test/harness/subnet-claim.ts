// Test networks that run at the same time must never share addresses: two namespaces given the
// same 10.23x.N subnet route each other's packets, and a port DROPped in one is answered in the
// other (a test then sees "open" where its firewall drops). Each harness claims one N for its
// lifetime, exclusively across every vitest worker and process on the machine: N owns 10.231.N.0 …
// 10.236.N.255 and 192.168.N.0/24. A claim is a directory made atomically, holding its owner's pid,
// so a claim left by a killed run is taken back.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { processAlive } from '../../shared/cli/process-alive.js';

const CLAIMS = '/run/pbxready-test-subnets';
const held = new Set<string>();
process.once('exit', () => {
  for (const dir of held) rmSync(dir, { recursive: true, force: true });
});

export interface SubnetClaim {
  /** The third octet owned: 10.231.N … 10.236.N, 192.168.N. */
  n: number;
  release(): void;
}

/** `claims` is the directory of claims: the machine-wide one, except in the claim's own test. */
export function claimSubnet(claims = CLAIMS): SubnetClaim {
  mkdirSync(claims, { recursive: true });
  const start = randomInt(250);
  for (let k = 0; k < 250; k++) {
    const n = ((start + k) % 250) + 1;
    const dir = join(claims, String(n));
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        mkdirSync(dir);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        let owner = NaN;
        try {
          owner = Number(readFileSync(join(dir, 'pid'), 'utf8'));
        } catch {
          // being written right now: someone else's
          break;
        }
        if (Number.isInteger(owner) && !processAlive(owner)) {
          rmSync(dir, { recursive: true, force: true });
          continue;
        }
        break;
      }
      writeFileSync(join(dir, 'pid'), String(process.pid));
      held.add(dir);
      return {
        n,
        release: () => {
          held.delete(dir);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
  }
  throw new Error(`no free test subnet: all 250 claims in ${claims} are held by live processes`);
}
