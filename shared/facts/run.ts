// What running one command on the host gave: the raw input of the parsers in shared/facts/.
// The installed agent fills it from execFile; the agentless collector from a section of its
// remote script. Pure type, no I/O.

export interface RunResult {
  /** Exit code, or null when the command could not start or was killed. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run to completion: "asterisk: not found", "timed out after 3000 ms", … */
  error?: string;
}

/** The program was not there: the shell's 127, or execFile's ENOENT ("x: not found"). */
export function notFound(r: RunResult): boolean {
  return r.code === 127 || /: not found$/.test(r.error ?? '');
}

/** One line saying why a run failed, or null when it ran and exited 0. */
export function runFailure(r: RunResult): string | null {
  if (r.error) return r.error;
  if (r.code === 0) return null;
  const text = `${r.stdout}\n${r.stderr}`.trim();
  return `exit code ${r.code ?? 'unknown'}${text ? `: ${text.split('\n')[0]!.slice(0, 200)}` : ''}`;
}
