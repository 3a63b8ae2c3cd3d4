// Conformance probes: the rules of docs/kernel-fuse.md ("Direct-I/O writes: shared or exclusive lock",
// "The iomode state machine", "Passthrough") as a table (id, rule, expected, observed, verdict,
// changedIn). `fusebench probe` prints it; `fusebench run` stores it in results.json.
import type { Probe } from '../results/schema.js';
import { runProbeSuite } from './runner.js';

export { PROBES, PROBE_IDS } from './catalogue.js';
export { runProbeSuite, selectProbes, UnknownProbeError, type SuiteOptions, type SuiteResult } from './runner.js';
export { inFlightProbe, type InFlightSpec } from './inflight.js';
export type { ProbeDef, ProbeOutcome } from './types.js';

/** Runs the probes (all, or the ids in `only`) and returns their rows for results.json. */
export async function runProbes(opts: { only?: string[]; log?: (s: string) => void } = {}): Promise<Probe[]> {
  return (await runProbeSuite(opts)).probes;
}
