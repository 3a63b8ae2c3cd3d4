// Reads through each mode: random 4 KiB and sequential 128 KiB pread, buffered (as an application
// would read). Under passthrough the server must see no READ at all; under DIRECT_IO every read is a
// request; in cached mode the page cache answers after the first pass.
import { O } from '../native/io.js';
import { DATA_FILE_SIZE, ensureDataFile } from './files.js';
import { commonUnsupported } from './passthrough-support.js';
import { sameFileJobs } from './jobs.js';
import { timedJobs } from './timed.js';
import type { Scenario } from './types.js';

const FILE = 'read.dat';
const RAND_BS = 4096;
const SEQ_BS = 128 * 1024;

export const read: Scenario = {
  name: 'read',
  description: 'random 4 KiB and sequential 128 KiB buffered pread (server path vs passthrough)',
  dioWrites: false,
  usesWriteDelay: false,
  engines: ['psync'],
  mapsShared: false,
  unsupported: commonUnsupported,
  expectedErrors: () => [],
  prepare(backing) {
    ensureDataFile(backing, FILE);
  },
  async run(ctx) {
    const { plan } = ctx;
    const slice = Math.floor(DATA_FILE_SIZE / plan.jobs / SEQ_BS) * SEQ_BS;
    const jobs = sameFileJobs(ctx, FILE, O.RDONLY, 3000, (i) => [
      { name: 'randread', engine: 'psync', op: 'pread', blockSize: RAND_BS, pattern: 'random', offset: 0, range: DATA_FILE_SIZE, share: 0.5 },
      { name: 'seqread', engine: 'psync', op: 'pread', blockSize: SEQ_BS, pattern: 'sequential', offset: i * slice, range: slice, share: 0.5 },
    ]);
    return (await timedJobs(ctx, jobs, { randread: RAND_BS, seqread: SEQ_BS })).out;
  },
};
