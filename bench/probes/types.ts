// A probe turns one rule of docs/kernel-fuse.md into a situation on a real mount, an observation, and a
// verdict against what is expected for the capabilities this kernel offers at INIT.
import type { Piscina } from 'piscina';
import type { Probe } from '../results/schema.js';
import type { ServerHandle } from '../server/process.js';
import type { ReadyInfo, ServerOptions } from '../server/types.js';

export type Verdict = Probe['verdict'];

/** What one probe run concluded. `expected` may depend on the INIT offer, so it is decided at run time. */
export interface ProbeOutcome {
  expected: string;
  observed: string;
  verdict: Verdict;
  /** Why a probe is `unsupported` (or extra context for `fail`). */
  reason?: string | null;
}

/** A mount made for one probe: torn down by the runner after the probe, whatever happened. */
export interface ProbeMount {
  server: ServerHandle;
  mnt: string;
  backing: string;
  /** `mnt/name` */
  path(name: string): string;
}

export interface MountRequest extends Omit<ServerOptions, 'backing' | 'mountpoint'> {
  /** Prepares files in the backing dir BEFORE the mount exists (the kernel caches i_size at LOOKUP). */
  prepare?: (backing: string) => void;
  /** Use this directory as the backing dir instead of a fresh one (stacking on another mount). */
  backing?: string;
}

export interface ProbeContext {
  /** INIT of a plain server on this kernel: what is offered, whether passthrough is usable. */
  offer: ReadyInfo;
  /** Piscina pool of WRITERS workers, created on first use and shared by all probes. */
  pool(): Promise<Piscina>;
  /** Mounts a server for this probe; it is stopped when the probe ends (last mounted, first stopped). */
  mount(req: MountRequest): Promise<ProbeMount>;
  /** Stops a mount early (e.g. to free a stacked backing). Safe to call twice. */
  unmount(m: ProbeMount): Promise<void>;
  log(line: string): void;
}

export interface ProbeDef {
  id: string;
  /** The rule, in one sentence, as docs/kernel-fuse.md states it. */
  rule: string;
  /** Kernel release where this behaviour appeared or changed (docs/kernel-fuse.md "Kernel versions"), or null. */
  changedIn: string | null;
  /** Reason this kernel cannot run the probe, decided from the INIT offer only; null when it can. */
  unsupported?(offer: ReadyInfo): string | null;
  run(ctx: ProbeContext): Promise<ProbeOutcome>;
}
