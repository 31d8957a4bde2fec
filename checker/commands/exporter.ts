// `pbxready exporter --listen ADDR:PORT`: serve /probe and /metrics until SIGINT/SIGTERM.

import { defineCommand, listenFlags, parseListen, parsePositiveInt } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { LIMIT_FLAGS, PROBE_SET_FLAGS, parseLimitFlags, parseProbeSet } from '../check-options.js';
import { createExporter } from '../exporter/server.js';
import { parseAllowTargets } from '../exporter/fence.js';
import { readTokenFile } from '../../shared/cli/token-file.js';

/** ":PORT" listens on every interface, as Prometheus exporters do. */
export const LISTEN_DEFAULTS = { host: '0.0.0.0', example: '127.0.0.1:9740 or [::]:9740' } as const;

export const exporter = defineCommand({
  builder: (y) =>
    y
      .options(listenFlags('127.0.0.1:9740'))
      .options(LIMIT_FLAGS)
      .options(PROBE_SET_FLAGS)
      .option('max-in-flight', { type: 'string', default: '64', describe: 'Probes at once; more are answered 503' })
      .option('allow-targets', { type: 'string', describe: 'Only these targets: CIDRs and host name patterns, comma-separated (203.0.113.0/24,*.pbx.example.com); others get 400' })
      .option('probe-token-file', { type: 'string', describe: 'FILE holding a bearer token /probe requires (Prometheus: authorization.credentials_file)' }),
  handler: async (argv) => {
    const { host, port } = parseListen(argv.listen, LISTEN_DEFAULTS);
    const limits = parseLimitFlags(argv);
    const fence = parseAllowTargets(argv.allowTargets, limits.allowPrivate);
    const probeToken = argv.probeTokenFile !== undefined ? await readTokenFile(argv.probeTokenFile, '--probe-token-file') : undefined;
    const server = createExporter({
      ...limits,
      fence,
      ...(probeToken !== undefined ? { probeToken } : {}),
      probes: parseProbeSet(argv.probes),
      maxInFlight: parsePositiveInt(argv.maxInFlight, '--max-in-flight'),
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`--listen ${argv.listen}: ${err.code ?? err.message}`)));
      server.listen(port, host, resolve);
    });
    const addr = server.address();
    process.stderr.write(`pbxready exporter listening on ${typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : argv.listen}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        server.close(() => resolve());
        server.closeAllConnections();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },
});
