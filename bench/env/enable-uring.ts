// The fuse module parameter that makes the kernel offer FUSE_OVER_IO_URING at INIT. It only exists
// in kernels built with CONFIG_FUSE_IO_URING and is off by default. `--enable-uring` turns it on for
// one command and puts the old value back on every way out: the caller's finally, process exit
// (also after an uncaught exception or process.exit), and a fatal signal nobody else handles.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { FailError } from '../cli/errors.js';

export const ENABLE_URING_PATH = '/sys/module/fuse/parameters/enable_uring';

/** true/false, or null when the parameter does not exist (fuse built without io_uring support). */
export function readEnableUring(): boolean | null {
  if (!existsSync(ENABLE_URING_PATH)) return null;
  return readFileSync(ENABLE_URING_PATH, 'utf8').trim() === 'Y';
}

function write(v: boolean): void {
  writeFileSync(ENABLE_URING_PATH, v ? 'Y' : 'N');
}

/** The value to put back, while some caller holds the switch; null when nothing is to be restored. */
let original: boolean | null = null;
let holders = 0;
let hooked = false;
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function restoreNow(): void {
  if (original === null) return;
  try {
    write(original);
  } catch (e) {
    process.stderr.write(`fusebench: could not restore ${ENABLE_URING_PATH} to ${original ? 'Y' : 'N'}: ${(e as Error).message}\n`);
  }
  original = null;
  holders = 0;
}

// A signal with no other listener would kill the process without an 'exit' event: restore first,
// then die of the same signal. When the command handles the signal itself, its own unwinding (a
// finally, or process.exit → 'exit') restores.
function onSignal(sig: NodeJS.Signals): void {
  if (process.listenerCount(sig) > 1) return;
  restoreNow();
  for (const s of SIGNALS) process.off(s, onSignal);
  process.kill(process.pid, sig);
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', restoreNow);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/**
 * Sets enable_uring=Y until the returned function is called (nested holders restore once, when the
 * last lets go). Fails when the parameter is missing (no CONFIG_FUSE_IO_URING) or cannot be written.
 */
export function enableUring(): () => void {
  const now = readEnableUring();
  if (now === null) {
    throw new FailError(`--enable-uring: ${ENABLE_URING_PATH} does not exist (this kernel's fuse is built without CONFIG_FUSE_IO_URING)`);
  }
  if (holders === 0) {
    if (!now) {
      hook();
      try {
        write(true);
      } catch (e) {
        throw new FailError(`--enable-uring: cannot write ${ENABLE_URING_PATH}: ${(e as Error).message} (needs root)`);
      }
      original = false;
    }
  }
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--holders <= 0) restoreNow();
  };
}

/** Runs fn with enable_uring=Y (when `on`), restoring the previous value afterwards. */
export async function withEnableUring<T>(on: boolean, fn: () => Promise<T>): Promise<T> {
  if (!on) return fn();
  const restore = enableUring();
  try {
    return await fn();
  } finally {
    restore();
  }
}
