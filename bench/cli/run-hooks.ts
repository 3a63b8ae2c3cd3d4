// The parts of a run that live in other modules (probes, report, the fuse-native server kind).
import { fuseNativeRunEnv } from '../server/fuse-native/index.js';
import { runProbes } from '../probes/index.js';
import { reportHook } from './commands/report.js';
import type { Probe } from '../results/schema.js';
import type { RunEnv } from '../runner/run-cell.js';

export interface RunHooks {
  probes?: () => Promise<Probe[]>;
  report?: (resultsPath: string, outDir: string) => Promise<void>;
  extraEnv?: Pick<RunEnv, 'startFuseNative' | 'fuseNativeUnsupported'>;
}

export async function runHooks(): Promise<RunHooks> {
  return {
    extraEnv: fuseNativeRunEnv(),
    report: reportHook,
    probes: () => runProbes({ log: (l) => process.stderr.write(`fusebench: probe ${l}\n`) }),
  };
}
