// The control case: N writers that always write past the kernel's cached i_size. Condition (d) of
// fuse_dio_wr_exclusive_lock makes every such write exclusive, whatever the open flags.
import { O, resetCursor } from '../native/io.js';
import { emptyFile } from './files.js';
import { commonUnsupported } from './passthrough-support.js';
import { sameFileJobs } from './jobs.js';
import { timedJobs } from './timed.js';
import type { Scenario } from './types.js';

const FILE = 'dio-write-extend.dat';
let cursorSeq = 1;

export const dioWriteExtend: Scenario = {
  name: 'dio-write-extend',
  description: 'N writers extending the file (each write lands at the current end): always the exclusive path',
  dioWrites: true,
  usesWriteDelay: true,
  engines: ['psync', 'libaio', 'io_uring'],
  mapsShared: false,
  // The control needs a write that reaches the server each time: direct I/O, or cached as the baseline.
  appliesTo: (spec) => spec.fopen.includes('DIRECT_IO') || spec.mode === 'cached',
  unsupported: commonUnsupported,
  expectedErrors: () => [],
  prepare(backing) {
    emptyFile(backing, FILE);
  },
  async run(ctx) {
    const { plan } = ctx;
    // One cursor shared by all jobs: each write takes the next block past everything written so far.
    const cursor = cursorSeq++;
    resetCursor(cursor, 0);
    const jobs = sameFileJobs(ctx, FILE, O.RDWR | O.DIRECT, 2000, () => [
      { name: 'write', engine: plan.engine, op: 'pwrite', blockSize: plan.blockSize, pattern: 'extend', offset: 0, range: 0, cursor, depth: plan.engine === 'psync' ? 1 : plan.iodepth, share: 1 },
    ]);
    return (await timedJobs(ctx, jobs, { write: plan.blockSize })).out;
  },
};
