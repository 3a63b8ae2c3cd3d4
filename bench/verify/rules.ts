// Which operations a mode rules out, decided from what the kernel offered and what a call returned
// (never from the kernel version): a failure the iomode rules predict makes its operation class
// "skipped" with the reason; any other failure is a defect that fails the run.
import { isPassthroughMode, type ModeSpec } from '../modes.js';
import type { ServerKind } from '../server/mounted.js';
import type { OpClass } from './ops.js';

export interface RuleContext {
  server: ServerKind;
  spec: ModeSpec;
  /** INIT flags in the server's INIT reply; null when the server kind cannot say (fuse-native). */
  negotiated: readonly string[] | null;
}

function isDirectIo(ctx: RuleContext): boolean {
  return ctx.spec.fopen.includes('DIRECT_IO');
}

function isPassthrough(ctx: RuleContext): boolean {
  return ctx.spec.fopen.includes('PASSTHROUGH') || (ctx.spec.mode !== null && isPassthroughMode(ctx.spec.mode));
}

/**
 * Classes the server kind cannot serve at all, known before any call: skipped from the start.
 * fuse-native (libfuse 2) has no copy_file_range handler. The kernel would then not fail the call
 * but copy through its own splice fallback, which reads the FUSE page cache — an operation of the
 * kernel, not of the server under test (and the stale-data path the C server's COPY_FILE_RANGE
 * exists to avoid).
 */
export function staticSkips(ctx: RuleContext): Map<OpClass, string> {
  const out = new Map<OpClass, string>();
  if (ctx.server === 'fuse-native') {
    out.set(
      'copy',
      'the fuse-native server (libfuse 2.9 high-level API) has no copy_file_range handler; the kernel would copy through its splice fallback instead of the server',
    );
  }
  return out;
}

/**
 * Why `cls` failing with errno name `code` is what this mode predicts (the class is then skipped
 * for the rest of the run), or null when the failure is a defect.
 */
export function explainFailure(ctx: RuleContext, cls: OpClass, code: string): string | null {
  if (cls === 'read/mapped' || cls === 'write/mapped') {
    const allowMmap = ctx.negotiated?.includes('DIRECT_IO_ALLOW_MMAP') ?? false;
    if (code === 'ENODEV' && isDirectIo(ctx) && !isPassthrough(ctx) && !allowMmap) {
      return `MAP_SHARED of a FOPEN_DIRECT_IO file without DIRECT_IO_ALLOW_MMAP negotiated${
        ctx.server === 'fuse-native' ? ' (libfuse 2 never negotiates it)' : ''
      }: ENODEV, as the mmap rules say (docs/kernel-fuse.md §2.2)`;
    }
    return null;
  }
  if (cls.startsWith('falloc/') && (code === 'EOPNOTSUPP' || code === 'ENOTSUP')) {
    if (ctx.server === 'fuse-native') {
      return 'the fuse-native server (libfuse 2.9 high-level API) has no fallocate handler: the kernel answers EOPNOTSUPP';
    }
    return `fallocate ${cls.slice('falloc/'.length)}: EOPNOTSUPP from the kernel or the backing filesystem`;
  }
  return null;
}

/** Why O_DIRECT cannot be used in this mount, from the errno of the O_DIRECT open; null: a defect. */
export function explainDirectOpen(ctx: RuleContext, code: string): string | null {
  if (code !== 'EINVAL') return null;
  return isPassthrough(ctx)
    ? 'O_DIRECT open refused (EINVAL): in passthrough the backing filesystem must support O_DIRECT'
    : 'O_DIRECT open refused (EINVAL)';
}

/** The O_DIRECT classes, ruled out together when the O_DIRECT open is refused. */
export const DIRECT_CLASSES: readonly OpClass[] = ['read/direct', 'write/direct', 'concurrent/direct'];
