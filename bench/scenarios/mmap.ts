// MAP_SHARED read and write faults. The mode rules decide whether the mapping exists at all:
// a DIRECT_IO file without DIRECT_IO_ALLOW_MMAP refuses MAP_SHARED with ENODEV (docs/kernel-fuse.md "mmap rules").
import { O } from '../native/io.js';
import { DATA_FILE_SIZE, ensureDataFile } from './files.js';
import { commonUnsupported, wantsPassthrough } from './passthrough-support.js';
import { sameFileJobs } from './jobs.js';
import { timedJobs } from './timed.js';
import type { CellPlan, Scenario } from './types.js';

const FILE = 'mmap.dat';
const PAGE = 4096;

function deniesSharedMmap(plan: CellPlan): boolean {
  return plan.spec.fopen.includes('DIRECT_IO') && !wantsPassthrough(plan.spec) && !plan.spec.init.includes('allow-mmap');
}

export const mmap: Scenario = {
  name: 'mmap',
  description: 'MAP_SHARED read faults then write faults, one page each, over a pre-sized file',
  dioWrites: false,
  usesWriteDelay: false,
  engines: ['mmap'],
  mapsShared: true,
  unsupported: commonUnsupported,
  expectedErrors: (plan) => (deniesSharedMmap(plan) ? ['ENODEV'] : []),
  prepare(backing) {
    ensureDataFile(backing, FILE);
  },
  async run(ctx) {
    const { plan } = ctx;
    const slice = Math.floor(DATA_FILE_SIZE / plan.jobs / PAGE) * PAGE;
    const jobs = sameFileJobs(ctx, FILE, O.RDWR, 4000, (i) => [
      { name: 'mmap-read', engine: 'mmap', op: 'read', blockSize: PAGE, pattern: 'random', offset: i * slice, range: slice, share: 0.5 },
      { name: 'mmap-write', engine: 'mmap', op: 'write', blockSize: PAGE, pattern: 'random', offset: i * slice, range: slice, share: 0.5 },
    ]);
    return (await timedJobs(ctx, jobs, { 'mmap-read': PAGE, 'mmap-write': PAGE })).out;
  },
};
