// The fuse-native server process: the passthrough filesystem served from JavaScript through libfuse 2.
// Same outside contract as fusebench-server: a JSON `ready` line on stdout once the mount is live, a
// JSON `exit` line (with final stats) when it stops, a control socket for stats. It must never touch
// its own mount synchronously: every request is answered on this thread's event loop.
//
//   node server-main.js --backing DIR --mountpoint DIR [--mode cached|direct] [--control SOCK]
//        [--delay write=200us] [--attr-timeout S] [--entry-timeout S] [--no-auto-unmount] [--die-with-parent]
//   node server-main.js --check      (prints whether fuse-native and libfuse 2 load; exit 0 or 3)
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { delimiter, join, resolve } from 'node:path';
import type { Server } from 'node:net';
import { parseArgs, type FuseNativeArgs } from './args.js';
import { loadFuseNative, withExtraOptions, type FuseInstance } from './binding.js';
import { serveControl, type ControlReply } from './control-server.js';
import { parseDelays } from './delay.js';
import { Passthrough } from './passthrough.js';
import { connectionOf, loadedLibfuseVersion, stillMounted } from './procinfo.js';
import { ServerCounters } from './stats.js';

const EXIT_UNSUPPORTED = 3;
const MOUNT_POLL_MS = 500;

