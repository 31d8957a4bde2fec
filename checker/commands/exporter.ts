// `pbxready exporter --listen ADDR:PORT`: serve /probe and /metrics until SIGINT/SIGTERM.

import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { parseListen, parsePositiveInt } from '../../shared/cli/cli.js';
import { CHECK_DEFAULTS, type ProbeSet } from '../check-options.js';
import { createExporter } from '../exporter/server.js';

export interface ExporterArgs {
  listen: string;
  timeoutMs: string;
  maxConnections: string;
  allowPrivate: boolean;
  probes: string;
  maxInFlight: string;
}

/** ":PORT" listens on every interface, as Prometheus exporters do. */
export const LISTEN_DEFAULTS = { host: '0.0.0.0', example: '127.0.0.1:9740 or [::]:9740' } as const;

export const exporterCommand: CommandModule<object, ExporterArgs> = {
  command: 'exporter',
  describe: 'Serve Prometheus probes (blackbox_exporter style): /probe?target=HOST&module=PRODUCT',
  builder: (y: Argv) =>
    y
      .option('listen', { type: 'string', default: '127.0.0.1:9740', describe: 'ADDR:PORT to listen on' })
      .option('timeout-ms', { type: 'string', default: String(CHECK_DEFAULTS.timeoutMs), describe: 'Time limit of each probe; keep below the scrape_timeout' })
      .option('max-connections', { type: 'string', default: String(CHECK_DEFAULTS.perHostConcurrency), describe: 'Connections open at once to one host' })
      .option('probes', { type: 'string', default: 'full', describe: 'full | tcp' })
      .option('max-in-flight', { type: 'string', default: '64', describe: 'Probes at once; more are answered 503' })
      .option('allow-private', { type: 'boolean', default: false, describe: 'Private/loopback targets are a lab: TARGET_NOT_PUBLIC becomes info' }) as unknown as Argv<ExporterArgs>,
  handler: async (argv) => {
    const { host, port } = parseListen(argv.listen, LISTEN_DEFAULTS);
    if (argv.probes !== 'full' && argv.probes !== 'tcp') throw new UsageError(`--probes "${argv.probes}" is not one of: full, tcp`);
    const server = createExporter({
      timeoutMs: parsePositiveInt(argv.timeoutMs, '--timeout-ms', { max: 600_000 }),
      perHostConcurrency: parsePositiveInt(argv.maxConnections, '--max-connections', { max: 64 }),
      allowPrivate: argv.allowPrivate,
      probes: argv.probes as ProbeSet,
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
};
