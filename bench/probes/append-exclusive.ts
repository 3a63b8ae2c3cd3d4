// docs/kernel-fuse.md "When a direct write is exclusive" (b): O_APPEND writes take the exclusive lock even
// with PARALLEL.
import { inFlightProbe, type InFlightSpec } from './inflight.js';

export const appendExclusiveSpec: InFlightSpec = {
  id: 'append-exclusive',
  rule: 'O_APPEND writes are exclusive even with DIRECT_IO|PARALLEL_DIRECT_WRITES',
  changedIn: null,
  mode: 'parallel',
  append: true,
  expect: 'exclusive',
};

export const appendExclusive = inFlightProbe(appendExclusiveSpec);
