// Typed errors with stable codes. A UsageError is the user's mistake: one line, exit 3, no stack.

export class PbxreadyError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input: an argument, a flag value, an unreadable file the user pointed at. */
export class UsageError extends PbxreadyError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
  }
}

export const EXIT_USAGE = 3;

/** The one line a CLI prints for an error it did not expect either: never a stack trace. */
export function errorLine(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n')[0] ?? String(err);
  return String(err);
}
