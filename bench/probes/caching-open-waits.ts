// docs/kernel-fuse.md "The iomode state machine": a caching open sets the inode's caching bit, then waits
// (uninterruptibly) for the parallel DIO writes already in flight. Eight writers each issue one WRITE, held
// for DELAY at the server; the caching open is issued a quarter delay into that batch. It must return only
// after those writes completed; an open with no write in flight must not wait. The wait, as a fraction of
// the delay, is reported.
import { hasIomode, parallelDioUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { FILE_SIZE, measureWrites, presize } from './writers.js';
import { openVsWrites, ratio, sleepUntil, timedOpen, waitForHeldWrites, writeIntervals, type TimedOpen } from './timed-open.js';

const FILE = 'waits.dat';
const DELAY_MS = 400;

export const cachingOpenWaits: ProbeDef = {
  id: 'caching-open-waits',
  rule: 'a caching open issued while parallel DIO writes are in flight waits until they complete',
  changedIn: '6.9',
  unsupported: parallelDioUnsupported,
  async run(ctx) {
    const delayNs = DELAY_MS * 1e6;
    const m = await ctx.mount({ mode: 'parallel', delay: `write=${DELAY_MS}ms`, prepare: (b) => presize(b, FILE, FILE_SIZE) });
    const path = m.path(FILE);

    // Control: the same caching open with nothing in flight.
    await m.server.setPolicy({ mode: 'cached' });
    const ctrl = await timedOpen(path, 'r');
    await ctrl.fh?.close();
    await m.server.setPolicy({ mode: 'parallel' });

    let opening: Promise<TimedOpen> | null = null;
    const w = await measureWrites(ctx, m, {
      path,
      recordStarts: true,
      // The writers stop after their first batch (the deadline has passed when it completes): writes
      // issued while the caching bit is set would queue on the exclusive lock, one delay each.
      durationMs: 0.5 * DELAY_MS,
      hooks: {
        // The writers have their fds (DIRECT_IO|PARALLEL); the next open is the caching one.
        atBarrier: () => m.server.setPolicy({ mode: 'cached' }),
        started: (startNs) => {
          opening = (async () => {
            // A quarter delay in, and only once the server holds some of the writes.
            await sleepUntil(startNs + delayNs / 4);
            await waitForHeldWrites(m.server, 2, DELAY_MS / 2);
            const o = await timedOpen(path, 'r');
            await o.fh?.close();
            return o;
          })();
        },
      },
    });
    const o = await (opening as Promise<TimedOpen> | null);
    if (!o) throw new Error('the window never started');
    const v = openVsWrites(o, writeIntervals(w.outcomes), delayNs);
    const ctrlNs = ctrl.endNs - ctrl.startNs;
    const waits = hasIomode(ctx.offer);
    const observed =
      `open took ${ratio(v.waitNs, delayNs)}× the ${DELAY_MS} ms WRITE delay with ${v.heldAtOpen} write(s) in flight ` +
      `(first of them completed ${v.firstEndNs === null ? '-' : ratio(v.firstEndNs - o.startNs, delayNs) + '× delay'} after the open was issued); ` +
      `with none in flight: ${ratio(ctrlNs, delayNs)}×` +
      (o.error || ctrl.error ? `; open errors: ${o.error ?? '-'} / ${ctrl.error ?? '-'}` : '');
    let verdict: 'pass' | 'fail';
    if (o.error || ctrl.error || v.heldAtOpen === 0) verdict = 'fail';
    else if (waits) verdict = v.waited && ctrlNs < delayNs / 2 ? 'pass' : 'fail';
    else verdict = !v.waited ? 'pass' : 'fail';
    return {
      expected: waits
        ? 'the open returns only after the writes in flight complete (≥ ~0.5× delay); with none in flight it does not wait (< 0.5× delay)'
        : 'no iomode before 6.9 (protocol < 7.40): the open does not wait',
      observed: observed + (v.heldAtOpen === 0 ? ' — inconclusive: no write was in flight when the open was issued' : ''),
      verdict,
    };
  },
};
