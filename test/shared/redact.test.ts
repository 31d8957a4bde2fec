import { describe, expect, it } from 'vitest';
import { REDACTED, SecretRegistry } from '../../shared/redact.js';

describe('redaction', () => {
  it('blanks secret-named keys at any depth and keeps facts', () => {
    const r = new SecretRegistry();
    const out = r.redact({ user: 'root', password: 'hunter2', nested: [{ apiKey: 'k-123', token: 't' }], ssh: { authMethods: ['password'] }, ok: true });
    expect(out).toEqual({ user: 'root', password: REDACTED, nested: [{ apiKey: REDACTED, token: REDACTED }], ssh: { authMethods: ['password'] }, ok: true });
  });

  it('scrubs registered secret values wherever they appear, longest first', () => {
    const r = new SecretRegistry();
    r.add('s3cr3t');
    r.add('s3cr3t-and-more');
    r.add('ab'); // too short to register: would scrub ordinary text
    expect(r.scrub('login with s3cr3t-and-more failed; s3cr3t is wrong; about')).toBe(`login with ${REDACTED} failed; ${REDACTED} is wrong; about`);
  });

  it('scrubs secret assignments in config-like text', () => {
    const r = new SecretRegistry();
    expect(r.scrub('[trunk]\nsecret=abc123\nAMPDBPASS = "x y"\npw_mysql_password=pa55;host=db')).toBe(
      `[trunk]\nsecret=${REDACTED}\nAMPDBPASS = ${REDACTED}\npw_mysql_password=${REDACTED};host=db`,
    );
  });

  it('leaves names of where a secret lives alone', () => {
    const r = new SecretRegistry();
    expect(r.scrub('--api-key-env: environment variable X is not set; --token-file: /etc/t; password_file=/run/p')).toBe(
      '--api-key-env: environment variable X is not set; --token-file: /etc/t; password_file=/run/p',
    );
    expect(r.scrub('api_key: abc')).toBe(`api_key: ${REDACTED}`);
  });

  it('scrubs YAML-style lines and JSON inside strings', () => {
    const r = new SecretRegistry();
    expect(r.scrub('user: root\npassword: hunter22\n  api_key: k1')).toBe(`user: root\npassword: ${REDACTED}\n  api_key: ${REDACTED}`);
    expect(r.scrub('body {"user":"a","token":"t-123"}')).toBe(`body {"user":"a","token":${REDACTED}}`);
  });

  it('keeps paths, file names and prose that merely contain a secret-like word', () => {
    const r = new SecretRegistry();
    for (const text of [
      'pbxready-agent: --token-file /etc/pbxready/serve.token: ENOENT',
      'pbxready-agent: /etc/passwd: not a JSON report',
      '--config /tmp/passwords.json: unexpected token',
      'Reset your password: here',
      "Access denied for user 'x'@'localhost' (using password: YES)",
    ]) {
      expect(r.scrub(text)).toBe(text);
    }
  });

  it('does not mutate its input', () => {
    const r = new SecretRegistry();
    const input = { password: 'x1234' };
    r.redact(input);
    expect(input.password).toBe('x1234');
  });
});
