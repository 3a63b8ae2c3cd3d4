// docs/kernel-fuse.md "When a direct write is exclusive" (a), "Which write path runs" (4): without
// FOPEN_DIRECT_IO the kernel strips PARALLEL_DIRECT_WRITES at open; a user O_DIRECT write then goes through
// fuse_cache_write_iter, which is always exclusive.
import { inFlightProbe, type InFlightSpec } from './inflight.js';

const parallelNeedsDirectIoSpec: InFlightSpec = {
  id: 'parallel-needs-direct-io',
  rule: 'PARALLEL_DIRECT_WRITES without DIRECT_IO is stripped by the kernel: user O_DIRECT writes stay exclusive',
  changedIn: '6.2',
  fopen: ['PARALLEL_DIRECT_WRITES'],
  expect: 'exclusive',
};

export const parallelNeedsDirectIo = inFlightProbe(parallelNeedsDirectIoSpec);
