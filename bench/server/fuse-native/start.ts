// Starting and stopping the fuse-native server process with the C server's guarantees: resolve only
// once the mount is live, always unmount (also when the server is killed), and have the child go away
// with its parent (stdin EOF, plus fusermount's auto_unmount when available).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FailError } from '../../cli/errors.js';
import { ControlClient } from '../control.js';
import { controlPathFor } from '../control-path.js';
import type { MountedServer } from '../mounted.js';
import { abortConnection, forceUnmount, isMounted } from '../mounts.js';
import { track, untrack } from '../registry.js';
import type { ServerStats, WindowStats } from '../types.js';
import { buildArgs, type FuseNativeMode } from './args.js';
import { serverMainPath } from './support.js';

const STOP_GRACE_MS = 5000;

export interface FuseNativeOptions {
  backing: string;
  mountpoint: string;
  mode: FuseNativeMode;
  /** `write=200us,read=1ms`; empty or undefined for none. */
  delay?: string;
  /** Seconds (libfuse 2 `attr_timeout` / `entry_timeout`); undefined keeps libfuse's 1 s. */
  attrTimeout?: number;
  entryTimeout?: number;
  readyTimeoutMs?: number;
}

export interface FuseNativeReady {
  event: 'ready';
  kind: 'fuse-native';
  pid: number;
  mountpoint: string;
  backing: string;
  connection: number | null;
  control: string | null;
  mode: FuseNativeMode;
  fopen: string[];
  backend: string;
  delays: Record<string, number>;
  library: { fuseNative: string | null; libfuse: string | null; api: string };
  mountOptions: string[];
}

export interface FuseNativeExit {
  reason: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stats: ServerStats | null;
  forcedCleanup: boolean;
}

/** The server could not run here (fuse-native or libfuse 2 missing): report the cell unsupported. */
export class FuseNativeUnsupportedError extends FailError {}

export class FuseNativeServer implements MountedServer {
  readonly kind = 'fuse-native' as const;
  readonly control: ControlClient;
  private exited = false;
  private readonly exitInfo: Promise<Omit<FuseNativeExit, 'forcedCleanup'>>;
  private stopping: Promise<FuseNativeExit> | null = null;

  constructor(
    readonly ready: FuseNativeReady,
    private readonly child: ChildProcess,
    exitLine: Promise<{ reason: string; stats: ServerStats | null } | null>,
    private readonly stderrTail: () => string,
    private readonly controlPath: string,
  ) {
    this.control = new ControlClient(ready.control ?? controlPath);
    this.exitInfo = new Promise((res) => {
      const done = (code: number | null, signal: NodeJS.Signals | null): void => {
        this.exited = true;
        void exitLine.then((l) => res({ reason: l?.reason ?? 'crashed', code, signal, stats: l?.stats ?? null }));
      };
      if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode);
      else child.once('exit', done);
    });
  }

  get pid(): number {
    return this.ready.pid;
  }
  get mountpoint(): string {
    return this.ready.mountpoint;
  }
  get running(): boolean {
    return !this.exited;
  }
  stderr(): string {
    return this.stderrTail();
  }

  stats(): Promise<ServerStats> {
    return this.control.request({ cmd: 'stats' }) as Promise<unknown> as Promise<ServerStats>;
  }
  window(): Promise<WindowStats> {
    return this.control.request({ cmd: 'window' }) as Promise<unknown> as Promise<WindowStats>;
  }
  async reset(): Promise<void> {
    await this.control.request({ cmd: 'reset' });
  }
  async setDelay(delay: string): Promise<void> {
    await this.control.request({ cmd: 'delay', delay: delay === '' ? 'none' : delay });
  }

  /** Resolves once the process has exited and the mount is gone. */
  async waitExit(): Promise<FuseNativeExit> {
    const e = await this.exitInfo;
    this.control.close();
    const forced = forceUnmount(this.ready.mountpoint, this.ready.connection);
    untrack(this.ready.pid);
    rmSync(this.controlPath, { force: true });
    return { ...e, forcedCleanup: forced };
  }

  /**
   * SIGTERM (the server unmounts and prints its stats); if it does not exit in time the connection is
   * aborted (unblocks requests stuck in the kernel), then SIGKILL. Always unmounts.
   */
  stop(): Promise<FuseNativeExit> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (!this.exited) {
        this.child.kill('SIGTERM');
        if (!(await settlesWithin(this.exitInfo, STOP_GRACE_MS))) {
          if (this.ready.connection !== null) abortConnection(this.ready.connection);
          if (!(await settlesWithin(this.exitInfo, 2000))) this.child.kill('SIGKILL');
        }
      }
      return this.waitExit();
    })();
    return this.stopping;
  }

  /** Kills the server without letting it unmount (fault-injection tests). */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    this.child.kill(signal);
  }
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const ok = await Promise.race([p.then(() => true as const), t]);
  clearTimeout(timer);
  return ok;
}

