// Every probe, in table order (the order of docs/kernel-fuse.md: direct-I/O writes, the iomode state
// machine, passthrough).
import { appendExclusive } from './append-exclusive.js';
import { asyncDioInflight } from './async-dio-inflight.js';
import { backingIdMismatchEio } from './backing-id-mismatch-eio.js';
import { cachingOpenFallback } from './caching-open-fallback.js';
import { cachingOpenWaits } from './caching-open-waits.js';
import { extendExclusive } from './extend-exclusive.js';
import { mmapEnodev } from './mmap-enodev.js';
import { mmapUntilClose } from './mmap-until-close.js';
import { parallelNeedsDirectIo } from './parallel-needs-direct-io.js';
import { parallelShared } from './parallel-shared.js';
import { passthroughCachedOpenEio } from './passthrough-cached-open-eio.js';
import { passthroughDirectServer } from './passthrough-direct-server.js';
import { passthroughKeepCacheEio } from './passthrough-keep-cache-eio.js';
import { passthroughOpenNoWait } from './passthrough-open-no-wait.js';
import { passthroughReadBypass } from './passthrough-read-bypass.js';
import { passthroughWritebackOff } from './passthrough-writeback-off.js';
import { passthroughWriteSerialised } from './passthrough-write-serialised.js';
import { spliceReadStale } from './splice-read-stale.js';
import type { ProbeDef } from './types.js';

export const PROBES: readonly ProbeDef[] = [
  parallelShared,
  extendExclusive,
  appendExclusive,
  parallelNeedsDirectIo,
  asyncDioInflight,
  cachingOpenFallback,
  mmapUntilClose,
  mmapEnodev,
  cachingOpenWaits,
  passthroughOpenNoWait,
  passthroughReadBypass,
  passthroughDirectServer,
  passthroughCachedOpenEio,
  backingIdMismatchEio,
  passthroughKeepCacheEio,
  passthroughWritebackOff,
  passthroughWriteSerialised,
  spliceReadStale,
];

export const PROBE_IDS: readonly string[] = PROBES.map((p) => p.id);
