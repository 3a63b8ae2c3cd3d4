// docs/kernel-fuse.md "Which write path runs" (3): fuse_passthrough_write_iter holds the FUSE inode lock
// exclusive around the backing write, so passthrough writes to one inode are serialised whatever the open
// flags. The backing write itself is invisible to our server, so stack two mounts: the upper one
// (PASSTHROUGH) uses the lower one (DIRECT_IO|PARALLEL, every WRITE held) as its backing directory. The
// lower server then counts the upper mount's writes in flight. Control: the same writers straight on the
// lower mount overlap.
import { passthroughUnsupported } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { describeWrites, FILE_SIZE, lockPathOf, measureWrites, presize, WRITE_DELAY_MS } from './writers.js';

const FILE = 'stacked.dat';

export const passthroughWriteSerialised: ProbeDef = {
  id: 'passthrough-write-serialised',
  rule: 'passthrough writes are serialised per inode (inode lock held exclusive around the backing write)',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    // The lower mount does not negotiate passthrough, so its superblock's stack depth stays 0 and the
    // upper mount (max_stack_depth 1) may use its files as backing files.
    const lower = await ctx.mount({
      mode: 'parallel',
      initExtra: ['no-passthrough'],
      delay: `write=${WRITE_DELAY_MS}ms`,
      prepare: (b) => presize(b, FILE, FILE_SIZE),
    });
    const direct = await measureWrites(ctx, lower, { path: lower.path(FILE) });
    const upper = await ctx.mount({ mode: 'passthrough', backing: lower.mnt });
    if (!upper.server.ready.passthrough.usable) {
      return {
        expected: 'upper mount: passthrough usable over a FUSE backing directory',
        observed: `upper passthrough unusable: ${upper.server.ready.passthrough.reason ?? '?'}`,
        verdict: 'fail',
      };
    }
    const stacked = await measureWrites(ctx, lower, {
      path: upper.path(FILE),
      hooks: { atBarrier: () => upper.server.reset() },
    });
    const upperWrites = (await upper.server.stats()).ops['WRITE']?.count ?? 0;
    const d = lockPathOf(direct);
    const s = lockPathOf(stacked);
    const show = (p: typeof d): string => (typeof p === 'string' ? p : `inconclusive (${p.inconclusive})`);
    return {
      expected: 'writers on the lower mount: shared (> 1); through the upper passthrough file: exclusive (lower sees max 1) with 0 WRITE at the upper server',
      observed: `lower directly: ${show(d)}, ${describeWrites(direct)}; through upper passthrough: ${show(s)}, lower saw ${describeWrites(stacked)}, upper saw ${upperWrites} WRITE`,
      verdict: d === 'shared' && s === 'exclusive' && upperWrites === 0 ? 'pass' : 'fail',
    };
  },
};
