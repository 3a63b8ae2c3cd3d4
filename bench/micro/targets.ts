// What a micro-benchmark runs against: the backing directory itself (the native floor), or a server
// kind in one mode. Each server target gets two mounts: a normal one, and one whose kernel attribute
// and entry caches expire at once (timeouts 0) for the getattr-after-expiry task.
import { join } from 'node:path';
import { parseModeSpec } from '../modes.js';
import { startServer, type ServerHandle } from '../server/process.js';
import { fuseNativeSupport } from '../server/fuse-native/support.js';
import { startFuseNativeServer, FuseNativeUnsupportedError, type FuseNativeServer } from '../server/fuse-native/start.js';
import type { ReadyInfo } from '../server/types.js';

export type MicroServer = 'native' | 'c' | 'fuse-native';

export interface Target {
  server: MicroServer;
  /** Mode label as in results (`native` for the floor). */
  mode: string;
}

export interface LiveTarget {
  root: string;
  expiredRoot: string;
  /** The C server's ready line (INIT flags for the results' `fuse` block). */
  cReady: ReadyInfo | null;
  stop(): Promise<void>;
}

export type Started = { ok: true; live: LiveTarget } | { ok: false; status: 'unsupported' | 'error'; reason: string };

export function label(t: Target): string {
  return t.server === 'native' ? 'native' : `${t.server}/${t.mode}`;
}

async function stopAll(servers: Array<ServerHandle | FuseNativeServer>): Promise<void> {
  for (const s of servers) await s.stop();
}

export async function startTarget(t: Target, backing: string, work: string, index: number): Promise<Started> {
  if (t.server === 'native') {
    return { ok: true, live: { root: backing, expiredRoot: backing, cReady: null, stop: async () => {} } };
  }
  const mnt = join(work, `mnt-${index}`);
  const mntExpired = join(work, `mnt-${index}-expired`);
  const started: Array<ServerHandle | FuseNativeServer> = [];
  try {
    if (t.server === 'c') {
      let spec;
      try {
        spec = parseModeSpec(t.mode);
      } catch (e) {
        return { ok: false, status: 'error', reason: (e as Error).message };
      }
      const base = { backing, mode: spec.mode, fopen: spec.fopen, init: spec.init };
      const normal = await startServer({ ...base, mountpoint: mnt });
      started.push(normal);
      if (spec.fopen.includes('PASSTHROUGH') && !normal.ready.passthrough.usable) {
        await stopAll(started);
        return { ok: false, status: 'unsupported', reason: `passthrough not usable here: ${normal.ready.passthrough.reason ?? 'unknown reason'}` };
      }
      const expired = await startServer({ ...base, mountpoint: mntExpired, attrTimeout: 0, entryTimeout: 0 });
      started.push(expired);
      return { ok: true, live: { root: mnt, expiredRoot: mntExpired, cReady: normal.ready, stop: () => stopAll(started) } };
    }
    const support = fuseNativeSupport(t.mode);
    if (!support.supported) return { ok: false, status: 'unsupported', reason: support.reason ?? 'unsupported' };
    const mode = t.mode === 'direct' ? 'direct' : 'cached';
    started.push(await startFuseNativeServer({ backing, mountpoint: mnt, mode }));
    started.push(await startFuseNativeServer({ backing, mountpoint: mntExpired, mode, attrTimeout: 0, entryTimeout: 0 }));
    return { ok: true, live: { root: mnt, expiredRoot: mntExpired, cReady: null, stop: () => stopAll(started) } };
  } catch (e) {
    await stopAll(started);
    const reason = (e as Error).message;
    return { ok: false, status: e instanceof FuseNativeUnsupportedError ? 'unsupported' : 'error', reason };
  }
}
