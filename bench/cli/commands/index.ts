// Every command registers itself here; one file per command.
import type { Command } from 'commander';
import { registerCompare } from './compare.js';
import { registerEnv } from './env.js';
import { registerKernels } from './kernels.js';
import { registerMicro } from './micro.js';
import { registerMount } from './mount.js';
import { registerPerf } from './perf.js';
import { registerProbe } from './probe.js';
import { registerReport } from './report.js';
import { registerRun } from './run.js';
import { registerStats } from './stats.js';
import { registerVerify } from './verify.js';
import { registerSweep } from './sweep.js';

export function registerCommands(program: Command): void {
  registerRun(program);
  registerMount(program);
  registerProbe(program);
  registerSweep(program);
  registerReport(program);
  registerCompare(program);
  registerStats(program);
  registerEnv(program);
  registerKernels(program);
  registerPerf(program);
  registerMicro(program);
  registerVerify(program);
}
