// One server process (the C server or the fuse-native one): spawn, wait for its JSON ready line, talk
// to its control socket, stop it, and always leave the mountpoint unmounted — also after a crash or a
// hang (the connection is aborted, then the mount lazily detached).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { FailError } from '../cli/errors.js';
import { ControlClient } from './control.js';
import { controlPathFor } from './control-path.js';
import { abortConnection, forceUnmount, isMounted } from './mounts.js';
import { track, untrack } from './registry.js';
import type { ServerStats, WindowStats } from './types.js';

const STOP_GRACE_MS = 5000;
const ABORT_GRACE_MS = 2000;
const STDERR_DRAIN_MS = 2000;

/** The fields every server's ready line has. */
export interface ChildReady {
  pid: number;
  mountpoint: string;
  connection: number | null;
  control: string | null;
}

export interface ChildExit {
  /** 'signal' | 'unmounted' | 'error' from the server's exit line, or 'crashed' when it died without one. */
  reason: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  stats: ServerStats | null;
  /** True when we had to abort the connection / lazily unmount after it. */
  forcedCleanup: boolean;
}

export interface LaunchSpec {
  /** Human name for messages ("fusebench-server"). */
  name: string;
  command: string;
  /** Arguments; `controlPath` is where the server must put its control socket. */
  args: (controlPath: string) => string[];
  mountpoint: string;
  backing: string;
  readyTimeoutMs?: number;
  stderr?: 'inherit' | 'capture';
  /** Keep stdin an open pipe: a child that treats its EOF as "parent gone" needs it. */
  stdinPipe?: boolean;
  /** Turns an `{"event":"error"}` line into the error startup fails with. */
  errorLine?: (msg: Record<string, unknown>) => Error;
}

type ExitLine = { reason: string; stats: ServerStats | null } | null;

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const ok = await Promise.race([p.then(() => true as const), t]);
  clearTimeout(timer);
  return ok;
}

export class ServerProcess<R extends ChildReady> {
  readonly control: ControlClient;
  private readonly exitInfo: Promise<Omit<ChildExit, 'forcedCleanup'>>;
  private exited = false;
  private stopping: Promise<ChildExit> | null = null;

  protected constructor(
    readonly ready: R,
    private readonly child: ChildProcess,
    exitLine: Promise<ExitLine>,
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
  async waitExit(): Promise<ChildExit> {
    const e = await this.exitInfo;
    this.control.close();
    const forced = forceUnmount(this.ready.mountpoint, this.ready.connection);
    untrack(this.ready.pid);
    rmSync(this.controlPath, { force: true });
    return { ...e, forcedCleanup: forced };
  }

  /**
   * SIGTERM (the server unmounts itself and prints its stats); if it does not exit in time the
   * connection is aborted (unblocks anything stuck in D state), then SIGKILL. Always unmounts.
   */
  stop(): Promise<ChildExit> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      if (!this.exited) {
        this.child.kill('SIGTERM');
        if (!(await settlesWithin(this.exitInfo, STOP_GRACE_MS))) {
          if (this.ready.connection !== null) abortConnection(this.ready.connection);
          if (!(await settlesWithin(this.exitInfo, ABORT_GRACE_MS))) this.child.kill('SIGKILL');
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

  /**
   * Spawns the server and resolves once it reported ready and the mount is in /proc/mounts. `make`
   * wraps the pieces into the caller's subclass.
   */
  protected static async launchWith<R extends ChildReady, S extends ServerProcess<R>>(
    spec: LaunchSpec,
    make: (ready: R, child: ChildProcess, exitLine: Promise<ExitLine>, tail: () => string, control: string) => S,
  ): Promise<S> {
    const mountpoint = resolve(spec.mountpoint);
    if (isMounted(mountpoint)) throw new FailError(`${mountpoint} is already a mount point; pick an empty directory`);
    mkdirSync(mountpoint, { recursive: true });
    mkdirSync(resolve(spec.backing), { recursive: true });
    const control = controlPathFor(mountpoint, true);
    // A server that crashed earlier may have left its socket behind.
    rmSync(control, { force: true });
    const child = spawn(spec.command, spec.args(control), {
      // stderr is always a pipe, so its reason can go into our error message; 'inherit' forwards it.
      stdio: [spec.stdinPipe ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C at the terminal reaches only us, and we decide when the
      // server stops (after the current cell), instead of it unmounting under running jobs. It still
      // dies with us (PR_SET_PDEATHSIG / stdin EOF), and exit hooks stop it.
      detached: true,
    });
    child.stdin?.on('error', () => {
      /* the child is gone; exit handling reports it */
    });
    let tail = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => {
      if (spec.stderr === 'inherit') process.stderr.write(d);
      tail = (tail + d).slice(-8192);
    });
    const stderrClosed = new Promise<void>((r) => child.stderr!.once('close', () => r()));
    const lines = createInterface({ input: child.stdout! });
    let resolveExit!: (v: ExitLine) => void;
    const exitLine = new Promise<ExitLine>((r) => (resolveExit = r));
    lines.on('close', () => resolveExit(null));

    const timeoutMs = spec.readyTimeoutMs ?? 15_000;
    const ready = await new Promise<R>((res, rej) => {
      let reported: Error | null = null;
      const timer = setTimeout(() => {
        rej(new FailError(`${spec.name} did not become ready within ${timeoutMs} ms\n${tail}`));
        child.kill('SIGKILL');
      }, timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        rej(new FailError(`cannot start ${spec.name} (${spec.command}): ${e.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // The reason is on stderr: read it to the end (bounded, in case something else holds the pipe).
        void settlesWithin(stderrClosed, STDERR_DRAIN_MS).then(() => {
          const why = tail.trim();
          rej(
            reported ??
              new FailError(`${spec.name} exited before the mount was ready (${signal ?? `exit ${code}`}): ${why === '' ? '(it wrote no reason on stderr)' : why}`),
          );
        });
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
          res(msg as unknown as R);
        } else if (msg['event'] === 'error' && spec.errorLine) {
          reported = spec.errorLine(msg);
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
    const handle = make(ready, child, exitLine, () => tail, control);
    if (!isMounted(mountpoint)) {
      await handle.stop();
      throw new FailError(`${spec.name} reported ready but ${mountpoint} is not in /proc/mounts`);
    }
    return handle;
  }
}
