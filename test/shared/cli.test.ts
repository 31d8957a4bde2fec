import { describe, expect, it } from 'vitest';
import { LISTEN_DEFAULTS as AGENT } from '../../agent/commands/serve.js';
import { LISTEN_DEFAULTS as EXPORTER } from '../../checker/commands/exporter.js';
import { parseListen } from '../../shared/cli/flags.js';

describe('--listen', () => {
  it.each([
    ['127.0.0.1:8731', AGENT, { host: '127.0.0.1', port: 8731 }],
    ['[::1]:8731', AGENT, { host: '::1', port: 8731 }],
    [':8731', AGENT, { host: '127.0.0.1', port: 8731 }],
    ['8731', AGENT, { host: '127.0.0.1', port: 8731 }],
    ['0.0.0.0:0', AGENT, { host: '0.0.0.0', port: 0 }],
    [':9740', EXPORTER, { host: '0.0.0.0', port: 9740 }],
    ['[::]:9740', EXPORTER, { host: '::', port: 9740 }],
  ] as const)('%s → %j', (value, defaults, expected) => {
    expect(parseListen(value, defaults)).toEqual(expected);
  });

  it('names the problem in one line', () => {
    expect(() => parseListen('9740', EXPORTER)).toThrow('--listen "9740" must be ADDR:PORT (e.g. 127.0.0.1:9740 or [::]:9740)');
    expect(() => parseListen('localhost', AGENT)).toThrow('--listen "localhost" must be ADDR:PORT (e.g. 127.0.0.1:8731 or [::1]:8731)');
    expect(() => parseListen('127.0.0.1:70000', AGENT)).toThrow('--listen port "70000" is not a port (1–65535)');
  });
});
