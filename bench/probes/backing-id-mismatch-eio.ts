// docs/kernel-fuse.md "Open errors": an inode holds one backing file; a passthrough open naming a different
// backing id (the server registered the same file again) fails with EIO. Control: the same id again works.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { passthroughUnsupported } from './capabilities.js';
import { closeAll, openErrno } from './open-errno.js';
import type { ProbeDef } from './types.js';

const FILE = 'ptbacking.dat';

export const backingIdMismatchEio: ProbeDef = {
  id: 'backing-id-mismatch-eio',
  rule: 'a passthrough open with a different backing id for an inode already in passthrough fails with EIO',
  changedIn: '6.9',
  unsupported: passthroughUnsupported,
  async run(ctx) {
    const m = await ctx.mount({ mode: 'passthrough', prepare: (b) => writeFileSync(join(b, FILE), Buffer.alloc(1 << 16, 9)) });
    const path = m.path(FILE);
    const fds: number[] = [];
    let sameA: string, sameB: string, newA: string, newB: string;
    try {
      await m.server.setPolicy({ mode: 'passthrough', backingPerOpen: false });
      sameA = openErrno(path, 'r', fds);
      sameB = openErrno(path, 'r', fds);
      closeAll(fds);
      await m.server.setPolicy({ mode: 'passthrough', backingPerOpen: true });
      newA = openErrno(path, 'r', fds);
      newB = openErrno(path, 'r', fds);
    } finally {
      closeAll(fds);
    }
    return {
      expected: 'same backing id: both opens ok; a fresh backing id per open: first ok, second EIO',
      observed: `same id: ${sameA}, ${sameB}; fresh id per open: ${newA}, ${newB}`,
      verdict: sameA === 'ok' && sameB === 'ok' && newA === 'ok' && newB === 'EIO' ? 'pass' : 'fail',
    };
  },
};
