// docs/kernel-fuse.md "Open errors": while an inode is open in passthrough (a backing file is attached), an
// open the server replies without FOPEN_PASSTHROUGH — cached, or DIRECT_IO only — fails with EIO.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passthroughUnsupported } from './capabilities.js';
import { closeAll, openErrno } from './open-errno.js';
import type { ProbeDef } from './types.js';

const FILE = 'ptcached.dat';

export const passthroughCachedOpenEio: ProbeDef = {
  id: 'passthrough-cached-open-eio',
  rule: 'a cached open, or a DIRECT_IO-only open, of an inode open in passthrough fails with EIO',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const m = await ctx.mount({ mode: 'passthrough', prepare: (b) => writeFileSync(join(b, FILE), Buffer.alloc(1 << 16, 7)) });
    const path = m.path(FILE);
    const fds: number[] = [];
    let first: string, cached: string, direct: string, afterClose: string;
    try {
      first = openErrno(path, 'r', fds);
      await m.server.setPolicy({ mode: 'cached' });
      cached = openErrno(path, 'r', fds);
      await m.server.setPolicy({ mode: 'direct' });
      direct = openErrno(path, 'r', fds);
      closeAll(fds);
      // Once the passthrough file is closed the backing file is detached: the same cached open works.
      await m.server.setPolicy({ mode: 'cached' });
      afterClose = openErrno(path, 'r');
    } finally {
      closeAll(fds);
    }
    return {
      expected: 'passthrough open: ok; cached open: EIO; DIRECT_IO open: EIO; cached open after the passthrough fd closed: ok',
      observed: `passthrough open: ${first}; cached open: ${cached}; DIRECT_IO open: ${direct}; cached open after close: ${afterClose}`,
      verdict: first === 'ok' && cached === 'EIO' && direct === 'EIO' && afterClose === 'ok' ? 'pass' : 'fail',
    };
  },
};
