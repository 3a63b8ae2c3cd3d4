// `fusebench micro`: tinybench per-call costs (stat, open, getattr after expiry, readdir, pread hot and
// cold, mmap first touch) per server kind and mode, against the native floor.
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MODES, parseModeSpec } from '../../modes.js';
import { parseResults } from '../../results/schema.js';
import { microTable } from '../../micro/format.js';
import { FULL, QUICK, runMicro, type MicroPreset } from '../../micro/run.js';
import { FailError, UsageError } from '../errors.js';
import { parseDurationMs, parseList } from '../parse.js';
import { withCtrlC } from '../interrupt.js';

interface MicroFlags {
  quick?: boolean;
  json?: boolean;
  servers?: string;
  modes?: string;
  out?: string;
  time?: string;
}

const SERVERS = ['c', 'fuse-native'] as const;
type MicroServerKind = (typeof SERVERS)[number];

function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

export function microOptionsFromFlags(f: MicroFlags): { servers: MicroServerKind[]; modes: string[]; preset: MicroPreset } {
  const servers = f.servers ? parseList(f.servers) : [...SERVERS];
  for (const s of servers) {
    if (!(SERVERS as readonly string[]).includes(s)) throw new UsageError(`--servers: "${s}" is not one of ${SERVERS.join(', ')}`);
  }
  const modes = f.modes ? parseList(f.modes) : f.quick ? ['cached', 'direct'] : [...MODES];
  if (modes.length === 0) throw new UsageError('--modes: give at least one mode');
  for (const m of modes) {
    try {
      parseModeSpec(m);
    } catch (e) {
      throw new UsageError(`--modes: ${(e as Error).message}`);
    }
  }
  let preset = f.quick ? QUICK : FULL;
  if (f.time) preset = { ...preset, timeMs: parseDurationMs(f.time, '--time') };
  return { servers: [...new Set(servers)] as MicroServerKind[], modes: [...new Set(modes)], preset };
}

export function registerMicro(program: Command): void {
  program
    .command('micro')
    .summary('tinybench per-call costs: stat, open, readdir, pread, mmap')
    .description(
      'Time single calls with tinybench on the backing directory itself (the native floor) and through each server kind ' +
        '(c = fusebench-server, fuse-native = the same passthrough in JavaScript over libfuse 2) in each mode: stat with ' +
        'cached attributes, open+close, stat on a mount with zero attribute/entry timeouts (every call reaches the server), ' +
        'readdir of 1000 entries, 4 KiB pread hot (file kept open) and cold (file reopened before each sample, untimed, which ' +
        'drops the FUSE page cache; the backing file stays cached), and mmap + first touch. Reports mean, p50, p99, sd, rme ' +
        'and samples per cell and the p50 ratio to the native floor; writes DIR/results.json (`micro` entries). Combinations ' +
        'a server cannot run are listed as unsupported with the reason.',
    )
    .option('--quick', 'short samples, modes cached,direct only (under a minute)')
    .option('--json', 'print results.json on stdout instead of the table (progress goes to stderr)')
    .option('--servers <list>', 'comma list of server kinds: c, fuse-native (default both)')
    .option('--modes <list>', `comma list of modes (default: all of ${MODES.join(', ')}; --quick: cached,direct)`)
    .option('--time <duration>', 'minimum timed time per task and target, e.g. 200ms (default 500ms, --quick 100ms)')
    .option('--out <dir>', 'output directory (default: out/micro-<timestamp>)')
    .action(async (f: MicroFlags) => {
      const { servers, modes, preset } = microOptionsFromFlags(f);
      const outDir = resolve(f.out ?? join('out', `micro-${stamp()}`));
      await withCtrlC('stopping after the current task, then writing what finished', async (stop) => {
        const results = await runMicro({ preset, quick: f.quick === true, servers, modes, signal: stop.signal });
        // What we write must be what the report reads back.
        parseResults(results, 'micro results');
        mkdirSync(outDir, { recursive: true });
        const path = join(outDir, 'results.json');
        writeFileSync(path, JSON.stringify(results, null, 2) + '\n');
        if (f.json) process.stdout.write(JSON.stringify(results) + '\n');
        else process.stdout.write(microTable(results.micro ?? [], (results.config?.['tasks'] ?? {}) as Record<string, string>));
        process.stderr.write(`fusebench: results ${path}${results.interrupted ? ' (interrupted: partial)' : ''}\n`);
        const failed = (results.micro ?? []).filter((e) => e.status === 'error');
        if (results.interrupted) process.exitCode = 130;
        else if (failed.length > 0) {
          const kinds = [...new Set(failed.map((e) => `${e.server}/${e.mode}: ${e.reason ?? 'error'}`))];
          throw new FailError(`${failed.length} micro cells failed (results written to ${path}):\n  ${kinds.slice(0, 5).join('\n  ')}`);
        }
      });
    });
}
