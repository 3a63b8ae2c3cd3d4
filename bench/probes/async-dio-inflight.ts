// docs/kernel-fuse.md "Exclusive limits submission, not completion": with FUSE_ASYNC_DIO and asynchronous
// submission (Linux AIO, depth 8, one fd) a non-extending O_DIRECT write to a DIRECT_IO file is
// queued and the inode lock dropped, so many WRITEs are in flight without PARALLEL_DIRECT_WRITES.
// Extending async writes are forced synchronous (1), and so is everything without ASYNC_DIO (1).
import { asyncDioUnsupported, kernelMinor } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { describeWrites, FILE_SIZE, lockPathOf, measureWrites, presize, WRITE_DELAY_MS, type LockPath } from './writers.js';

const FILE = 'aio.dat';
const EFILE = 'aio-extend.dat';
const DEPTH = 8;

export const asyncDioInflight: ProbeDef = {
  id: 'async-dio-inflight',
  rule: 'FUSE_ASYNC_DIO with async submission gives many WRITEs in flight on a DIRECT_IO file without PARALLEL_DIRECT_WRITES; extending async writes stay at one',
  changedIn: '6.13',
  unsupported: asyncDioUnsupported,
  async run(ctx) {
    const delay = `write=${WRITE_DELAY_MS}ms`;
    const prepare = (b: string): void => {
      presize(b, FILE, FILE_SIZE);
      presize(b, EFILE, 0);
    };
    const a = await ctx.mount({ mode: 'direct', init: ['async-dio'], delay, prepare });
    if (!a.server.ready.init.negotiated.includes('ASYNC_DIO')) {
      return { expected: 'ASYNC_DIO negotiated', observed: `negotiated: ${a.server.ready.init.negotiated.join(' ')}`, verdict: 'unsupported', reason: 'the server could not negotiate ASYNC_DIO' };
    }
    const aio = { writers: 1, engine: 'libaio' as const, depth: DEPTH };
    const inside = await measureWrites(ctx, a, { path: a.path(FILE), ...aio });
    const extend = await measureWrites(ctx, a, { path: a.path(EFILE), ...aio, pattern: 'extend' });
    await ctx.unmount(a);
    const s = await ctx.mount({ mode: 'direct', delay, prepare });
    const sync = await measureWrites(ctx, s, { path: s.path(FILE), ...aio });
    // FOPEN_DIRECT_IO files took the async path in mainline from 6.13 (protocol 7.42 is 6.14, so from
    // there on it is certain). Below that the protocol cannot tell: 7.41 is 6.12 or 6.13, and stable
    // kernels carry the change as a backport (Debian's 6.1.0-50, protocol 7.38, shows 8 in flight).
    const minor = kernelMinor(ctx.offer);
    const wantInside: LockPath[] = minor >= 42 ? ['shared'] : ['shared', 'exclusive'];
    const got = [inside, extend, sync].map((w) => lockPathOf(w));
    const many = (p: (typeof got)[number]): string => (p === 'shared' ? '> 1' : p === 'exclusive' ? '1' : `inconclusive (${p.inconclusive})`);
    return {
      expected:
        `DIRECT_IO+ASYNC_DIO, libaio depth ${DEPTH}: ${wantInside.map((p) => (p === 'shared' ? '> 1' : '1')).join(' or ')} in flight` +
        `${minor < 42 ? ` (protocol 7.${minor}: mainline took the async path from 6.13, stable kernels may have it backported)` : ''}; extending: 1; without ASYNC_DIO: 1`,
      observed:
        `with ASYNC_DIO: ${many(got[0]!)}, ${describeWrites(inside)}; extending: ${many(got[1]!)}, ${describeWrites(extend)}; ` +
        `without ASYNC_DIO: ${many(got[2]!)}, ${describeWrites(sync)}`,
      verdict: wantInside.includes(got[0] as LockPath) && got[1] === 'exclusive' && got[2] === 'exclusive' ? 'pass' : 'fail',
    };
  },
};
