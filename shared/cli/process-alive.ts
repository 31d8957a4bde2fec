// Whether a process of this machine is still running: signal 0 checks without signalling. EPERM
// means it exists but belongs to someone else — alive.

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
