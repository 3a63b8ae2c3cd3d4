// `fusebench run` (and `npm run bench`): the scenario matrix → results.json, .hgrm files, report.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { release } from 'node:os';
import { BACKENDS, parseModeSpec, type Backend } from '../../modes.js';
import { packageRoot } from '../../paths.js';
import { DEFAULT_PRESET, FULL_PRESET, QUICK_PRESET, type MatrixOptions } from '../../runner/matrix.js';
import { runMatrix } from '../../runner/run.js';
import { summaryTable } from '../../runner/summary.js';
import { SCENARIOS } from '../../scenarios/index.js';
import type { ServerKind } from '../../server/mounted.js';
import { FailError, UsageError } from '../errors.js';
import { parseDelaySpec, parseDurationMs, parseIntList, parseList, parsePositiveInt, parseSize } from '../parse.js';
import { runHooks } from '../run-hooks.js';
import { ENGINES, type Engine } from '../../../workers/task.js';
import { TRANSPORTS, type Transport } from '../../server/types.js';
import { withEnableUring } from '../../env/enable-uring.js';

/** The addon's ceiling on in-flight I/Os per job (native/addon/spec_parse.c MAX_DEPTH is higher). */
const MAX_IODEPTH = 1024;

interface RunFlags {
  quick?: boolean;
  full?: boolean;
  scenarios?: string;
  modes?: string;
  init?: string;
  jobs?: string;
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
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

export function matrixFromFlags(f: RunFlags): MatrixOptions {
  if (f.quick && f.full) throw new UsageError('--quick and --full are exclusive');
  const base = f.quick ? QUICK_PRESET : f.full ? FULL_PRESET : DEFAULT_PRESET;
  const m: MatrixOptions = { ...base };
  if (f.scenarios) {
    m.scenarios = parseList(f.scenarios);
    for (const s of m.scenarios) {
      if (!SCENARIOS.some((x) => x.name === s)) throw new UsageError(`unknown scenario "${s}" (known: ${SCENARIOS.map((x) => x.name).join(', ')})`);
    }
  }
  if (f.modes) m.modes = parseList(f.modes);
  if (f.init) {
    const extra = parseList(f.init).join('+');
    m.modes = m.modes.map((x) => `${x}+${extra}`);
  }
  for (const x of m.modes) {
    try {
      parseModeSpec(x);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  if (f.jobs) m.jobs = parseIntList(f.jobs, '--jobs');
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
  if (f.server) {
    const s = parseList(f.server);
    for (const x of s) if (x !== 'c' && x !== 'fuse-native') throw new UsageError(`--server: "${x}" is not c or fuse-native`);
    m.servers = s as ServerKind[];
  }
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
    .option('--jobs <list>', 'concurrent jobs (threads), e.g. 1,4,8')
    .option('--bs <size>', 'block size of write scenarios, e.g. 4k, 128k')
    .option('--duration <time>', 'timed window per cell, e.g. 2s, 500ms')
    .option('--repeat <n>', 'repeats per cell (CIs in compare come from these)')
    .option('--delay <spec>', 'server delay per opcode, e.g. write=200us; repeat the flag for several values; "none" for no delay', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
    .option('--backend <list>', 'disk (real backing I/O) and/or null (server drops writes, reads zeros)')
    .option('--server <list>', 'c (fusebench-server) and/or fuse-native (JavaScript, libfuse 2)')
    .option('--engine <list>', `${ENGINES.join(', ')} for the write scenarios (io_uring: raw syscalls, submission → completion per I/O)`)
    .option('--iodepth <n>', `I/Os each job keeps in flight with libaio or io_uring (1..${MAX_IODEPTH})`, '8')
    .option('--transport <list>', 'dev (/dev/fuse) and/or uring (FUSE over io_uring; unsupported cells say why): each cell runs once per transport, back to back')
    .option('--enable-uring', 'set /sys/module/fuse/parameters/enable_uring=Y for the run and put the old value back afterwards (also on Ctrl-C)')
    .option('--backing <dir>', 'backing directory (default: .fusebench/backing in the package, created)')
    .option('--out <dir>', 'output directory (default: out/<timestamp>-<kernel release>)')
    .option('--no-probes', 'do not run the conformance probes')
    .option('--no-report', 'do not write index.html')
    .option('--json', 'print results.json on stdout instead of the summary table')
    .action(async (f: RunFlags) => {
      const matrix = matrixFromFlags(f);
      if (process.getuid?.() !== 0) {
        throw new FailError('fusebench run mounts FUSE filesystems with mount(2) and registers passthrough backing files, which needs root: run it as root');
      }
      const outDir = resolve(f.out ?? join('out', `${stamp()}-${release()}`));
      const backing = resolve(f.backing ?? join(packageRoot(), '.fusebench', 'backing'));
      const stopSignal = { stop: false };
      const onSigint = (): void => {
        if (stopSignal.stop) {
          process.stderr.write('\nfusebench: second Ctrl-C: stopping now (mounts are removed on exit)\n');
          process.exit(130);
        }
        stopSignal.stop = true;
        process.stderr.write('\nfusebench: Ctrl-C: finishing the current cell, then writing what finished (Ctrl-C again to abort)\n');
      };
      process.on('SIGINT', onSigint);
      try {
        const hooks = await runHooks();
        const { results, path } = await withEnableUring(f.enableUring === true, () =>
          runMatrix({
            matrix,
            outDir,
            backing,
            stopSignal,
            ...(f.probes !== false && hooks.probes ? { probes: hooks.probes } : {}),
            ...(hooks.extraEnv ? { extraEnv: hooks.extraEnv } : {}),
          }),
        );
        if (f.report !== false && hooks.report) await hooks.report(path, outDir);
        if (f.json) process.stdout.write(JSON.stringify(results) + '\n');
        else process.stdout.write(summaryTable(results.cells));
        process.stderr.write(`fusebench: results ${path}${f.report !== false && hooks.report ? `, report ${join(outDir, 'index.html')}` : ''}${results.interrupted ? ' (interrupted: partial)' : ''}\n`);
        if (results.interrupted) process.exitCode = 130;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
}
