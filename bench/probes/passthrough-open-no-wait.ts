// docs/kernel-fuse.md "The iomode state machine" (fix 7cc911262835, 6.9-rc5): a passthrough open while
// parallel DIO writes are in flight neither waits for them nor pushes later writes to the exclusive path.
// Before the fix the parallel writes fell back to exclusive. Writers hold each WRITE for DELAY; the
// passthrough open is issued a tenth of a delay into the first batch (once the server holds writes) and
// kept open; once that batch is over, the server's window shows whether the writes issued after the open
// still overlap.
import { passthroughUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { FILE_SIZE, measureWrites, presize } from './writers.js';
import { openVsWrites, ratio, sleepUntil, timedOpen, waitForHeldWrites, writeIntervals, type TimedOpen } from './timed-open.js';

const FILE = 'ptopen.dat';
const DELAY_MS = 400;

export const passthroughOpenNoWait: ProbeDef = {
  id: 'passthrough-open-no-wait',
  rule: 'a passthrough open during parallel DIO writes does not wait for them, and the writes stay parallel',
  changedIn: '6.9-rc5',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const delayNs = DELAY_MS * 1e6;
    const m = await ctx.mount({ mode: 'parallel', delay: `write=${DELAY_MS}ms`, prepare: (b) => presize(b, FILE, FILE_SIZE) });
    const path = m.path(FILE);
    let opening: Promise<{ o: TimedOpen; afterMax: number | null }> | null = null;
    const w = await measureWrites(ctx, m, {
      path,
      recordStarts: true,
      durationMs: 4.2 * DELAY_MS,
      hooks: {
        atBarrier: () => m.server.setPolicy({ mode: 'passthrough' }),
        started: (startNs) => {
          opening = (async () => {
            await sleepUntil(startNs + delayNs / 10);
            await waitForHeldWrites(m.server, 2, DELAY_MS / 2);
            const o = await timedOpen(path, 'r');
            try {
              if (o.error) return { o, afterMax: null };
              // Past the writes issued before the open (each ends within a delay of the open), then
              // one clean window of two delays.
              const base = Math.max(o.endNs, o.startNs + delayNs);
              await sleepUntil(base + 0.3 * delayNs);
              await m.server.window();
              await sleepUntil(base + 2.3 * delayNs);
              const win = await m.server.window();
              return { o, afterMax: win.ops['WRITE']?.maxInFlightPerInode ?? 0 };
            } finally {
              await o.fh?.close();
            }
          })();
        },
      },
    });
    const got = await (opening as Promise<{ o: TimedOpen; afterMax: number | null }> | null);
    if (!got) throw new Error('the window never started');
    const { o, afterMax } = got;
    const v = openVsWrites(o, writeIntervals(w.outcomes), delayNs);
    const errs = Object.entries(w.errors);
    const observed =
      (o.error ? `passthrough open failed: ${o.error}; ` : '') +
      `open took ${ratio(v.waitNs, delayNs)}× the ${DELAY_MS} ms WRITE delay with ${v.heldAtOpen} write(s) in flight ` +
      `(first completed ${v.firstEndNs === null ? '-' : ratio(v.firstEndNs - o.startNs, delayNs) + '× delay'} after the open was issued); ` +
      `after the open: max ${afterMax ?? '-'} WRITEs in flight` +
      (errs.length ? `; write errors ${errs.map(([e, n]) => `${e}×${n}`).join(' ')}` : '');
    const ok = !o.error && v.heldAtOpen > 0 && !v.waited && afterMax !== null && afterMax > 1 && errs.length === 0;
    return {
      expected: 'the open returns before the writes in flight complete; writes issued after it still overlap (> 1 in flight)',
      observed: observed + (v.heldAtOpen === 0 ? ' — inconclusive: no write was in flight when the open was issued' : ''),
      verdict: ok ? 'pass' : 'fail',
    };
  },
};