/** Starts the JavaScript server and resolves once the mount is live. */
export async function startFuseNativeServer(opts: FuseNativeOptions): Promise<FuseNativeServer> {
  const main = serverMainPath();
  if (!existsSync(main)) throw new FailError(`${main} is missing: run \`npm install\` (or \`npx tsc -p .\`) first`);
  const mountpoint = resolve(opts.mountpoint);
  const backing = resolve(opts.backing);
  if (isMounted(mountpoint)) throw new FailError(`${mountpoint} is already a mount point; pick an empty directory`);
  mkdirSync(mountpoint, { recursive: true });
  mkdirSync(backing, { recursive: true });
  const control = controlPathFor(mountpoint, true);
  rmSync(control, { force: true });

  const args = buildArgs({
    backing,
    mountpoint,
    mode: opts.mode,
    control,
    delay: opts.delay ?? '',
    ...(opts.attrTimeout !== undefined ? { attrTimeout: opts.attrTimeout } : {}),
    ...(opts.entryTimeout !== undefined ? { entryTimeout: opts.entryTimeout } : {}),
    autoUnmount: true,
    dieWithParent: true,
  });
  // stdin stays an open pipe: the child treats its EOF as "parent gone".
  const child = spawn(process.execPath, [main, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin?.on('error', () => {
    /* the child is gone; exit handling reports it */
  });
  let tail = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => {
    tail = (tail + d).slice(-8192);
  });
  const lines = createInterface({ input: child.stdout! });
  let resolveExit!: (v: { reason: string; stats: ServerStats | null } | null) => void;
  const exitLine = new Promise<{ reason: string; stats: ServerStats | null } | null>((r) => (resolveExit = r));
  lines.on('close', () => resolveExit(null));

  const timeoutMs = opts.readyTimeoutMs ?? 15_000;
  const ready = await new Promise<FuseNativeReady>((res, rej) => {
    let reported: FailError | null = null;
    const timer = setTimeout(() => {
      rej(new FailError(`the fuse-native server did not become ready within ${timeoutMs} ms\n${tail}`));
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new FailError(`cannot start the fuse-native server: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      setTimeout(() => {
        rej(
          reported ??
            new FailError(`the fuse-native server exited before the mount was ready (${signal ?? `exit ${code}`}):\n${tail.trim() || '(no message)'}`),
        );
      }, 50);
    });
    lines.on('line', (text) => {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (msg['event'] === 'ready') {
        clearTimeout(timer);
        res(msg as unknown as FuseNativeReady);
      } else if (msg['event'] === 'error') {
        const reason = String(msg['reason'] ?? 'unknown error');
        reported = msg['unsupported'] === true ? new FuseNativeUnsupportedError(reason) : new FailError(`fuse-native server: ${reason}`);
      } else if (msg['event'] === 'exit') {
        resolveExit({ reason: String(msg['reason'] ?? 'unknown'), stats: (msg['stats'] as ServerStats) ?? null });
      }
    });
  }).catch((e: unknown) => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    forceUnmount(mountpoint, null);
    rmSync(control, { force: true });
    throw e;
  });

  track({ pid: ready.pid, mountpoint, connection: ready.connection });
  const handle = new FuseNativeServer(ready, child, exitLine, () => tail, control);
  if (!isMounted(mountpoint)) {
    await handle.stop();
    throw new FailError(`the fuse-native server reported ready but ${mountpoint} is not in /proc/mounts`);
  }
  return handle;
}

/** Runs `fn` with a live fuse-native server and stops it afterwards, whatever happens. */
export async function withFuseNativeServer<T>(opts: FuseNativeOptions, fn: (s: FuseNativeServer) => Promise<T>): Promise<T> {
  const s = await startFuseNativeServer(opts);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}
