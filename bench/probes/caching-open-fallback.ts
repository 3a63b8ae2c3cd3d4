// docs/kernel-fuse.md "When a direct write is exclusive" (c), "The iomode state machine": one caching open
// anywhere on the inode (an open replied without DIRECT_IO) puts it in caching mode and parallel DIO writes
// go exclusive; its close restores the shared path.
import { closeSync, openSync } from 'node:fs';
import { hasIomode, parallelDioUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { describeWrites, FILE_SIZE, lockPathOf, measureWrites, presize, WRITE_DELAY_MS } from './writers.js';

const FILE = 'fallback.dat';

export const cachingOpenFallback: ProbeDef = {
  id: 'caching-open-fallback',
  rule: 'a caching open on the inode makes DIRECT_IO|PARALLEL writes exclusive; closing it restores parallel writes',
  changedIn: '6.9 (fix 6.12-rc1)',
  unsupported: parallelDioUnsupported,
  async run(ctx) {
    const m = await ctx.mount({
      mode: 'parallel',
      delay: `write=${WRITE_DELAY_MS}ms`,
      prepare: (b) => presize(b, FILE, FILE_SIZE),
    });
    const path = m.path(FILE);
    // The caching open comes first, with no write in flight, so it does not wait.
    await m.server.setPolicy({ mode: 'cached' });
    let cached: number | null = openSync(path, 'r');
    let during, after;
    try {
      await m.server.setPolicy({ mode: 'parallel' });
      during = await measureWrites(ctx, m, { path });
      closeSync(cached);
      cached = null;
      after = await measureWrites(ctx, m, { path });
    } finally {
      if (cached !== null) closeSync(cached);
    }
    const d = lockPathOf(during);
    const a = lockPathOf(after);
    const name = (p: typeof d): string => (typeof p === 'string' ? p : `inconclusive (${p.inconclusive})`);
    const observed = `while open: ${name(d)}, ${describeWrites(during)}; after close: ${name(a)}, ${describeWrites(after)}`;
    // Before the iomode state machine (6.9) nothing tied a caching open to the DIO lock: writes stay
    // parallel. That is the older rule, not a failure.
    if (!hasIomode(ctx.offer)) {
      return {
        expected: 'no iomode state machine (protocol < 7.40, before 6.9): shared while the caching fd is open and after',
        observed,
        verdict: d === 'shared' && a === 'shared' ? 'pass' : 'fail',
      };
    }
    return {
      expected: 'exclusive (1 in flight) while the caching fd is open; shared (> 1) after it is closed',
      observed,
      verdict: d === 'exclusive' && a === 'shared' ? 'pass' : 'fail',
    };
  },
};
