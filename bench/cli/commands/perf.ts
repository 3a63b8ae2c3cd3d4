// `fusebench perf`: the figures the issues ask for, as ratios measured side by side in one run.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { haveFio } from '../../perf/fio.js';
import { formatFidelity, perfFidelity } from '../../perf/fidelity.js';
import { formatLockEffect, perfLockEffect } from '../../perf/lock-effect.js';
import { formatServerPerf, perfServerVsNative } from '../../perf/server-vs-native.js';
import { goalLines, type Goal } from '../../perf/goals.js';
import { FailError, UsageError } from '../errors.js';
import { parseDurationMs, parsePositiveInt } from '../parse.js';

const WHICH = ['server', 'fidelity', 'lock'] as const;

export function registerPerf(program: Command): void {
  program
    .command('perf')
    .summary('the project’s performance figures (server vs native, harness vs fio, lock effect)')
    .description(
      'server: fio on our mount vs the backing directory (direct, parallel, passthrough; disk and null backends). ' +
        'fidelity: our harness vs fio on the same mount and job. lock: 8 writers with a 1 ms WRITE delay, parallel vs direct. ' +
        'Ratios come from one run with targets in alternating order; the machine is noisy, so read ratios, not absolutes.',
    )
    .argument('[which...]', `any of ${WHICH.join(', ')} (default: all)`)
    .option('--duration <time>', 'per measurement window', '3s')
    .option('--rounds <n>', 'alternating rounds per target (medians are reported)', '2')
    .option('--out <dir>', 'where to save perf-<stamp>.json', 'out')
    .option('--tmpfs', 'server: put the backing directory on a tmpfs (the setting of the passthrough_hp reference figures)')
    .option('--json', 'print the figures as one JSON document')
    .action(async (which: string[], o: { duration: string; rounds: string; out: string; json?: boolean; tmpfs?: boolean }) => {
      const sel = which.length === 0 ? [...WHICH] : which;
      for (const w of sel) if (!(WHICH as readonly string[]).includes(w)) throw new UsageError(`unknown perf "${w}" (known: ${WHICH.join(', ')})`);
      if (process.getuid?.() !== 0) throw new FailError('perf mounts FUSE filesystems: run it as root');
      if ((sel.includes('server') || sel.includes('fidelity')) && !haveFio()) throw new FailError('fio is not installed: apt-get install -y fio');
      const seconds = parseDurationMs(o.duration, '--duration') / 1000;
      const rounds = parsePositiveInt(o.rounds, '--rounds');
      const log = (s: string): void => void process.stderr.write(`fusebench perf: ${s}\n`);
      const doc: Record<string, unknown> = { seconds, rounds };
      const goals: Goal[] = [];
      let text = '';
      if (sel.includes('server')) {
        const p = await perfServerVsNative(seconds, rounds, log, o.tmpfs ? 'tmpfs' : 'disk');
        doc['server'] = p;
        goals.push(...p.goals);
        text += `\n== server vs native (fio)\n${formatServerPerf(p)}`;
      }
      if (sel.includes('fidelity')) {
        const f = await perfFidelity(seconds, rounds, log);
        doc['fidelity'] = f;
        goals.push(...f.goals);
        text += `\n== harness vs fio\n${formatFidelity(f.rows, seconds, rounds)}`;
      }
      if (sel.includes('lock')) {
        const l = await perfLockEffect(seconds, rounds, log);
        doc['lock'] = l;
        goals.push(...l.goals);
        text += `\n== lock effect\n${formatLockEffect(l.runs, seconds)}`;
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
