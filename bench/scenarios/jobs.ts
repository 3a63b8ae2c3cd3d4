// Every scenario's jobs share one file on the mount, each with its own fd and seed.
import { join } from 'node:path';
import type { JobSpec } from '../runner/jobs.js';
import type { JobPhase } from '../../workers/task.js';
import type { ScenarioContext } from './types.js';

/** Scenario-specific seed bases keep repeats and scenarios from replaying the same offsets. */
export function sameFileJobs(ctx: ScenarioContext, file: string, openFlags: number, seedBase: number, phases: (job: number) => JobPhase[]): JobSpec[] {
  return Array.from({ length: ctx.plan.jobs }, (_, i) => ({
    path: join(ctx.mountpoint, file),
    openFlags,
    seed: seedBase * (ctx.plan.repeat + 1) + i,
    phases: phases(i),
  }));
}
