// docs/kernel-fuse.md "mmap rules": a DIRECT_IO file without DIRECT_IO_ALLOW_MMAP refuses MAP_SHARED with
// ENODEV; MAP_PRIVATE still works (it needs no coherence with direct writes).
import { closeFile, mapFile, O, openFile, touchMapping, unmapFile } from '../native/io.js';
import type { ProbeDef } from './types.js';
import { presize } from './writers.js';

const FILE = 'enodev.dat';
const LEN = 1 << 20;

/** errno name of a failed call, 'ok' when it succeeded. */
function tryMap(fd: number, shared: boolean): string {
  let h: number;
  try {
    h = mapFile(fd, LEN, { shared, write: false });
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
  try {
    touchMapping(h, 0, false);
    return 'ok';
  } catch (e) {
    return `mapped, touch failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  } finally {
    unmapFile(h);
  }
}

export const mmapEnodev: ProbeDef = {
  id: 'mmap-enodev',
  rule: 'MAP_SHARED mmap of a DIRECT_IO file without DIRECT_IO_ALLOW_MMAP fails with ENODEV; MAP_PRIVATE works',
  changedIn: '6.6',
  async run(ctx) {
    const m = await ctx.mount({ mode: 'direct', prepare: (b) => presize(b, FILE, LEN) });
    const allow = m.server.ready.init.negotiated.includes('DIRECT_IO_ALLOW_MMAP');
    const fd = openFile(m.path(FILE), O.RDONLY, 0o644);
    let shared: string;
    let priv: string;
    try {
      shared = tryMap(fd, true);
      priv = tryMap(fd, false);
    } finally {
      closeFile(fd);
    }
    return {
      expected: 'MAP_SHARED: ENODEV; MAP_PRIVATE: ok (DIRECT_IO, ALLOW_MMAP not negotiated)',
      observed: `MAP_SHARED: ${shared}; MAP_PRIVATE: ${priv}${allow ? ' (but ALLOW_MMAP was negotiated!)' : ''}`,
      verdict: !allow && shared === 'ENODEV' && priv === 'ok' ? 'pass' : 'fail',
    };
  },
};
