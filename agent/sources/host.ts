// The host itself: name, OS, kernel, uptime, CPU, memory, load (systeminformation).

import { loadavg } from 'node:os';
import si from 'systeminformation';
import type { FactSource } from './source.js';

export const hostSource: FactSource = {
  name: 'host',
  stage: 0,
  async collect(ctx, draft) {
    const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
    draft.host = {
      hostname: os.hostname,
      os: [os.distro, os.release].filter(Boolean).join(' ') || os.platform,
      kernel: os.kernel,
      uptimeSeconds: Math.round(si.time().uptime),
      cpu: { model: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' '), cores: cpu.cores },
      memory: { totalBytes: mem.total, availableBytes: mem.available },
      load: loadavg().map((l) => Math.round(l * 100) / 100),
    };
    if (!draft.host.hostname) ctx.problem('host facts', 'systeminformation returned no hostname');
  },
};
