// What a probe may assume about the kernel, read from INIT (offered flags and protocol) — never from
// `uname -r`: distribution kernels backport. The protocol minor the kernel sends in its INIT request
// pins an era: 7.39 = 6.6..6.8, 7.40 = 6.9..6.11 (iomode, passthrough), 7.41 = 6.12/6.13,
// 7.42 = 6.14 (io_uring), 7.45 = 6.18 (docs/kernel-fuse.md "Kernel versions").
import type { ReadyInfo } from '../server/types.js';

export function offers(offer: ReadyInfo, flag: string): boolean {
  return offer.init.offered.includes(flag);
}

/** Minor of the protocol the kernel speaks (`7.45` → 45); 0 when unreadable. */
export function kernelMinor(offer: ReadyInfo): number {
  const m = /^(\d+)\.(\d+)/.exec(offer.init.kernelProtocol ?? '');
  return m && m[1] === '7' ? Number(m[2]) : 0;
}

/**
 * The iomode state machine (fs/fuse/iomode.c, 6.9) is present. Known from protocol ≥ 7.40 or from
 * the 7.40 INIT bits (PASSTHROUGH needs CONFIG_FUSE_PASSTHROUGH; NO_EXPORT_SUPPORT and HAS_RESEND
 * are always offered from 6.9 on).
 */
export function hasIomode(offer: ReadyInfo): boolean {
  return (
    kernelMinor(offer) >= 40 ||
    offers(offer, 'PASSTHROUGH') ||
    offers(offer, 'NO_EXPORT_SUPPORT') ||
    offers(offer, 'HAS_RESEND')
  );
}

/**
 * FOPEN_PARALLEL_DIRECT_WRITES is known to the kernel: protocol 7.38 (6.2), whose INIT also offers
 * HAS_EXPIRE_ONLY. (6.1.y got a backport in 2024 without the protocol bump: it cannot be told apart.)
 */
export function parallelDioUnsupported(offer: ReadyInfo): string | null {
  return kernelMinor(offer) >= 38 || offers(offer, 'HAS_EXPIRE_ONLY')
    ? null
    : `kernel speaks FUSE ${offer.init.kernelProtocol} (< 7.38, before 6.2): FOPEN_PARALLEL_DIRECT_WRITES may be unknown to it`;
}

/** Why passthrough probes cannot run here, or null. */
export function passthroughUnsupported(offer: ReadyInfo): string | null {
  if (!offers(offer, 'PASSTHROUGH')) {
    return 'kernel does not offer FUSE_PASSTHROUGH at INIT (added in 6.9; needs CONFIG_FUSE_PASSTHROUGH)';
  }
  if (!offer.passthrough.usable) {
    return `kernel offers PASSTHROUGH but a backing file could not be registered: ${offer.passthrough.reason ?? 'unknown reason'}`;
  }
  return null;
}

export function allowMmapUnsupported(offer: ReadyInfo): string | null {
  return offers(offer, 'DIRECT_IO_ALLOW_MMAP')
    ? null
    : 'kernel does not offer DIRECT_IO_ALLOW_MMAP at INIT (added in 6.6 as DIRECT_IO_RELAX)';
}

export function asyncDioUnsupported(offer: ReadyInfo): string | null {
  return offers(offer, 'ASYNC_DIO') ? null : 'kernel does not offer ASYNC_DIO at INIT';
}
