// Last line of defence: servers still running when this process exits (an exception, process.exit,
// a second Ctrl-C) are stopped and their mounts removed synchronously. Normal paths call stop().
import { forceUnmount, isMounted } from './mounts.js';

interface Live {
  pid: number;
  mountpoint: string;
  connection: number | null;
}

const live = new Map<number, Live>();
let hooked = false;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cleanupAllSync(): void {
  for (const s of live.values()) {
    if (alive(s.pid)) {
      try {
        process.kill(s.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
  }
  const deadline = Date.now() + 2000;
  for (const s of live.values()) {
    while (Date.now() < deadline && isMounted(s.mountpoint)) sleepSync(20);
    forceUnmount(s.mountpoint, s.connection);
    if (alive(s.pid)) {
      try {
        process.kill(s.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  live.clear();
}

export function track(s: Live): void {
  live.set(s.pid, s);
  if (!hooked) {
    hooked = true;
    process.on('exit', cleanupAllSync);
  }
}

export function untrack(pid: number): void {
  live.delete(pid);
}

export function liveCount(): number {
  return live.size;
}
