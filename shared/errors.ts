// Typed errors with stable codes, all in one table (as undici's lib/core/errors.js). A usage, I/O or
// config error is the user's to fix: one line, exit 3, no stack. A remote error is about the far
// side (a help desk, an SSH host): the caller turns it into a finding or a one-line failure.

export type ErrorKind = 'usage' | 'io' | 'config' | 'remote';

export const EXIT_USAGE = 3;

export const ERROR_CODES = Object.freeze({
  E_USAGE: { kind: 'usage', meaning: 'bad input: an argument or a flag value' },
  E_IO: { kind: 'io', meaning: 'a file the user named could not be read or written' },
  E_CONFIG: { kind: 'config', meaning: 'a config file is not what it should be' },
  E_TICKET_DELIVERY: { kind: 'remote', meaning: 'the help desk could not be reached or refused, after the retries' },
  E_EMAIL_DELIVERY: { kind: 'remote', meaning: 'the mail server refused the ticket e-mail, or dropped it after it was handed over (never sent twice)' },
  E_SSH_CONNECT: { kind: 'remote', meaning: 'no SSH session could be opened' },
  E_SSH_NOT_SSH: { kind: 'remote', meaning: 'the port answers, but not with SSH' },
  E_SSH_HOSTKEY_MISMATCH: { kind: 'remote', meaning: 'the host key is not the pinned one: no credential sent' },
  E_SSH_KEY: { kind: 'remote', meaning: 'the private key cannot be used' },
  E_SSH_AUTH: { kind: 'remote', meaning: 'the SSH login was refused' },
  E_SSH_TIMEOUT: { kind: 'remote', meaning: 'the remote command ran out of time' },
  E_SSH_OUTPUT_LIMIT: { kind: 'remote', meaning: 'the remote command said more than allowed' },
  E_SSH_EXEC: { kind: 'remote', meaning: 'the remote command could not be run' },
} satisfies Record<string, { kind: ErrorKind; meaning: string }>);

export type ErrorCode = keyof typeof ERROR_CODES;

export class PbxreadyError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.kind = ERROR_CODES[code].kind;
  }
}

/** Bad input: an argument, a flag value, an unreadable file the user pointed at. */
export class UsageError extends PbxreadyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
  }
}

/** A file the user named (--ssh-key, --agent-report, --output …) could not be read or written. */
export class IoError extends PbxreadyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_IO', message, options);
  }
}

/** A config file (--config) that cannot be parsed or holds what it must not. */
export class ConfigError extends PbxreadyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CONFIG', message, options);
  }
}

/** Is this the user's to fix (usage, I/O, config): print the one line, no stack, exit 3. */
export function isUserError(err: unknown): err is PbxreadyError {
  return err instanceof PbxreadyError && err.kind !== 'remote';
}

/** The one line a CLI prints for an error it did not expect either: never a stack trace. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
