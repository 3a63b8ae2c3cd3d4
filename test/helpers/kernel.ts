// What the kernel under test offers, learned the way fusebench itself learns it: mount our server once
// and read its INIT (offered flags, and whether a backing file could really be registered) — never
// from `uname -r`. Tests that need passthrough or a newer rule ask here and skip with the reason, so
// `npm test` passes on a kernel without them (a Debian 6.1 guest, a kernel without
// CONFIG_FUSE_PASSTHROUGH).
import { readKernelOffer } from '../../bench/env/kernel-offer.js';
import { passthroughUnsupported } from '../../bench/probes/capabilities.js';
import type { ProbeDef } from '../../bench/probes/types.js';
import type { ReadyInfo } from '../../bench/server/types.js';
import { isRoot } from './mount.js';

let offer: Promise<ReadyInfo> | null = null;

/** The kernel's offer, read once per test process (needs root, like every mount in the tests). */
export function kernelOffer(): Promise<ReadyInfo> {
  return (offer ??= readKernelOffer());
}

/** Prints `SKIP: reason` (for a part of a test the kernel cannot run) and returns the reason. */
export function skipWith(reason: string): string {
  process.stdout.write(`SKIP: ${reason}\n`);
  return reason;
}

/**
 * `false` when passthrough is usable here; otherwise prints `SKIP: …` with the kernel's reason and
 * returns it, for `test(name, { skip })`. `what` names the tests that are skipped.
 */
export async function passthroughSkip(what: string): Promise<string | false> {
  if (!isRoot()) return 'needs root';
  let o: ReadyInfo;
  try {
    o = await kernelOffer();
  } catch (e) {
    return skipWith(`${what}: cannot mount a test server to read the kernel's offer: ${(e as Error).message}`);
  }
  const why = passthroughUnsupported(o);
  return why === null ? false : skipWith(`${what} needs passthrough: ${why}`);
}

/**
 * The verdict a probe must reach on this kernel: `pass`, or `unsupported` when the probe itself says
 * the kernel cannot run it (printed as a SKIP line with the reason).
 */
export function expectedVerdict(def: ProbeDef, o: ReadyInfo): { verdict: 'pass' | 'unsupported'; reason: string | null } {
  const why = def.unsupported?.(o) ?? null;
  if (why !== null) skipWith(`probe ${def.id} cannot run on this kernel: ${why}`);
  return why === null ? { verdict: 'pass', reason: null } : { verdict: 'unsupported', reason: why };
}
