// `fusebench sweep` (also `run --sweep`): the flag lattice — every open-flag combination, its lock path
// from counts, beside what the kernel's rules predict.
import type { Command } from 'commander';
import { join, resolve } from 'node:path';
import { release } from 'node:os';
import { collectHost } from '../../env/host.js';
import { fuseInfoFromReady } from '../../env/fuse-info.js';
import { readKernelOffer } from '../../env/kernel-offer.js';
import { settingsFromFlags, spaceFromFlags, type SweepFlags } from '../../lattice/options.js';
import { spaceSize, type LatticeSpace } from '../../lattice/space.js';
import { runSweep, type SweepSettings } from '../../lattice/sweep.js';
import { latticeTable } from '../../lattice/table.js';
import { writeResults } from '../../runner/output.js';
import type { Lattice } from '../../results/lattice-schema.js';
import type { ReadyInfo } from '../../server/types.js';
import { SCHEMA_VERSION, type Results } from '../../results/schema.js';
import { toolVersion } from '../../version.js';
import { FailError } from '../errors.js';
import { runHooks } from '../run-hooks.js';
import { withCtrlC } from '../interrupt.js';

interface SweepCommandFlags extends SweepFlags {
  out?: string;
  json?: boolean;
  report?: boolean;
}

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

/** Runs the sweep with progress on stderr; `run --sweep` uses it too. */
export async function sweepLattice(space: LatticeSpace, settings: SweepSettings, stopSignal: { stop: boolean }): Promise<{ lattice: Lattice; offer: ReadyInfo }> {
  const offer = await readKernelOffer();
  process.stderr.write(`fusebench: sweep of ${spaceSize(space)} combinations, ${space.init.length} mount(s), ${settings.batch} at once\n`);
  const lattice = await runSweep({ space, settings, offer, stopSignal, log: (l) => process.stderr.write(l + '\n') });
  return { lattice, offer };
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .summary('the flag lattice: every open-flag combination and the lock path of its writes')
    .description(
      'Sweep FOPEN sets replied to OPEN (every subset of DIRECT_IO, PARALLEL_DIRECT_WRITES, PASSTHROUGH, KEEP_CACHE, NOFLUSH) × ' +
        'INIT options (every subset of passthrough, async-dio, allow-mmap, writeback) × client open flags (direct = O_DIRECT, ' +
        'direct-append, direct-dsync, buffered) × write kind (overwrite inside EOF, extend past it) × engine (psync, libaio) × ' +
        'interferer (none, caching-open held, mmap-shared held). Each combination gets a fresh file and 2 writers; the server ' +
        'holds each WRITE (--delay) and counts WRITEs per inode, so hundreds of combinations run at once in one mount per INIT set. ' +
        'Verdicts come from counts: shared (> 1 WRITE in flight), exclusive, bypass (no WRITE reached the server), deferred ' +
        '(written back at close), refused:<errno> (open or mmap failed), error:<errno>, unsupported (the kernel did not offer ' +
        'what the cell needs at INIT). Every cell is checked against the kernel rules encoded in bench/lattice/predict.ts and ' +
        'marked UNEXPECTED where they disagree. Default: every FOPEN set × O_DIRECT overwrite/extend × psync, no interferer, ' +
        'INIT passthrough (64 cells); --full: all 24,576. Writes DIR/results.json (a `lattice` section) and DIR/index.html. ' +
        'Needs root. Exit status 0 (also with UNEXPECTED cells: they are results), 1 on failure, 2 on bad usage.',
    )
    .option('--full', 'the whole lattice (24,576 combinations, 16 mounts)')
    .option('--fopen <sets>', 'comma list of FOPEN sets, flags joined by |, e.g. "DIRECT_IO|PARALLEL_DIRECT_WRITES,none", or all')
    .option('--init <sets>', 'comma list of INIT sets, options joined by +, e.g. "passthrough+async-dio,none", or all')
    .option('--client <list>', 'direct, direct-append, direct-dsync, buffered, or all')
    .option('--write <list>', 'overwrite, extend, or all')
    .option('--engine <list>', 'psync, libaio, or all')
    .option('--interferer <list>', 'none, caching-open, mmap-shared, or all')
    .option('--delay <time>', 'how long the server holds each WRITE (default 50ms)')
    .option('--rounds <n>', 'writes per writer (default 2)')
    .option('--batch <n>', 'combinations run at once (default 384)')
    .option('--threads <n>', 'server worker threads, 16..1024 (default 1024)')
    .option('--out <dir>', 'output directory (default: out/sweep-<timestamp>-<kernel release>)')
    .option('--no-report', 'do not write index.html')
    .option('--json', 'print results.json (with its lattice section) on stdout instead of the table')
    .action(async (f: SweepCommandFlags) => {
      const space = spaceFromFlags(f);
      const settings = settingsFromFlags(f);
      if (process.getuid?.() !== 0) throw new FailError('fusebench sweep mounts FUSE filesystems with mount(2) and registers passthrough backing files, which needs root: run it as root');
      const outDir = resolve(f.out ?? join('out', `sweep-${stamp()}-${release()}`));
      await withCtrlC('finishing the current batch, then writing what finished', async (stopSignal) => {
        const startedAt = new Date().toISOString();
        const { lattice, offer } = await sweepLattice(space, settings, stopSignal);
        const results: Results = {
          schemaVersion: SCHEMA_VERSION,
          tool: { name: 'fusebench', version: toolVersion() },
          startedAt,
          finishedAt: new Date().toISOString(),
          interrupted: lattice.interrupted,
          loop: 'closed',
          host: collectHost(),
          fuse: fuseInfoFromReady(offer),
          cells: [],
          probes: [],
          lattice,
        };
        const path = writeResults(outDir, results);
        const hooks = await runHooks();
        if (f.report !== false && hooks.report) await hooks.report(path, outDir);
        if (f.json) process.stdout.write(JSON.stringify(results) + '\n');
        else process.stdout.write(latticeTable(lattice, { color: process.stdout.isTTY === true }));
        process.stderr.write(`fusebench: results ${path}${f.report !== false && hooks.report ? `, report ${join(outDir, 'index.html')}` : ''}\n`);
        if (lattice.interrupted) process.exitCode = 130;
      });
    });
}
