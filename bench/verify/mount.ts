// A fresh mount of the server under test for one verify run (no iomode state, page cache or backing
// file carries over from another mode), or the reason this mode cannot run on this kernel/server.
import type { ModeSpec } from '../modes.js';
import type { ChildExit } from '../server/child.js';
import type { MountedServer, ServerKind } from '../server/mounted.js';
import { fuseNativeUnsupported, FuseNativeUnsupportedError, startFuseNativeServer } from '../server/fuse-native/index.js';
import { startServer } from '../server/process.js';
import { commonUnsupported } from '../scenarios/passthrough-support.js';

export interface VerifyMount {
  server: MountedServer;
  /** Stops the server (always unmounts) and tells how it ended. */
  stop: () => Promise<ChildExit>;
  /** The end of the server's stderr (for a crash report). */
  stderr: () => string;
  /** INIT flags the server negotiated; null when the server kind cannot say. */
  negotiated: string[] | null;
  /** The server's `corruptRead` report (C server only). */
  corruption: () => Promise<Record<string, unknown> | null>;
}

export type MountOutcome = { mount: VerifyMount } | { unsupported: string };

/** `direct+allow-mmap`: the label `--modes` takes and results show. */
export function specLabel(spec: ModeSpec): string {
  return [spec.label, ...spec.init].join('+');
}

export async function mountForVerify(o: {
  server: ServerKind;
  spec: ModeSpec;
  backing: string;
  mountpoint: string;
  corruptRead?: number;
  /** The AddressSanitizer build of the C server. */
  asan?: boolean;
}): Promise<MountOutcome> {
  if (o.server === 'fuse-native') {
    const why = fuseNativeUnsupported(specLabel(o.spec));
    if (why) return { unsupported: why };
    try {
      const server = await startFuseNativeServer({
        backing: o.backing,
        mountpoint: o.mountpoint,
        mode: o.spec.mode === 'direct' ? 'direct' : 'cached',
      });
      return { mount: { server, stop: () => server.stop(), stderr: () => server.stderr(), negotiated: null, corruption: () => Promise.resolve(null) } };
    } catch (e) {
      if (e instanceof FuseNativeUnsupportedError) return { unsupported: e.message };
      throw e;
    }
  }
  const server = await startServer({
    backing: o.backing,
    mountpoint: o.mountpoint,
    mode: o.spec.mode,
    fopen: o.spec.fopen,
    init: o.spec.init,
    ...(o.corruptRead !== undefined ? { corruptRead: o.corruptRead } : {}),
    ...(o.asan ? { asan: true, readyTimeoutMs: 30_000 } : {}),
  });
  // Decided from this mount's own INIT exchange and its passthrough trial.
  const why = commonUnsupported({ spec: o.spec }, server.ready);
  if (why) {
    await server.stop();
    return { unsupported: why };
  }
  const corruption = async (): Promise<Record<string, unknown> | null> => {
    const s = await server.stats();
    const c = s['corruptRead'];
    return c !== null && typeof c === 'object' ? (c as Record<string, unknown>) : null;
  };
  return { mount: { server, stop: () => server.stop(), stderr: () => server.stderr(), negotiated: server.ready.init.negotiated, corruption } };
}
