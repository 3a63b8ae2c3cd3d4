// The fuse-native server kind, as the runner and the micro-benchmarks use it.
import type { MountedServer } from '../mounted.js';
import { startFuseNativeServer } from './start.js';
import { fuseNativeUnsupported } from './support.js';

export { startFuseNativeServer, withFuseNativeServer, FuseNativeServer, FuseNativeUnsupportedError } from './start.js';
export type { FuseNativeOptions, FuseNativeReady, FuseNativeExit } from './start.js';
export { fuseNativeSupport, fuseNativeUnsupported, fuseNativeCheck } from './support.js';

/** What `runMatrix`'s `extraEnv` needs to run cells on `--server fuse-native`. */
export function fuseNativeRunEnv(): {
  startFuseNative: (o: { backing: string; mountpoint: string; mode: 'cached' | 'direct'; delay: string }) => Promise<MountedServer>;
  fuseNativeUnsupported: (mode: string) => string | null;
} {
  return {
    startFuseNative: (o) => startFuseNativeServer(o),
    fuseNativeUnsupported,
  };
}
