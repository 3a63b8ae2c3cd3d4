// docs/kernel-fuse.md "What the server sees": DIRECT_IO|PARALLEL_DIRECT_WRITES, non-extending writes → the
// shared lock, N WRITEs in flight.
import { parallelDioUnsupported } from './capabilities.js';
import { inFlightProbe, type InFlightSpec } from './inflight.js';

export const parallelSharedSpec: InFlightSpec = {
  id: 'parallel-shared',
  rule: 'DIRECT_IO|PARALLEL_DIRECT_WRITES: O_DIRECT writes inside i_size take the inode lock shared, so WRITEs run in parallel',
  changedIn: '6.2',
  mode: 'parallel',
  expect: 'shared',
  unsupported: parallelDioUnsupported,
};

export const parallelShared = inFlightProbe(parallelSharedSpec);
