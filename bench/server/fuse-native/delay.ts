// Per-opcode delay injection for the JavaScript server, in the C server's syntax
// (`write=200us,read=1ms`). Node timers have millisecond resolution, so a delay is a timer for all
// but its last millisecond and event-loop polling for the rest: other requests keep being served
// meanwhile, but sub-millisecond delays cost the server's thread some CPU (the C server sleeps).
import { parseDelay } from '../../delay.js';

/** Opcode (upper case, kernel name) → delay in ns. Throws DelayError on a malformed spec. */
export function parseDelays(spec: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, ns] of Object.entries(parseDelay(spec ?? '').ns)) if (ns > 0) out[op] = ns;
  return out;
}

function now(): number {
  return Number(process.hrtime.bigint());
}

/** Resolves after `ns` nanoseconds without blocking the event loop. */
export function hold(ns: number): Promise<void> {
  if (ns <= 0) return Promise.resolve();
  const end = now() + ns;
  return new Promise((res) => {
    const poll = (): void => {
      if (now() >= end) res();
      else setImmediate(poll);
    };
    // libuv timers fire up to a millisecond late: sleep one millisecond short, poll the rest.
    const sleepMs = Math.floor(ns / 1e6) - 1;
    if (sleepMs >= 1) setTimeout(poll, sleepMs);
    else setImmediate(poll);
  });
}
