// `fusebench perf`: the figures the issues ask for, as ratios measured side by side in one run.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { haveFio } from '../../perf/fio.js';
import { formatFidelity, perfFidelity } from '../../perf/fidelity.js';
import { formatLockEffect, perfLockEffect } from '../../perf/lock-effect.js';
import { formatServerPerf, perfServerVsNative, SERVER_TARGETS } from '../../perf/server-vs-native.js';
import { parseForeignSpec } from '../../perf/foreign-server.js';
import { formatScale, perfScale, SCALE_JOBS } from '../../perf/scale.js';
import { goalLines, type Goal } from '../../perf/goals.js';
import { formatTransportPerf, perfTransport, TransportUnavailable } from '../../perf/transport.js';
import { withEnableUring } from '../../env/enable-uring.js';
import { FailError, UsageError } from '../errors.js';
import { parseDurationMs, parsePositiveInt } from '../parse.js';
import { withCtrlC } from '../interrupt.js';

const WHICH = ['server', 'fidelity', 'lock', 'scale', 'transport'] as const;

/**
 * Each figure's own window and round count (the settings of the README's figures). Fidelity takes
 * many short rounds: the machine's load swings last seconds, so short windows back to back see the
 * same conditions, and more rounds narrow the interval of the median (1 s × 16 rounds, the same run
 * time, gave intervals no narrower in a trial).
 */
const DEFAULTS: Record<(typeof WHICH)[number], { duration: string; rounds: number }> = {
  server: { duration: '1s', rounds: 8 },
  fidelity: { duration: '300ms', rounds: 30 },
  lock: { duration: '1s', rounds: 8 },
  scale: { duration: '500ms', rounds: 3 },
  transport: { duration: '1s', rounds: 8 },
};

