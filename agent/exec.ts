// Running a host command with a short time limit. Never throws: the outcome is a fact.

import { execFile } from 'node:child_process';

import type { RunResult } from '../shared/facts/run.js';

export type { RunResult };

export type Run = (argv: readonly string[], options?: { timeoutMs?: number }) => Promise<RunResult>;

export const runCommand: Run = (argv, { timeoutMs = 3000 } = {}) =>
  new Promise((resolve) => {
    const [file, ...args] = argv;
    if (!file) {
      resolve({ code: null, stdout: '', stderr: '', error: 'empty command' });
      return;
    }
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 8 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, windowsHide: true },
      (err, stdout, stderr) => {
        const out = { stdout: String(stdout), stderr: String(stderr) };
        if (!err) return resolve({ code: 0, ...out });
        const e = err as NodeJS.ErrnoException & { killed?: boolean; code?: number | string };
        if (e.code === 'ENOENT') return resolve({ code: null, ...out, error: `${file}: not found` });
        if (e.code === 'EACCES') return resolve({ code: null, ...out, error: `${file}: permission denied` });
        if (e.killed) return resolve({ code: null, ...out, error: `timed out after ${timeoutMs} ms` });
        if (typeof e.code === 'number') return resolve({ code: e.code, ...out });
        resolve({ code: null, ...out, error: e.message.split('\n')[0] ?? String(e.code) });
      },
    );
  });

/** Is a program on PATH (without running it)? */
export async function onPath(program: string, run: Run = runCommand): Promise<boolean> {
  const r = await run(['sh', '-c', `command -v ${program.replace(/[^\w.-]/g, '')}`], { timeoutMs: 2000 });
  return r.code === 0 && r.stdout.trim().length > 0;
}
