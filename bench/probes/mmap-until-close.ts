// docs/kernel-fuse.md "The iomode state machine", trap 4: the first MAP_SHARED mmap of a DIRECT_IO file
// (ALLOW_MMAP) is a caching user of the inode until that *file* is released; munmap alone does not end it.
import { closeFile, mapFile, O, openFile, unmapFile } from '../native/io.js';
import { allowMmapUnsupported, hasIomode } from './capabilities.js';
import type { ProbeDef } from './types.js';
import { describeWrites, FILE_SIZE, lockPathOf, measureWrites, presize, WRITE_DELAY_MS, type LockPath, type WritesSeen } from './writers.js';

const FILE = 'mmap.dat';
const MAP_LEN = 1 << 20;

export const mmapUntilClose: ProbeDef = {
  id: 'mmap-until-close',
  rule: 'a MAP_SHARED mmap of a DIRECT_IO file (ALLOW_MMAP) makes parallel writes exclusive until that file is closed; munmap is not enough',
  changedIn: '6.9 (6.7-rc6..6.8: always exclusive)',
  unsupported: allowMmapUnsupported,
  async run(ctx) {
    const m = await ctx.mount({
      mode: 'parallel',
      init: ['allow-mmap'],
      delay: `write=${WRITE_DELAY_MS}ms`,
      prepare: (b) => presize(b, FILE, FILE_SIZE),
    });
    if (!m.server.ready.init.negotiated.includes('DIRECT_IO_ALLOW_MMAP')) {
      return {
        expected: 'DIRECT_IO_ALLOW_MMAP negotiated',
        observed: `negotiated: ${m.server.ready.init.negotiated.join(' ')}`,
        verdict: 'unsupported',
        reason: 'the server could not negotiate DIRECT_IO_ALLOW_MMAP',
      };
    }
    // 6.7-rc6..6.8 (before the iomode rework) disabled parallel DIO for ALLOW_MMAP connections.
    const want: LockPath[] = hasIomode(ctx.offer) ? ['exclusive', 'exclusive', 'shared'] : ['exclusive', 'exclusive', 'exclusive'];
    const path = m.path(FILE);
    let fd: number | null = openFile(path, O.RDWR, 0o644);
    let map: number | null = null;
    const seen: WritesSeen[] = [];
    try {
      map = mapFile(fd, MAP_LEN, { shared: true, write: false });
      seen.push(await measureWrites(ctx, m, { path }));
      unmapFile(map);
      map = null;
      seen.push(await measureWrites(ctx, m, { path }));
      closeFile(fd);
      fd = null;
      seen.push(await measureWrites(ctx, m, { path }));
    } finally {
      if (map !== null) unmapFile(map);
      if (fd !== null) closeFile(fd);
    }
    const got = seen.map((w) => lockPathOf(w));
    const labels = ['mapped', 'after munmap (fd open)', 'after close'];
    const show = (p: (typeof got)[number]): string => (typeof p === 'string' ? p : `inconclusive (${p.inconclusive})`);
    return {
      expected: labels.map((l, i) => `${l}: ${want[i]}`).join('; '),
      observed: labels.map((l, i) => `${l}: ${show(got[i]!)}, ${describeWrites(seen[i]!)}`).join('; '),
      verdict: got.every((p, i) => p === want[i]) ? 'pass' : 'fail',
    };
  },
};
