// A fresh mount of the server under test for one verify run (no iomode state, page cache or backing
// file carries over from another mode), or the reason this mode cannot run on this kernel/server.
import { specLabel, type ModeSpec } from '../modes.js';
import type { ChildExit } from '../server/child.js';
import type { MountedServer, ServerKind } from '../server/mounted.js';
import { FuseNativeUnsupportedError } from '../server/fuse-native/start.js';
import { SERVER_KINDS, type StartedServer } from '../server/kinds.js';
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

export async function mountForVerify(o: {
  server: ServerKind;
  spec: ModeSpec;
  backing: string;
  mountpoint: string;
  corruptRead?: number;
  /** The AddressSanitizer build of the C server. */
  asan?: boolean;
}): Promise<MountOutcome> {
  const kind = SERVER_KINDS[o.server];
  const refused = kind.modeUnsupported(specLabel(o.spec));
  if (refused) return { unsupported: refused };
  let started: StartedServer;
  try {
    started = await kind.start({
      backing: o.backing,
      mountpoint: o.mountpoint,
      spec: o.spec,
      c: { ...(o.corruptRead !== undefined ? { corruptRead: o.corruptRead } : {}), ...(o.asan ? { asan: true, readyTimeoutMs: 30_000 } : {}) },
    });
  } catch (e) {
    if (e instanceof FuseNativeUnsupportedError) return { unsupported: e.message };
    throw e;
  }
  const { server, c } = started;
  // Decided from this mount's own INIT exchange and its passthrough trial (only the C server reports them).
  const why = c ? commonUnsupported({ spec: o.spec }, c.ready) : null;
  if (why) {
    await server.stop();
    return { unsupported: why };
  }
  const corruption = async (): Promise<Record<string, unknown> | null> => {
    const r = c ? (await c.stats())['corruptRead'] : null;
    return r !== null && typeof r === 'object' ? (r as Record<string, unknown>) : null;
  };
  return { mount: { server, stop: () => server.stop(), stderr: () => server.stderr(), negotiated: c?.ready.init.negotiated ?? null, corruption } };
}
