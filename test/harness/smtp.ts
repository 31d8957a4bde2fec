// A real SMTP server on a free port for the e-mail route: Debian's python3-aiosmtpd (smtp-server.py
// beside this file) with STARTTLS on a certificate made in the test and AUTH LOGIN/PLAIN required
// after it. The test reads what arrived: every DATA transaction is a msg-N.eml + meta-N.json.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeCertificates } from './tls-certs.js';

const SCRIPT = fileURLToPath(new URL('./smtp-server.py', import.meta.url));
/** Debian's python3 (where python3-aiosmtpd is installed), not one a version manager put first on PATH. */
const PYTHON = '/usr/bin/python3';

export interface SmtpOptions {
  refuse?: string[];
  dropAfterData?: boolean;
  /** The SIZE the server advertises (bytes). */
  sizeLimit?: number;
  /** No STARTTLS offered, listening on this address (to show a client refuses to log in in clear text). */
  plainOn?: string;
}

export interface Delivered {
  raw: Buffer;
  meta: { from: string; to: string[]; tls: boolean; login: string | null; mailOptions: string[] };
}

export interface SmtpServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** PEM file of the CA that signed the server's certificate (for NODE_EXTRA_CA_CERTS). */
  caFile: string;
  /** DATA transactions so far, each as it arrived. */
  delivered(): Delivered[];
  stop(): Promise<void>;
}

export async function startSmtp(options: SmtpOptions = {}): Promise<SmtpServer> {
  const dir = mkdtempSync(join(tmpdir(), `pbxready-smtp-${process.pid}-`));
  const inbox = join(dir, 'inbox');
  const certs = await makeCertificates();
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, certs.ca.cert);
  writeFileSync(join(dir, 'cert.pem'), certs.valid.cert);
  writeFileSync(join(dir, 'key.pem'), certs.valid.key, { mode: 0o600 });
  mkdirSync(inbox);
  const user = 'partner';
  const password = `smtp-Pw-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const args = [SCRIPT, '--dir', inbox, '--cert', join(dir, 'cert.pem'), '--key', join(dir, 'key.pem'), '--user', user, '--password-env', 'SMTP_TEST_PASSWORD'];
  for (const r of options.refuse ?? []) args.push('--refuse', r);
  if (options.dropAfterData) args.push('--drop-after-data');
  if (options.sizeLimit !== undefined) args.push('--size-limit', String(options.sizeLimit));
  if (options.plainOn !== undefined) args.push('--plain-on', options.plainOn);
  const child: ChildProcess = spawn(PYTHON, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SMTP_TEST_PASSWORD: password }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`aiosmtpd did not start within 20 s: ${stderr.trim()}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`aiosmtpd exited (${code}) before it was ready: ${stderr.trim() || 'no output'} (is python3-aiosmtpd installed?)`));
    });
  });
  return {
    host: options.plainOn ?? '127.0.0.1',
    port,
    user,
    password,
    caFile,
    delivered() {
      const n = readdirSync(inbox).filter((f) => /^meta-\d+\.json$/.test(f)).length;
      return Array.from({ length: n }, (_, i) => ({
        raw: readFileSync(join(inbox, `msg-${i + 1}.eml`)),
        meta: JSON.parse(readFileSync(join(inbox, `meta-${i + 1}.json`), 'utf8')) as Delivered['meta'],
      }));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
