// The optional parts of a run that live in other modules (probes, report, fuse-native server kind),
// loaded here so `run` works on its own while those are absent or fail to load.
import type { Probe } from '../results/schema.js';
import type { RunEnv } from '../runner/run-cell.js';

export interface RunHooks {
  probes?: () => Promise<Probe[]>;
  report?: (resultsPath: string, outDir: string) => Promise<void>;
  extraEnv?: Pick<RunEnv, 'startFuseNative' | 'fuseNativeUnsupported'>;
}

export async function runHooks(): Promise<RunHooks> {
  return {};
}
