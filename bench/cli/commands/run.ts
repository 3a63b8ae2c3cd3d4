// `fusebench run` (and `npm run bench`): the scenario matrix → results.json, .hgrm files, report.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { release } from 'node:os';
import { BACKENDS, type Backend } from '../../modes.js';
import { packageRoot } from '../../paths.js';
import { DEFAULT_PRESET, FULL_PRESET, QUICK_PRESET, type MatrixOptions } from '../../runner/matrix.js';
import { runMatrix } from '../../runner/run.js';
import { jobsLimit, JOBS_PER_CPU } from '../../runner/jobs-limit.js';
import { SERVER_THREADS_MAX, serverThreadsFor } from '../../server/threads.js';
import { summaryTable } from '../../runner/summary.js';
import { SCENARIOS } from '../../scenarios/index.js';
import { requireBackingDir } from '../dirs.js';
import { FailError, UsageError } from '../errors.js';
import { parseDelaySpec, parseDurationMs, parseIntList, parseList, parseModeList, parsePositiveInt, parseServerList, parseSize } from '../parse.js';
import { runHooks } from '../run-hooks.js';
import { defaultSpace, fullSpace } from '../../lattice/space.js';
import { DEFAULT_SWEEP_SETTINGS } from '../../lattice/sweep.js';
import { latticeTable } from '../../lattice/table.js';
import { sweepLattice } from './sweep.js';
import { ENGINES, type Engine } from '../../../workers/task.js';
import { TRANSPORTS, type Transport } from '../../server/types.js';
import { withEnableUring } from '../../env/enable-uring.js';
import { withCtrlC } from '../interrupt.js';

/** The addon's ceiling on in-flight I/Os per job (native/addon/spec_parse.c MAX_DEPTH is higher). */
const MAX_IODEPTH = 1024;

