// `fusebench mount`: serve in the foreground (for fio or a shell) until Ctrl-C; stats on exit.
import type { Command } from 'commander';
import { startServer } from '../../server/process.js';
import { formatStatsTable } from '../../server/format-stats.js';
import { BACKENDS, parseFopenList, parseInitList, parseModeSpec, type Backend } from '../../modes.js';
import { requireBackingDir, requireMountpoint } from '../dirs.js';
import { UsageError } from '../errors.js';
import { parseDelaySpec, parsePositiveInt } from '../parse.js';
import { SERVER_THREADS_DEFAULT, SERVER_THREADS_MAX } from '../../server/threads.js';
import { TRANSPORTS, type ServerOptions, type Transport, type TransportInfo } from '../../server/types.js';
import { withEnableUring } from '../../env/enable-uring.js';

interface MountOpts {
  mode: string;
  fopen?: string;
  init?: string;
  delay?: string;
  backend: string;
  backing: string;
  threads?: string;
  getxattr?: string;
  transport: string;
  uringDepth?: string;
  enableUring?: boolean;
  json?: boolean;
}

export function registerMount(program: Command): void {
  program
    .command('mount')
    .summary('serve a mount in the foreground (for fio, fstests or a shell)')
    .description(
      'Mount fusebench-server over a backing directory and serve in the foreground until Ctrl-C ' +
        '(for fio, fstests or a shell). Prints the server stats on exit; always unmounts. Both directories must ' +
        'exist (nothing is created) and the mountpoint must be empty and outside the backing directory; otherwise ' +
        'it exits 2 before starting anything, as it does for an unknown opcode in --delay.',
    )
    .argument('<mountpoint>', 'an existing empty directory to mount on')
    .requiredOption('--backing <dir>', 'an existing directory the filesystem passes through to')
    .option('--mode <mode>', 'cached | direct | parallel | passthrough | passthrough-direct | passthrough-parallel, optionally +allow-mmap/+async-dio/+writeback', 'parallel')
    .option('--fopen <flags>', 'raw FOPEN flags replied to every open instead of a mode, e.g. DIRECT_IO,KEEP_CACHE')
    .option('--init <opts>', 'INIT options: allow-mmap,async-dio,writeback (added to those in --mode)')
    .option('--delay <spec>', 'hold requests per opcode, e.g. write=1ms,read=200us (kernel opcode names; units ns|us|ms|s, a bare number is ns)', '')
    .option('--backend <kind>', 'disk (real I/O on the backing files) | null (writes dropped, reads return zeros)', 'disk')
    .option(
      '--threads <n>',
      `most server threads, 1..${SERVER_THREADS_MAX}: the pool starts at 2 and grows whenever a request finds every thread busy, so a high ceiling costs nothing until a load needs it; ` +
        `every request in flight holds one, and the stats warn (server-bound) when all were busy (default ${SERVER_THREADS_DEFAULT})`,
    )
    .option('--getxattr <answer>', 'enosys (kernel stops asking before each write) | enodata (like libfuse passthrough_hp)')
    .option('--transport <t>', 'dev (read/writev on /dev/fuse) | uring (FUSE over io_uring when the kernel offers it at INIT; else /dev/fuse and the reason is printed)', 'dev')
    .option('--uring-depth <n>', 'with --transport uring: ring entries (server threads) per CPU queue (default 16)')
    .option('--enable-uring', 'set /sys/module/fuse/parameters/enable_uring=Y while mounted and put the old value back afterwards (also on Ctrl-C)')
    .option('--json', 'print the final stats as one JSON document on stdout')
    .action(async (mountpoint: string, o: MountOpts) => {
      let spec;
      let extraInit;
      let fopen;
      try {
        spec = parseModeSpec(o.mode);
        extraInit = parseInitList(o.init ?? '');
        fopen = o.fopen !== undefined ? parseFopenList(o.fopen) : spec.fopen;
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      for (const i of extraInit) if (!spec.init.includes(i)) spec.init.push(i);
      if (!(BACKENDS as readonly string[]).includes(o.backend)) throw new UsageError(`--backend must be one of ${BACKENDS.join(', ')}`);
      if (o.getxattr && o.getxattr !== 'enosys' && o.getxattr !== 'enodata') throw new UsageError('--getxattr must be enosys or enodata');
      const delay = parseDelaySpec(o.delay ?? '');
      const threads = o.threads === undefined ? undefined : parsePositiveInt(o.threads, '--threads');
      if (threads !== undefined && threads > SERVER_THREADS_MAX) throw new UsageError(`--threads ${threads} is more than the server's ${SERVER_THREADS_MAX}`);
      if (!(TRANSPORTS as readonly string[]).includes(o.transport)) throw new UsageError(`--transport must be one of ${TRANSPORTS.join(', ')}`);
      const backing = requireBackingDir(o.backing);
      const opts: ServerOptions = {
        backing,
        mountpoint: requireMountpoint(mountpoint, backing),
        mode: o.fopen !== undefined ? null : spec.mode,
        fopen,
        init: spec.init,
        delay,
        backend: o.backend as Backend,
        ...(threads !== undefined ? { threads } : {}),
        ...(o.getxattr ? { getxattr: o.getxattr as 'enosys' | 'enodata' } : {}),
        transport: o.transport as Transport,
        ...(o.uringDepth !== undefined ? { uringDepth: parsePositiveInt(o.uringDepth, '--uring-depth') } : {}),
        stderr: 'inherit',
      };
      await withEnableUring(o.enableUring === true, () => serveForeground(opts, o.json === true));
    });
}

function transportLine(t: TransportInfo | undefined): string {
  if (!t || t.requested === 'dev') return '/dev/fuse';
  return t.active ? `io_uring (${t.queues ?? '?'} queues × ${t.depth ?? '?'} entries)` : `/dev/fuse: io_uring unavailable: ${t.reason ?? ''}`;
}

async function serveForeground(opts: ServerOptions, json: boolean): Promise<void> {
  const server = await startServer(opts);
  const r = server.ready;
  process.stderr.write(
    `fusebench: serving ${r.backing} on ${r.mountpoint} (pid ${r.pid}, fopen ${r.fopen.join('|') || 'none'}, ` +
      `backend ${r.backend}, INIT ${r.init.negotiated.join(',')})\n` +
      `fusebench: passthrough ${r.passthrough.usable ? 'usable' : `unusable: ${r.passthrough.reason ?? ''}`}\n` +
      `fusebench: transport ${transportLine(r.transport)}\n` +
      `fusebench: live stats: fusebench stats ${r.mountpoint}; Ctrl-C to unmount\n`,
  );
  const stop = (): void => {
    void server.stop();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const exit = await server.waitExit();
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (json) {
    process.stdout.write(JSON.stringify({ exit: exit.reason, stats: exit.stats }) + '\n');
  } else {
    process.stderr.write(`fusebench: unmounted ${r.mountpoint} (${exit.reason})\n`);
    if (exit.stats) process.stdout.write(formatStatsTable(exit.stats));
  }
  if (exit.reason === 'crashed') process.exitCode = 1;
}
