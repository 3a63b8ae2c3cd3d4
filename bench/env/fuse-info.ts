// The `fuse` block of results: what the kernel offered at INIT and what our server negotiated.
import type { Fuse } from '../results/schema.js';
import type { ReadyInfo } from '../server/types.js';

export function fuseInfoFromReady(r: ReadyInfo): Fuse {
  return {
    protocol: r.init.kernelProtocol,
    initOffered: [...r.init.offered],
    initNegotiated: [...r.init.negotiated],
    maxWrite: r.init.maxWrite,
    maxPages: r.init.maxPages,
    passthroughUsable: r.passthrough.usable,
    passthroughReason: r.passthrough.reason,
    ioUringOffered: r.init.offered.includes('OVER_IO_URING'),
    getxattr: r.getxattr,
  };
}

/** Used when no server could be started (e.g. not root and no fusermount3). */
export function unknownFuse(reason: string): Fuse {
  return {
    protocol: 'unknown',
    initOffered: [],
    initNegotiated: [],
    passthroughUsable: false,
    passthroughReason: reason,
  };
}
