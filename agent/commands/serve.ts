// pbxready-agent serve: the report over HTTP(S) for a remote checker; loopback unless told otherwise.

import { readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { CommandModule } from 'yargs';
import { UsageError } from '../../shared/errors.js';
import { parseListen } from '../../shared/cli/cli.js';
import { createLogger } from '../../shared/cli/logger.js';
import { secrets } from '../../shared/redact.js';
import { collectReport } from '../collect.js';
import { resolveOptions, withCommonOptions, type CommonArgs } from '../options.js';
import { createReportServer } from '../report-server.js';

interface ServeArgs extends CommonArgs {
  listen: string;
  'token-file'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
}

export const DEFAULT_LISTEN = '127.0.0.1:8731';

/** "ADDR:PORT", "[v6]:PORT", ":PORT" or "PORT": without an address, loopback. */
export const LISTEN_DEFAULTS = { host: '127.0.0.1', example: '127.0.0.1:8731 or [::1]:8731', barePort: true } as const;

function readSecretFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Serve GET /report over HTTP(S) to holders of a bearer token',
  builder: (y) =>
    withCommonOptions(y)
      .option('listen', { type: 'string', default: DEFAULT_LISTEN, describe: 'ADDR:PORT to listen on (loopback by default)' })
      .option('token-file', { type: 'string', describe: 'file holding the bearer token (required)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve HTTPS (with --tls-key)' })
      .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' }) as never,
  handler: async (argv) => {
    const { host, port } = parseListen(argv.listen, LISTEN_DEFAULTS);
    if (!argv['token-file']) throw new UsageError('--token-file is required (the bearer token a checker must present)');
    const token = readSecretFile(argv['token-file'], '--token-file').toString('utf8').trim();
    if (token.length < 16) throw new UsageError(`--token-file ${argv['token-file']}: the token must be at least 16 characters`);
    secrets.add(token);
    if (Boolean(argv['tls-cert']) !== Boolean(argv['tls-key'])) throw new UsageError('--tls-cert and --tls-key go together');
    const tls = argv['tls-cert'] && argv['tls-key'] ? { cert: readSecretFile(argv['tls-cert'], '--tls-cert'), key: readSecretFile(argv['tls-key'], '--tls-key') } : undefined;
    const options = resolveOptions(argv);
    const log = createLogger(options.logLevel);
    if ((statSync(argv['token-file']).mode & 0o077) !== 0) log.warn('the token file is readable by other users: chmod 600 it');

    const server = createReportServer({ token, tls, log, produce: () => collectReport(options, log) });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new UsageError(`--listen ${argv.listen}: ${err.code ?? err.message}`)));
      server.listen(port, host, () => resolve());
    });
    const addr = server.address() as AddressInfo;
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    process.stdout.write(`pbxready-agent: serving ${tls ? 'https' : 'http'}://${shown}:${addr.port}/report\n`);
    await new Promise<void>((resolve) => {
      const stop = () => server.close(() => resolve());
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
  },
};
