// Whether FUSE over io_uring can be used here, in the four steps that decide it: the kernel is built
// with it (the fuse module has the enable_uring parameter), the parameter is on, the kernel then
// offers FUSE_OVER_IO_URING at INIT, and our server negotiates it and registers its ring.
import { readEnableUring } from './enable-uring.js';
import { readKernelOffer } from './kernel-offer.js';
import type { ReadyInfo } from '../server/types.js';

export interface UringSupport {
  built: boolean;
  enabled: boolean;
  offered: boolean;
  /** Our server asked for it, the kernel agreed and every ring entry registered. */
  negotiated: boolean;
  /** Why it is not negotiated; null when it is. */
  reason: string | null;
}

/** `offer`: a ready line from a /dev/fuse mount (what INIT offered); a second mount asks for the ring. */
export async function uringSupport(offer: ReadyInfo | null): Promise<UringSupport> {
  const param = readEnableUring();
  const built = param !== null;
  const enabled = param === true;
  const offered = offer?.init.offered.includes('OVER_IO_URING') ?? false;
  if (!offered) {
    const reason = !built
      ? 'the fuse module has no enable_uring parameter (built without CONFIG_FUSE_IO_URING)'
      : !enabled
        ? 'enable_uring is N (fusebench --enable-uring sets it for one command)'
        : 'the kernel did not offer FUSE_OVER_IO_URING at INIT';
    return { built, enabled, offered, negotiated: false, reason };
  }
  const r = await readKernelOffer({ transport: 'uring' });
  const t = r.transport;
  const negotiated = t?.active === true && t.requested === 'uring';
  return { built, enabled, offered, negotiated, reason: negotiated ? null : (t?.reason ?? 'the server does not report a transport') };
}
