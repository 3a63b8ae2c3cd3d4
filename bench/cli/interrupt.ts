// Ctrl-C in a long command. The first asks the work to stop at its next boundary and unwind through
// its finally blocks (unmounting, writing what finished); the second exits at once, and the server
// registry's exit hook removes the mounts.

export interface StopSignal {
  stop: boolean;
  /** Aborted with the first Ctrl-C, for work that takes an AbortSignal. */
  readonly signal: AbortSignal;
}

/** Runs `work` with SIGINT turned into `stop`; `what` says what the first Ctrl-C does. */
export async function withCtrlC<T>(what: string, work: (stop: StopSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const stop: StopSignal = { stop: false, signal: abort.signal };
  const onSigint = (): void => {
    if (stop.stop) {
      process.stderr.write('\nfusebench: second Ctrl-C: stopping now (mounts are removed on exit)\n');
      process.exit(130);
    }
    stop.stop = true;
    abort.abort();
    process.stderr.write(`\nfusebench: Ctrl-C: ${what} (Ctrl-C again to abort)\n`);
  };
  process.on('SIGINT', onSigint);
  try {
    return await work(stop);
  } finally {
    process.off('SIGINT', onSigint);
  }
}
