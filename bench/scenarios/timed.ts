// The common shape of a scenario run: N jobs on one window, server counters reset at the barrier,
// server stats read right after.
import { collect, serverOpStats } from '../runner/collect.js';
import { runWindow, type JobSpec, type WindowHooks } from '../runner/jobs.js';
import { serverThreadsOf } from '../server/threads.js';
import { cpuBetween, markCpu, type CpuMark } from '../runner/cpu.js';
import type { ScenarioContext, ScenarioOutput } from './types.js';

export async function timedJobs(
  ctx: ScenarioContext,
  jobs: JobSpec[],
  bytesPerOp: Record<string, number>,
  opts: { recordStarts?: boolean; durationNs?: number; hooks?: WindowHooks } = {},
): Promise<{ out: ScenarioOutput; window: Awaited<ReturnType<typeof runWindow>> }> {
  const durationNs = opts.durationNs ?? ctx.plan.durationMs * 1e6;
  const marks: { start?: CpuMark } = {};
  const w = await runWindow(ctx.pool, jobs, durationNs, opts.recordStarts ?? false, {
    ...opts.hooks,
    atBarrier: async () => {
      await ctx.server.reset();
      await opts.hooks?.atBarrier?.();
      marks.start = markCpu(ctx.server.pid);
    },
  });
  const end = markCpu(ctx.server.pid);
  const c = collect(w.outcomes, bytesPerOp);
  const totalOps = Object.values(c.ops).reduce((a, o) => a + o.count, 0);
  const stats = await ctx.server.stats();
  const threads = serverThreadsOf(stats);
  return {
    out: {
      ops: c.ops,
      errors: c.errors,
      openErrors: c.openErrors,
      durationNs: c.durationNs,
      serverStats: serverOpStats(stats),
      ...(threads ? { serverThreads: threads } : {}),
      ...(marks.start ? { cpu: cpuBetween(marks.start, end, totalOps) } : {}),
    },
    window: w,
  };
}
