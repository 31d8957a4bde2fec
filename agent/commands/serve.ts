// pbxready-agent serve: the report over HTTP(S) for a remote checker, and its metrics for Prometheus;
// loopback unless told otherwise.

import type { AddressInfo } from 'node:net';
import { readNamedFile } from '../../shared/cli/cli.js';
import { LOG_LEVEL_FLAGS, defineCommand, listenFlags, parseListen, parsePositiveInt } from '../../shared/cli/flags.js';
import { UsageError } from '../../shared/errors.js';
import { createLogger } from '../../shared/cli/logger.js';
import { readTokenFile } from '../../shared/cli/token-file.js';
import { isLoopbackHost } from '../../shared/address.js';
import { collectReport } from '../collect.js';
import { DATABASE_FLAGS, HOST_FLAGS, resolveOptions } from '../options.js';
import { METRICS_MAX_AGE_MS, createReportServer } from '../report-server.js';

export const DEFAULT_LISTEN = '127.0.0.1:8731';

/** "ADDR:PORT", "[v6]:PORT", ":PORT" or "PORT": without an address, loopback. */
export const LISTEN_DEFAULTS = { host: '127.0.0.1', example: '127.0.0.1:8731 or [::1]:8731', barePort: true } as const;

export const serve = defineCommand({
  builder: (y) =>
    y
      .options(HOST_FLAGS)
      .options(DATABASE_FLAGS)
      .options(LOG_LEVEL_FLAGS)
      .options(listenFlags(DEFAULT_LISTEN, 'ADDR:PORT to listen on (loopback by default)'))
      .option('token-file', { type: 'string', describe: 'file holding the bearer token (required)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve HTTPS (with --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
      .option('insecure-listen', { type: 'boolean', default: false, describe: 'Serve plain HTTP on a non-loopback address (the token and the report travel in clear; warned at every start)' })
      .option('metrics-without-token-on-loopback', { type: 'boolean', default: false, describe: 'GET /metrics from a loopback address needs no token (a Prometheus on this host; config key metricsWithoutTokenOnLoopback); /report always does' })
      .option('metrics-max-age-s', { type: 'string', default: String(METRICS_MAX_AGE_MS / 1000), describe: 'GET /metrics reuses a collection at most this many seconds old (0: collect for every scrape); /report is always fresh' }),
  handler: async (argv) => {
    const { host, port } = parseListen(argv.listen, LISTEN_DEFAULTS);
    const tokenFile = argv.tokenFile;
    if (!tokenFile) throw new UsageError('--token-file is required (the bearer token a checker must present)');
    const token = await readTokenFile(tokenFile, '--token-file');
    if (Boolean(argv.tlsCert) !== Boolean(argv.tlsKey)) throw new UsageError('--tls-cert and --tls-key go together');
    const tls = argv.tlsCert && argv.tlsKey ? { cert: await readNamedFile(argv.tlsCert, '--tls-cert'), key: await readNamedFile(argv.tlsKey, '--tls-key') } : undefined;
    // Off this machine the bearer token and the host's facts must not travel in clear.
    if (!tls && !isLoopbackHost(host)) {
      if (!argv.insecureListen) {
        throw new UsageError(`--listen ${argv.listen} is reachable from the network without TLS: the token and the report would travel in clear; give --tls-cert and --tls-key (install.sh can make them), or --insecure-listen to accept that`);
      }
      process.stderr.write(`pbxready-agent: WARNING: --insecure-listen: serving plain HTTP on ${argv.listen}; the bearer token and the report travel in clear\n`);
    }
    const metricsMaxAgeS = parsePositiveInt(argv.metricsMaxAgeS, '--metrics-max-age-s', { min: 0, max: 3600 });
    const options = resolveOptions(argv);
    const log = createLogger(options.logLevel);

    const server = createReportServer({ token, tls, log, metricsWithoutTokenOnLoopback: argv.metricsWithoutTokenOnLoopback || options.metricsWithoutTokenOnLoopback, metricsMaxAgeMs: metricsMaxAgeS * 1000, produce: () => collectReport(options, log) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`--listen ${argv.listen}: ${err.code ?? err.message}`)));
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    process.stdout.write(`pbxready-agent: serving ${tls ? 'https' : 'http'}://${shown}:${addr.port}/report and /metrics\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
});
