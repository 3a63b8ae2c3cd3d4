// The parts of a run that live in other modules (probes, report).
import { runProbes } from '../probes/index.js';
import { reportHook } from './commands/report.js';
import type { Probe } from '../results/schema.js';

export interface RunHooks {
  probes?: () => Promise<Probe[]>;
  report?: (resultsPath: string, outDir: string) => Promise<void>;
}

export async function runHooks(): Promise<RunHooks> {
  return {
    report: reportHook,
    probes: () => runProbes({ log: (l) => process.stderr.write(`fusebench: probe ${l}\n`) }),
  };
}
