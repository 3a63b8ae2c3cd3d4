// Shared "can this mode run here" checks, decided from what the kernel offered, never from uname.
import { MODE_FOPEN, type ModeSpec } from '../modes.js';
import type { ReadyInfo } from '../server/types.js';
import type { CellPlan } from './types.js';

export function wantsPassthrough(spec: ModeSpec): boolean {
  return spec.fopen.includes('PASSTHROUGH') || (spec.mode !== null && MODE_FOPEN[spec.mode].includes('PASSTHROUGH'));
}

export function commonUnsupported(plan: Pick<CellPlan, 'spec'>, offer: ReadyInfo): string | null {
  const spec = plan.spec;
  if (wantsPassthrough(spec)) {
    if (!offer.init.offered.includes('PASSTHROUGH')) return 'kernel does not offer FUSE_PASSTHROUGH at INIT (added in 6.9)';
    if (spec.init.includes('writeback')) return 'passthrough is disabled by the kernel when WRITEBACK_CACHE is negotiated';
    if (!offer.passthrough.usable) return `passthrough not usable here: ${offer.passthrough.reason ?? 'unknown reason'}`;
  }
  if (spec.init.includes('async-dio') && !offer.init.offered.includes('ASYNC_DIO')) return 'kernel does not offer ASYNC_DIO';
  if (spec.init.includes('allow-mmap') && !offer.init.offered.includes('DIRECT_IO_ALLOW_MMAP')) {
    return 'kernel does not offer DIRECT_IO_ALLOW_MMAP (added in 6.6 as DIRECT_IO_RELAX)';
  }
  return null;
}
