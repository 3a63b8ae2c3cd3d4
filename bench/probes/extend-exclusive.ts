// docs/kernel-fuse.md "When a direct write is exclusive" (d): a write past the kernel's cached i_size takes
// the exclusive lock even with PARALLEL.
import { inFlightProbe, type InFlightSpec } from './inflight.js';

const extendExclusiveSpec: InFlightSpec = {
  id: 'extend-exclusive',
  rule: 'extending writes (pos + count > cached i_size) are exclusive even with DIRECT_IO|PARALLEL_DIRECT_WRITES',
  changedIn: null,
  mode: 'parallel',
  pattern: 'extend',
  expect: 'exclusive',
};

export const extendExclusive = inFlightProbe(extendExclusiveSpec);
