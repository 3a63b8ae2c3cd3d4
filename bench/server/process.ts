// Starting and stopping one fusebench-server: wait until the mount is live, always unmount.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { serverBinary } from '../paths.js';
import { FailError } from '../cli/errors.js';
import { serverArgs } from './args.js';
import { ControlClient } from './control.js';
import { controlPathFor } from './control-path.js';
import { abortConnection, forceUnmount, isMounted } from './mounts.js';
import { track, untrack } from './registry.js';
import type { ExitInfo, ReadyInfo, ServerOptions, ServerStats, WindowStats } from './types.js';
import type { FopenFlag, Mode } from '../modes.js';
import type { MountedServer } from './mounted.js';

const STOP_GRACE_MS = 5000;

export class ServerHandle implements MountedServer {
  readonly kind = 'c' as const;
  readonly control: ControlClient;
  private exitInfo: Promise<ExitInfo>;
  private exited = false;
  private stopping: Promise<ExitInfo> | null = null;

  constructor(
    readonly ready: ReadyInfo,
    private readonly child: ChildProcess,
    exitLine: Promise<{ reason: string; stats: ServerStats | null } | null>,
    private readonly stderrTail: () => string,
    private readonly controlPath: string,
  ) {
    this.control = new ControlClient(ready.control ?? controlPath);
    this.exitInfo = new Promise<ExitInfo>((res) => {
      child.once('exit', (code, signal) => {
        this.exited = true;
        void exitLine.then((line) => {
          res({
            reason: line?.reason ?? 'crashed',
            code,
            signal,
            stats: line?.stats ?? null,
            forcedCleanup: false,
          });
        });
      });
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
  async setPolicy(p: { mode?: Mode; fopen?: FopenFlag[]; backingPerOpen?: boolean }): Promise<void> {
    const cmd: Record<string, string | boolean | string[]> = { cmd: 'policy' };
    if (p.mode) cmd['mode'] = p.mode;
    if (p.fopen) cmd['fopen'] = p.fopen;
    if (p.backingPerOpen !== undefined) cmd['backingPerOpen'] = p.backingPerOpen;
    await this.control.request(cmd);
  }
  async setDelay(delay: string): Promise<void> {
    await this.control.request({ cmd: 'delay', delay: delay === '' ? 'none' : delay });
  }

  /** Resolves when the server process has exited (on its own or because of stop()). */
  waitExit(): Promise<ExitInfo> {
    return this.exitInfo.then((e) => this.afterExit(e));
  }

  private afterExit(e: ExitInfo): ExitInfo {
    this.control.close();
    const forced = forceUnmount(this.ready.mountpoint, this.ready.connection);
    untrack(this.ready.pid);
    rmSync(this.controlPath, { force: true });
    return { ...e, forcedCleanup: e.forcedCleanup || forced };
  }

  /**
   * SIGTERM (the server unmounts itself and prints its stats); if it does not exit in time the
   * connection is aborted (unblocks anything stuck in D state), then SIGKILL. Always unmounts.
   */
  stop(): Promise<ExitInfo> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (!this.exited) {
        this.child.kill('SIGTERM');
        if (!(await raceTimeout(this.exitInfo, STOP_GRACE_MS))) {
          abortConnection(this.ready.connection);
          if (!(await raceTimeout(this.exitInfo, 2000))) this.child.kill('SIGKILL');
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

async function raceTimeout<T>(p: Promise<T>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const ok = await Promise.race([p.then(() => true as const), t]);
  clearTimeout(timer);
  return ok;
}

/** Starts a server and resolves once INIT is done and the mount is live. */
export async function startServer(opts: ServerOptions): Promise<ServerHandle> {
  const bin = serverBinary(opts.asan ?? false);
  if (!existsSync(bin)) {
    throw new FailError(
      `server binary ${bin} is missing: run \`npm install\` (or \`npm run build${opts.asan ? ':asan' : ''}\`) first`,
    );
  }
  const mountpoint = resolve(opts.mountpoint);
  const backing = resolve(opts.backing);
  if (isMounted(mountpoint)) {
    throw new FailError(`${mountpoint} is already a mount point; pick an empty directory`);
  }
  mkdirSync(mountpoint, { recursive: true });
  mkdirSync(backing, { recursive: true });
  const control = controlPathFor(mountpoint, true);
  // A server that crashed earlier may have left its socket behind.
  rmSync(control, { force: true });
  const child = spawn(bin, serverArgs({ ...opts, mountpoint, backing }, control), {
    stdio: ['ignore', 'pipe', opts.stderr === 'inherit' ? 'inherit' : 'pipe'],
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

  const ready = await new Promise<ReadyInfo>((res, rej) => {
    const timer = setTimeout(() => {
      rej(new FailError(`fusebench-server did not become ready within ${opts.readyTimeoutMs ?? 15000} ms\n${tail}`));
      child.kill('SIGKILL');
    }, opts.readyTimeoutMs ?? 15000);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(new FailError(`cannot start ${bin}: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      // Give the stderr pipe a moment to drain so the message is complete.
      setTimeout(() => {
        rej(
          new FailError(
            `fusebench-server exited before the mount was ready (${signal ?? `exit ${code}`}):\n${tail.trim() || '(no message)'}`,
          ),
        );
      }, 50);
    });
    lines.on('line', (line) => {
      let msg: { event?: string } & Record<string, unknown>;
      try {
        msg = JSON.parse(line) as typeof msg;
      } catch {
        return;
      }
      if (msg.event === 'ready') {
        clearTimeout(timer);
        res(msg as unknown as ReadyInfo);
      } else if (msg.event === 'exit') {
        resolveExit({ reason: String(msg['reason'] ?? 'unknown'), stats: (msg['stats'] as ServerStats) ?? null });
      }
    });
  }).catch((e: unknown) => {
    forceUnmount(mountpoint, null);
    rmSync(control, { force: true });
    throw e;
  });

  track({ pid: ready.pid, mountpoint, connection: ready.connection });
  const handle = new ServerHandle(ready, child, exitLine, () => tail, control);
  if (!isMounted(mountpoint)) {
    await handle.stop();
    throw new FailError(`fusebench-server reported ready but ${mountpoint} is not in /proc/mounts`);
  }
  return handle;
}

/** Runs `fn` with a live server and stops it afterwards, whatever happens. */
export async function withServer<T>(opts: ServerOptions, fn: (s: ServerHandle) => Promise<T>): Promise<T> {
  const s = await startServer(opts);
  try {
    return await fn(s);
  } finally {
    await s.stop();
  }
}
