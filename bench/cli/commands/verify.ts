// `fusebench verify`: a seeded randomized data-integrity exerciser, every mode on a fresh mount.
import type { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { MODES, parseModeSpec } from '../../modes.js';
import { runVerify } from '../../verify/run.js';
import { formatFailure } from '../../verify/log.js';
import { verifyTable } from '../../verify/table.js';
import { FailError, UsageError } from '../errors.js';
import { parseList, parseModeList, parsePositiveInt, parseServerList } from '../parse.js';
import { withCtrlC } from '../interrupt.js';

interface VerifyFlags {
  modes?: string;
  init?: string;
  ops: string;
  seed?: string;
  server: string;
  json?: boolean;
  corruptRead?: string;
}

function parseSeed(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--seed "${v}" must be an integer in 0..4294967295`);
  return n;
}

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .summary('randomized data-integrity check of every mode (reads compared with an in-memory model)')
    .description(
      "Run a seeded random sequence of operations on two files of a fresh mount of fusebench's server, in every mode, and " +
        'compare every read with an in-memory model of the files: buffered and O_DIRECT reads and writes, MAP_SHARED reads ' +
        'and writes (msync), truncate up and down, fallocate (allocate, keep size, punch hole, zero range), copy_file_range ' +
        'within and across files, and 2-4 concurrent writers on disjoint ranges. After the last operation the files are ' +
        'read back buffered, with O_DIRECT, through a fresh open and in the backing directory. Operations the mode rules out ' +
        '(MAP_SHARED of a DIRECT_IO file without allow-mmap is ENODEV) or the server kind lacks are skipped with the reason ' +
        'and counted as skipped. On a mismatch it prints the first bad offset, expected and read bytes, the last operations ' +
        'and the command that replays the same sequence, and exits 1. The same seed gives the same operations in the same mode.',
    )
    .option('--modes <list>', `comma list of modes (${MODES.join(', ')}), each optionally +allow-mmap/+async-dio/+writeback (default: all six)`)
    .option('--init <list>', 'INIT options added to every mode: allow-mmap,async-dio,writeback')
    .option('--ops <n>', 'operations per mode', '2000')
    .option('--seed <n>', 'seed of the operation sequence (default: a random one, printed)')
    .option('--server <list>', 'c (fusebench-server) and/or fuse-native (JavaScript, libfuse 2)', 'c')
    .option('--json', 'print one JSON document (every run, skips, failures) on stdout')
    .option('--corrupt-read <n>', 'self-test: the C server flips one byte of its Nth READ reply, which verify must report')
    .action(async (f: VerifyFlags) => {
      const modes = parseModeList(f.modes ? parseList(f.modes) : [...MODES], f.init);
      const specs = modes.map((m) => parseModeSpec(m));
      const servers = parseServerList(f.server);
      const ops = parsePositiveInt(f.ops, '--ops');
      const seed = f.seed !== undefined ? parseSeed(f.seed) : randomInt(0, 2 ** 32 - 1);
      const corruptRead = f.corruptRead !== undefined ? parsePositiveInt(f.corruptRead, '--corrupt-read') : undefined;
      if (corruptRead !== undefined && servers.some((s) => s !== 'c')) throw new UsageError('--corrupt-read is a switch of the C server: use it with --server c');
      if (process.getuid?.() !== 0) {
        throw new FailError('fusebench verify mounts FUSE filesystems with mount(2) and registers passthrough backing files, which needs root: run it as root');
      }
      process.stderr.write(`fusebench: verify, seed ${seed}, ${ops} ops per mode, ${specs.length * servers.length} run(s)\n`);
      await withCtrlC('stopping the current run and unmounting', async (stopSignal) => {
        const report = await runVerify({ specs, servers, ops, seed, stopSignal, ...(corruptRead !== undefined ? { corruptRead } : {}) });
        if (f.json) {
          process.stdout.write(JSON.stringify(report) + '\n');
          // People watching a --json run still see what failed.
          for (const r of report.runs) if (r.failure) process.stderr.write(formatFailure(`${r.server} ${r.mode}`, r.failure));
        } else {
          process.stdout.write(verifyTable(report));
        }
        if (stopSignal.stop) process.exitCode = 130;
        else if (!report.passed) process.exitCode = 1;
      });
    });
}
