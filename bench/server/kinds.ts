// The server kinds as one table of operations: which modes and transports each can serve, how it
// mounts, and what it reports once mounted. The runner and verify look a kind up here instead of
// branching on its name; a new kind is one more entry.
import type { ModeSpec } from '../modes.js';
import { startFuseNativeServer } from './fuse-native/start.js';
import { fuseNativeUnsupported } from './fuse-native/support.js';
import type { MountedServer, ServerKind } from './mounted.js';
import { startServer, type ServerHandle } from './process.js';
import type { ServerOptions, Transport } from './types.js';

export interface KindMount {
  backing: string;
  mountpoint: string;
  spec: ModeSpec;
  /** `write=200us`; '' or absent for none. */
  delay?: string;
  /** How requests should travel (absent: /dev/fuse). */
  transport?: Transport;
  /** What only the C server takes (backend, threads, corruptRead, asan, …); other kinds ignore it. */
  c?: Omit<Partial<ServerOptions>, 'backing' | 'mountpoint' | 'mode' | 'fopen' | 'init' | 'delay' | 'transport'>;
}

export interface StartedServer {
  server: MountedServer;
  /** The C server, for what only it can do (policy changes, its INIT exchange, corruptRead stats). */
  c: ServerHandle | null;
  /** Why the mounted server cannot serve the cell as asked after all (from its ready line); null when it can. */
  unavailable: string | null;
  /** Stops it (always unmounts); the crash it died of, when the kind reports one, else null. */
  stop(): Promise<string | null>;
}

export interface ServerKindOps {
  /** The transports it can serve requests over. */
  transports: readonly Transport[];
  /** Why it cannot serve a mode (a label as `--modes` takes it), decided before mounting; null when it can. */
  modeUnsupported(modeLabel: string): string | null;
  /** Mounts it; resolves once the mount is live. */
  start(m: KindMount): Promise<StartedServer>;
}

const cKind: ServerKindOps = {
  transports: ['dev', 'uring'],
  // What the C server can do on this kernel is decided from its INIT offer (scenarios/passthrough-support.ts).
  modeUnsupported: () => null,
  async start(m) {
    const s = await startServer({
      ...m.c,
      backing: m.backing,
      mountpoint: m.mountpoint,
      mode: m.spec.mode,
      fopen: m.spec.fopen,
      init: m.spec.init,
      ...(m.delay !== undefined ? { delay: m.delay } : {}),
      ...(m.transport ? { transport: m.transport } : {}),
    });
    const t = s.ready.transport;
    const unavailable =
      m.transport === 'uring' && t?.active !== true ? `io_uring transport unavailable: ${t?.reason ?? 'the server does not report its transport'}` : null;
    return {
      server: s,
      c: s,
      unavailable,
      async stop() {
        const exit = await s.stop();
        return exit.reason === 'crashed' ? `server crashed: ${s.stderr().slice(-500)}` : null;
      },
    };
  },
};

const fuseNativeKind: ServerKindOps = {
  transports: ['dev'],
  modeUnsupported: fuseNativeUnsupported,
  async start(m) {
    // libfuse 2 knows only the direct_io mount option: every other mode that gets here is cached.
    const s = await startFuseNativeServer({ backing: m.backing, mountpoint: m.mountpoint, mode: m.spec.mode === 'direct' ? 'direct' : 'cached', delay: m.delay ?? '' });
    return {
      server: s,
      c: null,
      unavailable: null,
      async stop() {
        await s.stop();
        return null;
      },
    };
  },
};

export const SERVER_KINDS: Record<ServerKind, ServerKindOps> = { c: cKind, 'fuse-native': fuseNativeKind };
