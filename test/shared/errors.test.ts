// One table test over every error code (as undici's test/errors.js): each code constructs, carries
// its kind, is a PbxreadyError, prints as one line; usage, I/O and config are the user's (exit 3).

import { describe, expect, it } from 'vitest';
import { EmailDeliveryError } from '../../checker/tickets/email.js';
import { TicketDeliveryError } from '../../checker/tickets/http.js';
import { SshExecError } from '../../checker/ssh-exec.js';
import { ConfigError, ERROR_CODES, EXIT_USAGE, IoError, PbxreadyError, UsageError, errorLine, isUserError, type ErrorCode } from '../../shared/errors.js';

/** How each code is raised in the code base: by its own class where it has one. */
const RAISE: Record<ErrorCode, (message: string) => PbxreadyError> = {
  E_USAGE: (m) => new UsageError(m),
  E_IO: (m) => new IoError(m),
  E_CONFIG: (m) => new ConfigError(m),
  E_TICKET_DELIVERY: (m) => new TicketDeliveryError(m, 503),
  E_EMAIL_DELIVERY: (m) => new EmailDeliveryError(m),
  E_SSH_CONNECT: (m) => new SshExecError('E_SSH_CONNECT', m),
  E_SSH_NOT_SSH: (m) => new SshExecError('E_SSH_NOT_SSH', m),
  E_SSH_HOSTKEY_MISMATCH: (m) => new SshExecError('E_SSH_HOSTKEY_MISMATCH', m),
  E_SSH_KEY: (m) => new SshExecError('E_SSH_KEY', m),
  E_SSH_AUTH: (m) => new SshExecError('E_SSH_AUTH', m),
  E_SSH_TIMEOUT: (m) => new SshExecError('E_SSH_TIMEOUT', m),
  E_SSH_OUTPUT_LIMIT: (m) => new SshExecError('E_SSH_OUTPUT_LIMIT', m),
  E_SSH_EXEC: (m) => new SshExecError('E_SSH_EXEC', m),
};

const USER_KINDS = new Set(['usage', 'io', 'config']);

describe('the error table', () => {
  it('every code in the table has a way it is raised, and no other code exists', () => {
    expect(Object.keys(RAISE).sort()).toEqual(Object.keys(ERROR_CODES).sort());
  });

  it.each(Object.entries(ERROR_CODES) as Array<[ErrorCode, (typeof ERROR_CODES)[ErrorCode]]>)('%s', (code, entry) => {
    const err = RAISE[code](`something about ${code}\nand a second line`);
    expect(err).toBeInstanceOf(PbxreadyError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.kind).toBe(entry.kind);
    expect(['usage', 'io', 'config', 'remote']).toContain(entry.kind);
    expect(entry.meaning.length).toBeGreaterThan(10);
    expect(err.name).toBe(err.constructor.name);
    expect(errorLine(err)).toBe(`something about ${code}`);
    expect(isUserError(err)).toBe(USER_KINDS.has(entry.kind));
  });

  it('user errors exit 3; anything else thrown prints as one line too', () => {
    expect(EXIT_USAGE).toBe(3);
    expect(errorLine('plain')).toBe('plain');
    expect(isUserError(new Error('x'))).toBe(false);
  });
});
