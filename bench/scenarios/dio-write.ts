// N writers, O_DIRECT pwrite at random aligned offsets inside a pre-sized shared file: every write is
// non-extending, so the kernel may take the inode lock shared (FOPEN_PARALLEL_DIRECT_WRITES).
import { O } from '../native/io.js';
import { DATA_FILE_SIZE, ensureDataFile } from './files.js';
import { commonUnsupported } from './passthrough-support.js';
import { sameFileJobs } from './jobs.js';
import { timedJobs } from './timed.js';
import type { Scenario } from './types.js';

const FILE = 'dio-write.dat';

export const dioWrite: Scenario = {
  name: 'dio-write',
  description: 'N writers, O_DIRECT pwrite at random aligned offsets inside a pre-sized file (non-extending)',
  dioWrites: true,
  usesWriteDelay: true,
  engines: ['psync', 'libaio', 'io_uring'],
  mapsShared: false,
  unsupported: commonUnsupported,
  expectedErrors: () => [],
  prepare(backing) {
    ensureDataFile(backing, FILE);
  },
  async run(ctx) {
    const { plan } = ctx;
    const jobs = sameFileJobs(ctx, FILE, O.RDWR | O.DIRECT, 1000, () => [
      { name: 'write', engine: plan.engine, op: 'pwrite', blockSize: plan.blockSize, pattern: 'random', offset: 0, range: DATA_FILE_SIZE, depth: plan.engine === 'psync' ? 1 : plan.iodepth, share: 1 },
    ]);
    return (await timedJobs(ctx, jobs, { write: plan.blockSize })).out;
  },
};
