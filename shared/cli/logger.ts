// Logs go to stderr (stdout carries the report); pretty only when a person is watching a TTY.
// Every line passes through the secret registry, like every other output.

import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { secrets } from '../redact.js';
import type { LogLevel } from './flags.js';

export function createLogger(level: LogLevel = (process.env.PBXREADY_LOG as LogLevel | undefined) ?? 'warn'): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'apiKey', '*.apiKey', 'privateKey', '*.privateKey', 'secret', '*.secret'], censor: '[redacted]' },
    hooks: {
      // Scrub known secret values from messages and structured fields alike.
      logMethod(this: Logger, args: unknown[], method: (...a: unknown[]) => void) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? secrets.scrub(a) : a && typeof a === 'object' ? secrets.redact(a) : a)));
      },
    },
  };
  if (process.stderr.isTTY && level !== 'silent') {
    // pino-pretty as a stream in this thread, not a transport: a transport resolves its target from
    // node_modules in a worker, which the one-file agent bundle does not have.
    return pino(options, pretty({ destination: 2, colorize: true, sync: true }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
