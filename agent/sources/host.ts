// The host itself: reads /proc and /etc/os-release; shared/facts/host.ts parses them.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HOST_PROC_FILES, OS_RELEASE, hostFacts, type HostRaw } from '../../shared/facts/host.js';
import type { FactSource } from './source.js';

export const hostSource: FactSource = {
  name: 'host',
  stage: 0,
  async collect(ctx, draft) {
    const read = (path: string) => readFile(path, 'utf8').catch(() => null);
    const raw: HostRaw = { 'os-release': await read(OS_RELEASE) };
    await Promise.all(HOST_PROC_FILES.map(async (f) => (raw[f] = await read(join(ctx.options.procDir, f)))));
    draft.host = hostFacts(raw);
    if (!draft.host.hostname) ctx.problem('host facts', `${join(ctx.options.procDir, 'sys/kernel/hostname')} gave no hostname`);
  },
};
