// docs/kernel-fuse.md "Open errors": FOPEN_PASSTHROUGH accepts only DIRECT_IO, PARALLEL_DIRECT_WRITES and
// NOFLUSH beside it; KEEP_CACHE with PASSTHROUGH fails the open with EIO.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passthroughUnsupported } from './capabilities.js';
import { openErrno } from './open-errno.js';
import type { ProbeDef } from './types.js';

const FILE = 'ptkeep.dat';

export const passthroughKeepCacheEio: ProbeDef = {
  id: 'passthrough-keep-cache-eio',
  rule: 'KEEP_CACHE together with PASSTHROUGH fails the open with EIO',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const m = await ctx.mount({ mode: 'passthrough', prepare: (b) => writeFileSync(join(b, FILE), Buffer.alloc(1 << 16, 3)) });
    const path = m.path(FILE);
    const plain = openErrno(path, 'r');
    await m.server.setPolicy({ fopen: ['PASSTHROUGH', 'KEEP_CACHE'] });
    const keep = openErrno(path, 'r');
    return {
      expected: 'PASSTHROUGH: ok; PASSTHROUGH|KEEP_CACHE: EIO',
      observed: `PASSTHROUGH: ${plain}; PASSTHROUGH|KEEP_CACHE: ${keep}`,
      verdict: plain === 'ok' && keep === 'EIO' ? 'pass' : 'fail',
    };
  },
};
