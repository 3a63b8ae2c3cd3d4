// Opening a file and reporting the errno instead of throwing: the passthrough rules are all "this open
// fails with EIO", and an open that unexpectedly succeeds must be closed again.
import { closeSync, openSync } from 'node:fs';

/** 'ok' or the errno name of the failed open. Successful opens are closed unless `keep` is given. */
export function openErrno(path: string, flags: string | number = 'r', keep?: number[]): string {
  try {
    const fd = openSync(path, flags);
    if (keep) keep.push(fd);
    else closeSync(fd);
    return 'ok';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

export function closeAll(fds: number[]): void {
  for (const fd of fds.splice(0)) {
    try {
      closeSync(fd);
    } catch {
      /* already closed */
    }
  }
}
