// Per-opcode delay injection for the JavaScript server, in the C server's syntax
// (`write=200us,read=1ms`). Node timers have millisecond resolution, so a delay is a timer for all
// but its last millisecond and event-loop polling for the rest: other requests keep being served
// meanwhile, but sub-millisecond delays cost the server's thread some CPU (the C server sleeps).

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };

/** Opcode (upper case, kernel name) → delay in ns. Throws on a malformed spec. */
export function parseDelays(spec: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  const t = (spec ?? '').trim();
  if (t === '' || t === 'none' || t === '0') return out;
  for (const part of t.split(',')) {
    const s = part.trim();
    if (s === '') continue;
    const m = /^([a-z_0-9]+)=(\d+(?:\.\d+)?)(ns|us|ms|s)$/i.exec(s);
    if (!m) throw new Error(`delay "${s}" must look like write=200us (opcode=time with unit ns|us|ms|s)`);
    out[m[1]!.toUpperCase()] = Math.round(Number(m[2]) * UNIT_NS[m[3]!.toLowerCase()]!);
  }
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