function line(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

function onPath(name: string): string | null {
  for (const dir of ['/usr/bin', '/bin', ...(process.env['PATH'] ?? '').split(delimiter)]) {
    if (dir === '') continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

function fuseNativeVersion(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const pkg = JSON.parse(readFileSync(require.resolve('fuse-native/package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? null;
  } catch {
    return null;
  }
}

function run(cmd: string, args: string[]): Promise<boolean> {
  return new Promise((res) => execFile(cmd, args, { timeout: 10_000 }, (e) => res(!e)));
}

function check(): never {
  const lib = loadFuseNative();
  const out: Record<string, unknown> = {
    event: 'check',
    ok: lib.ok,
    reason: lib.ok ? null : lib.reason,
    fuseNative: fuseNativeVersion(),
    libfuse: lib.ok ? loadedLibfuseVersion() : null,
    fusermount: onPath('fusermount'),
    devFuse: (() => {
      try {
        accessSync('/dev/fuse', constants.R_OK | constants.W_OK);
        return true;
      } catch {
        return false;
      }
    })(),
  };
  if (lib.ok && !out['devFuse']) {
    out['ok'] = false;
    out['reason'] = '/dev/fuse is missing or not accessible (load the fuse module, or run with access to /dev/fuse)';
  }
  line(out);
  process.exit(out['ok'] ? 0 : EXIT_UNSUPPORTED);
}

async function serve(a: FuseNativeArgs): Promise<void> {
  const mountpoint = resolve(a.mountpoint);
  const backing = resolve(a.backing);
  // The kernel has already applied the caller's umask to create/mkdir modes.
  process.umask(0);

  const lib = loadFuseNative();
  if (!lib.ok) {
    line({ event: 'error', reason: lib.reason, unsupported: true });
    process.stderr.write(`fusebench fuse-native server: ${lib.reason}\n`);
    process.exit(EXIT_UNSUPPORTED);
  }

  let delays = parseDelays(a.delay);
  const counters = new ServerCounters();
  const fs = new Passthrough({ backing, counters, delays: () => delays });

  // big_writes: without it libfuse 2 caps every WRITE at 4 KiB, which measures the option, not JavaScript.
  const options = ['big_writes'];
  if (a.mode === 'direct') options.push('direct_io');
  if (a.attrTimeout !== undefined) options.push(`attr_timeout=${a.attrTimeout}`);
  if (a.entryTimeout !== undefined) options.push(`entry_timeout=${a.entryTimeout}`);
  // auto_unmount makes fusermount stay behind and unmount once our /dev/fuse fd closes, so even a
  // SIGKILLed server together with its parent leaves nothing mounted.
  const fusermount = onPath('fusermount');
  if (a.autoUnmount && fusermount) options.push('auto_unmount');
  const Fuse = withExtraOptions(lib.Fuse, options);
  // No per-request timeout: every handler replies, and injected delays may be long on purpose.
  const fuse: FuseInstance = new Fuse(mountpoint, fs.ops(), { fsname: 'fusebench-fuse-native', subtype: 'fusebench', timeout: false });

  try {
    await new Promise<void>((res, rej) => fuse.mount((e) => (e ? rej(e) : res())));
  } catch (e) {
    const reason = `mount of ${mountpoint} failed: ${(e as Error).message}${fusermount || process.getuid?.() === 0 ? '' : ' (not root and no fusermount: install fuse3)'}`;
    line({ event: 'error', reason });
    process.stderr.write(`fusebench fuse-native server: ${reason}\n`);
    process.exit(1);
  }

  let control: Server | null = null;
  let stopping = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    control?.close();
    if (a.control) rmSync(a.control, { force: true });
    const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    if (stillMounted(mountpoint, info)) {
      // Lazy: files still open on the mount must not keep it (or us) alive.
      if (!(fusermount && (await run(fusermount, ['-uz', mountpoint])))) await run('umount', ['-l', mountpoint]);
    }
    fs.closeAll();
    line({ event: 'exit', reason, stats: counters.stats() });
    process.exit(0);
  };

  if (a.control) {
    control = await serveControl(a.control, (cmd): ControlReply => {
      switch (cmd['cmd']) {
        case 'stats':
          return counters.stats() as unknown as ControlReply;
        case 'window':
          return counters.window() as unknown as ControlReply;
        case 'reset':
          counters.reset();
          return { ok: true };
        case 'delay': {
          const spec = typeof cmd['delay'] === 'string' ? cmd['delay'] : '';
          delays = parseDelays(spec);
          return { ok: true, delays };
        }
        case 'policy':
          return { ok: false, error: 'the fuse-native server cannot change its open flags: libfuse 2 sets direct_io once, as a mount option' };
        default:
          return { ok: false, error: `unknown command ${JSON.stringify(cmd['cmd'])} (fuse-native server knows stats, window, reset, delay)` };
      }
    });
  }

  const connection = connectionOf(mountpoint);
  line({
    event: 'ready',
    kind: 'fuse-native',
    pid: process.pid,
    mountpoint,
    backing,
    connection,
    control: a.control,
    mode: a.mode,
    fopen: a.mode === 'direct' ? ['DIRECT_IO'] : [],
    backend: 'disk',
    delays,
    library: { fuseNative: fuseNativeVersion(), libfuse: loadedLibfuseVersion(), api: 'libfuse 2 high-level (path-based)' },
    mountOptions: options,
  });

  process.on('SIGTERM', () => void shutdown('signal'));
  process.on('SIGHUP', () => void shutdown('signal'));
  // Started by fusebench, Ctrl-C in the terminal is the parent's to handle: it stops us when it wants.
  process.on('SIGINT', () => {
    if (!a.dieWithParent) void shutdown('signal');
  });
  if (a.dieWithParent) {
    // Our stdin is a pipe from the parent: EOF means the parent is gone.
    process.stdin.on('data', () => {});
    process.stdin.on('end', () => void shutdown('parent-exit'));
    process.stdin.on('close', () => void shutdown('parent-exit'));
    process.stdin.on('error', () => void shutdown('parent-exit'));
    process.stdin.resume();
  }
  // Someone else unmounted us (umount, fusermount -u): stop too.
  const poll = setInterval(() => {
    void readFile('/proc/self/mountinfo', 'utf8').then((info) => {
      if (!stopping && !stillMounted(mountpoint, info)) {
        clearInterval(poll);
        void shutdown('unmounted');
      }
    });
  }, MOUNT_POLL_MS);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--check')) check();
  let a: FuseNativeArgs;
  try {
    a = parseArgs(argv);
    parseDelays(a.delay);
  } catch (e) {
    process.stderr.write(`fusebench fuse-native server: ${(e as Error).message}\n`);
    process.exit(2);
  }
  await serve(a);
}

void main().catch((e: unknown) => {
  const reason = e instanceof Error ? e.message : String(e);
  line({ event: 'error', reason });
  process.stderr.write(`fusebench fuse-native server: ${e instanceof Error ? (e.stack ?? reason) : reason}\n`);
  process.exit(1);
});