export function registerPerf(program: Command): void {
  program
    .command('perf')
    .summary('the project’s performance figures (server vs native, harness vs fio, lock effect, scaling with jobs)')
    .description(
      'server: fio on our mount vs the backing directory (direct, parallel, passthrough; disk and null backends). ' +
        'fidelity: our harness vs fio on the same mount and job, each of our windows between two of fio’s, with fio against itself as the noise floor and our C loop run as a plain C program (fusebench-loop) as the control. lock: 8 writers with a 1 ms WRITE delay, parallel vs direct. ' +
        `scale: ${SCALE_JOBS.join(', ')} writers with a 1 ms WRITE delay in direct and parallel against jobs × 1/delay, with the CPU time, our threads' wait for a CPU, the same writers in plain C, a no-delay run and the 1 ms hold alone (no FUSE) as controls of whose limit a shortfall is. ` +
        'transport: FUSE over io_uring vs /dev/fuse (parallel mode; 4 KiB O_DIRECT random writes with 1 and 4 jobs, 128 KiB sequential reads; null and disk backends): throughput and CPU per operation of server and client. ' +
        'Ratios come from one run with targets in alternating order; the machine is noisy, so read ratios, not absolutes.',
    )
    .argument('[which...]', `any of ${WHICH.join(', ')} (default: all)`)
    .option('--duration <time>', `per measurement window (default: ${WHICH.map((w) => `${w} ${DEFAULTS[w].duration}`).join(', ')})`)
    .option('--rounds <n>', `alternating rounds per target (default: ${WHICH.map((w) => `${w} ${DEFAULTS[w].rounds}`).join(', ')})`)
    .option('--out <dir>', 'where to save perf-<stamp>.json', 'out')
    .option('--tmpfs', 'server: put the backing directory on a tmpfs (the setting of the passthrough_hp reference figures)')
    .option('--targets <list>', `server: which of our targets to run (${SERVER_TARGETS.join(', ')}; default all)`)
    .option(
      '--vs-server <[mode=]command>',
      'server: also run another FUSE server through the same fio jobs, in the same alternating rounds. The command ' +
        'must stay in the foreground and contain {backing} and {mountpoint}; with "mode=" in front (e.g. ' +
        '"parallel=/opt/libfuse/build/example/passthrough_hp --foreground --direct-io --nopassthrough {backing} {mountpoint}") ' +
        'our mode is compared with it round by round. Repeatable.',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--enable-uring', 'transport: set /sys/module/fuse/parameters/enable_uring=Y for the run and put the old value back afterwards')
    .option('--json', 'print the figures as one JSON document')
    .action(async (which: string[], o: { duration?: string; rounds?: string; out: string; json?: boolean; tmpfs?: boolean; targets?: string; vsServer: string[]; enableUring?: boolean }) => {
      const sel = which.length === 0 ? [...WHICH] : which;
      const foreign = o.vsServer.map(parseForeignSpec);
      const only = o.targets ? o.targets.split(',').map((t) => t.trim()).filter(Boolean) : [];
      if ((foreign.length > 0 || only.length > 0) && !sel.includes('server')) throw new UsageError('--vs-server and --targets belong to "perf server"');
      for (const w of sel) if (!(WHICH as readonly string[]).includes(w)) throw new UsageError(`unknown perf "${w}" (known: ${WHICH.join(', ')})`);
      if (process.getuid?.() !== 0) throw new FailError('perf mounts FUSE filesystems: run it as root');
      if ((sel.includes('server') || sel.includes('fidelity')) && !haveFio()) throw new FailError('fio is not installed: apt-get install -y fio');
      const settings = (w: (typeof WHICH)[number]): { seconds: number; rounds: number } => ({
        seconds: parseDurationMs(o.duration ?? DEFAULTS[w].duration, '--duration') / 1000,
        rounds: o.rounds === undefined ? DEFAULTS[w].rounds : parsePositiveInt(o.rounds, '--rounds'),
      });
      // Reject a bad --duration/--rounds before the first mount, not minutes into the run.
      for (const w of WHICH) settings(w);
      const log = (s: string): void => void process.stderr.write(`fusebench perf: ${s}\n`);
      const doc: Record<string, unknown> = {};
      const goals: Goal[] = [];
      let text = '';
      if (sel.includes('server')) {
        const { seconds, rounds } = settings('server');
        // fio (in our process group) dies with the first Ctrl-C too; the run then unmounts every server.
        const p = await withCtrlC('stopping after cleanup', (stop) =>
          perfServerVsNative({ runtimeSec: seconds, rounds, log, backingFs: o.tmpfs ? 'tmpfs' : 'disk', only, foreign, interrupted: () => stop.stop }),
        );
        doc['server'] = p; // carries its own runtimeSec and rounds
        goals.push(...p.goals);
        text += `\n== server vs native (fio)\n${formatServerPerf(p)}`;
      }
      if (sel.includes('fidelity')) {
        const { seconds, rounds } = settings('fidelity');
        const f = await perfFidelity(seconds, rounds, log);
        doc['fidelity'] = { seconds, rounds, ...f };
        goals.push(...f.goals);
        text += `\n== harness vs fio\n${formatFidelity(f.rows, seconds, rounds)}`;
      }
      if (sel.includes('lock')) {
        const { seconds, rounds } = settings('lock');
        const l = await perfLockEffect(seconds, rounds, log);
        doc['lock'] = { seconds, rounds, ...l };
        goals.push(...l.goals);
        text += `\n== lock effect\n${formatLockEffect(l.runs, seconds)}`;
      }
      if (sel.includes('scale')) {
        const { seconds, rounds } = settings('scale');
        const sc = await perfScale(seconds, rounds, log);
        doc['scale'] = sc;
        goals.push(...sc.goals);
        text += `\n== scaling with jobs\n${formatScale(sc)}`;
      }
      if (sel.includes('transport')) {
        const { seconds, rounds } = settings('transport');
        try {
          const t = await withCtrlC('stopping after cleanup', (stop) => withEnableUring(o.enableUring === true, () => perfTransport(seconds, rounds, log, () => stop.stop)));
          doc['transport'] = t;
          text += `\n== io_uring vs /dev/fuse\n${formatTransportPerf(t)}`;
        } catch (e) {
          // Asked for by name it fails; as part of "all" it must not cost the other figures.
          if (!(e instanceof TransportUnavailable) || which.includes('transport')) throw e;
          doc['transport'] = { skipped: e.message };
          text += `\n== io_uring vs /dev/fuse\nskipped: ${e.message}\n`;
        }
      }
      doc['goals'] = goals;
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `perf-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(doc, null, 1));
      if (o.json) process.stdout.write(JSON.stringify(doc) + '\n');
      else process.stdout.write(text + '\n' + goalLines(goals));
      process.stderr.write(`fusebench perf: saved ${file}\n`);
    });
}