interface RunFlags {
  quick?: boolean;
  full?: boolean;
  scenarios?: string;
  modes?: string;
  init?: string;
  jobs?: string;
  serverThreads?: string;
  bs?: string;
  duration?: string;
  repeat?: string;
  delay?: string[];
  backend?: string;
  server?: string;
  engine?: string;
  iodepth?: string;
  transport?: string;
  enableUring?: boolean;
  backing?: string;
  out?: string;
  json?: boolean;
  probes?: boolean;
  report?: boolean;
  sweep?: boolean | string;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

function matrixFromFlags(f: RunFlags): MatrixOptions {
  if (f.quick && f.full) throw new UsageError('--quick and --full are exclusive');
  const base = f.quick ? QUICK_PRESET : f.full ? FULL_PRESET : DEFAULT_PRESET;
  const m: MatrixOptions = { ...base };
  if (f.scenarios) {
    m.scenarios = parseList(f.scenarios);
    for (const s of m.scenarios) {
      if (!SCENARIOS.some((x) => x.name === s)) throw new UsageError(`unknown scenario "${s}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
    }
  }
  m.modes = parseModeList(f.modes ? parseList(f.modes) : m.modes, f.init);
  if (f.jobs) m.jobs = parseIntList(f.jobs, '--jobs');
  const limit = jobsLimit();
  for (const j of m.jobs) {
    if (j > limit.max) throw new UsageError(`--jobs ${j} is more than this machine runs in one cell: at most ${limit.max} (${limit.why})`);
  }
  if (f.serverThreads) {
    m.serverThreads = parsePositiveInt(f.serverThreads, '--server-threads');
    if (m.serverThreads > SERVER_THREADS_MAX) throw new UsageError(`--server-threads ${m.serverThreads} is more than the server's ${SERVER_THREADS_MAX}`);
  }
  if (f.bs) m.blockSize = parseSize(f.bs, '--bs');
  if (m.blockSize % 512 !== 0) throw new UsageError('--bs must be a multiple of 512 (O_DIRECT alignment)');
  if (f.duration) m.durationMs = parseDurationMs(f.duration, '--duration');
  if (f.repeat) m.repeats = parsePositiveInt(f.repeat, '--repeat');
  if (f.delay && f.delay.length > 0) m.delays = f.delay.map((d) => parseDelaySpec(d));
  if (f.backend) {
    const b = parseList(f.backend);
    for (const x of b) if (!(BACKENDS as readonly string[]).includes(x)) throw new UsageError(`--backend: "${x}" is not one of ${BACKENDS.join(', ')}`);
    m.backends = b as Backend[];
  }
  if (f.server) m.servers = parseServerList(f.server);
  if (f.engine) {
    const e = parseList(f.engine);
    for (const x of e) if (!(ENGINES as readonly string[]).includes(x)) throw new UsageError(`--engine: "${x}" is not one of ${ENGINES.join(', ')}`);
    m.engines = e as Engine[];
  }
  if (f.iodepth) {
    m.iodepth = parsePositiveInt(f.iodepth, '--iodepth');
    if (m.iodepth > MAX_IODEPTH) throw new UsageError(`--iodepth ${m.iodepth} is above ${MAX_IODEPTH}`);
  }
  if (f.transport) {
    const t = parseList(f.transport);
    for (const x of t) if (!(TRANSPORTS as readonly string[]).includes(x)) throw new UsageError(`--transport: "${x}" is not one of ${TRANSPORTS.join(', ')}`);
    m.transports = [...new Set(t)] as Transport[];
  }
  return m;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .summary('run the scenario matrix (npm run bench)')
    .description(
      'Run scenarios × modes × INIT options × jobs × server delay × backend, with repeats, each cell on a fresh mount of ' +
        "fusebench's server. Writes DIR/results.json, one .hgrm per cell and operation, DIR/index.html, and prints a summary. " +
        'The lock-path verdict of each cell comes from the WRITEs in flight the server saw on the inode. Ctrl-C finishes the ' +
        'current cell, unmounts and keeps what finished. Load is closed-loop (each job issues its next I/O when the last completes).',
    )
    .option('--quick', 'one repeat, 0.3 s windows, delay write=200us only (≤ 60 s)')
    .option('--full', 'every axis: jobs 1,4,8, both backends, INIT variants, psync and libaio, 2 s windows')
    .option('--scenarios <list>', `comma list of ${SCENARIOS.map((s) => s.name).join(', ')}`)
    .option('--modes <list>', 'comma list of modes (cached, direct, parallel, passthrough, passthrough-direct, passthrough-parallel), each optionally +allow-mmap/+async-dio/+writeback, or fopen:FLAG|FLAG')
    .option('--init <list>', 'INIT options added to every mode: allow-mmap,async-dio,writeback')
    .option(
      '--jobs <list>',
      `concurrent jobs (threads), e.g. 1,4,8; at most ${JOBS_PER_CPU} per CPU and what half the available memory holds (here: ${jobsLimit().max})`,
    )
    .option(
      '--server-threads <n>',
      `cap the server's threads in every cell, to see what a too-small pool does (default: enough for each cell: jobs + ${serverThreadsFor(0)}; cells where every thread was busy are flagged server-bound)`,
    )
    .option('--bs <size>', 'block size of write scenarios, e.g. 4k, 128k')
    .option('--duration <time>', 'timed window per cell, e.g. 2s, 500ms')
    .option('--repeat <n>', 'repeats per cell (CIs in compare come from these)')
    .option('--delay <spec>', 'server delay per opcode, e.g. write=200us or write=1ms,getattr=50us (kernel opcode names; units ns|us|ms|s, a bare number is ns); repeat the flag for several values; "none" for no delay', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--backend <list>', 'disk (real backing I/O) and/or null (server drops writes, reads zeros)')
    .option('--server <list>', 'c (fusebench-server) and/or fuse-native (JavaScript, libfuse 2)')
    .option('--engine <list>', `${ENGINES.join(', ')} for the write scenarios (io_uring: raw syscalls, submission → completion per I/O)`)
    .option('--iodepth <n>', `I/Os each job keeps in flight with libaio or io_uring (1..${MAX_IODEPTH})`, '8')
    .option('--transport <list>', 'dev (/dev/fuse) and/or uring (FUSE over io_uring; unsupported cells say why): each cell runs once per transport, back to back')
    .option('--enable-uring', 'set /sys/module/fuse/parameters/enable_uring=Y for the run and put the old value back afterwards (also on Ctrl-C)')
    .option('--backing <dir>', 'an existing backing directory (default: .fusebench/backing in the package, created if missing)')
    .option('--out <dir>', 'output directory (default: out/<timestamp>-<kernel release>)')
    .option('--sweep [which]', 'also sweep the flag lattice into the same results: the default subset, or "full" (see fusebench sweep)')
    .option('--no-probes', 'do not run the conformance probes')
    .option('--no-report', 'do not write index.html')
    .option('--json', 'print results.json on stdout instead of the summary table')
    .action(async (f: RunFlags) => {
      const matrix = matrixFromFlags(f);
      if (f.sweep !== undefined && f.sweep !== true && f.sweep !== 'full' && f.sweep !== 'default') {
        throw new UsageError(`--sweep takes "default" or "full", not "${f.sweep}"`);
      }
      const sweepSpace = f.sweep === 'full' ? fullSpace() : f.sweep ? defaultSpace() : null;
      // A --backing given by the user must exist; only the default one is created (by runMatrix).
      const backing = f.backing !== undefined ? requireBackingDir(f.backing) : resolve(join(packageRoot(), '.fusebench', 'backing'));
      if (process.getuid?.() !== 0) {
        throw new FailError('fusebench run mounts FUSE filesystems with mount(2) and registers passthrough backing files, which needs root: run it as root');
      }
      const outDir = resolve(f.out ?? join('out', `${stamp()}-${release()}`));
      await withCtrlC('finishing the current cell, then writing what finished', async (stopSignal) => {
        const hooks = await runHooks();
        const { results, path } = await withEnableUring(f.enableUring === true, () =>
          runMatrix({
            matrix,
            outDir,
            backing,
            stopSignal,
            ...(f.probes !== false && hooks.probes ? { probes: hooks.probes } : {}),
            ...(sweepSpace ? { lattice: async () => (await sweepLattice(sweepSpace, DEFAULT_SWEEP_SETTINGS, stopSignal)).lattice } : {}),
          }),
        );
        if (f.report !== false && hooks.report) await hooks.report(path, outDir);
        if (f.json) process.stdout.write(JSON.stringify(results) + '\n');
        else {
          process.stdout.write(summaryTable(results.cells));
          if (results.lattice) process.stdout.write('\n' + latticeTable(results.lattice, { color: process.stdout.isTTY === true }));
        }
        process.stderr.write(`fusebench: results ${path}${f.report !== false && hooks.report ? `, report ${join(outDir, 'index.html')}` : ''}${results.interrupted ? ' (interrupted: partial)' : ''}\n`);
        if (results.interrupted) process.exitCode = 130;
      });
    });
}
