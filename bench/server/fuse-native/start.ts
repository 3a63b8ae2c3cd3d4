// Starting and stopping the fuse-native server process with the C server's guarantees: resolve only
// once the mount is live, always unmount (also when the server is killed), and have the child go away
// with its parent (stdin EOF, plus fusermount's auto_unmount when available).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { FailError } from '../../cli/errors.js';
import { ServerProcess } from '../child.js';
import type { MountedServer } from '../mounted.js';
import { buildArgs, type FuseNativeMode } from './args.js';
import { serverMainPath } from './support.js';

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

/** The server could not run here (fuse-native or libfuse 2 missing): report the cell unsupported. */
export class FuseNativeUnsupportedError extends FailError {}

export class FuseNativeServer extends ServerProcess<FuseNativeReady> implements MountedServer {
  readonly kind = 'fuse-native' as const;

  /** Starts the JavaScript server and resolves once the mount is live. */
  static async start(opts: FuseNativeOptions): Promise<FuseNativeServer> {
    const main = serverMainPath();
    if (!existsSync(main)) throw new FailError(`${main} is missing: run \`npm install\` (or \`npx tsc -p .\`) first`);
    const mountpoint = resolve(opts.mountpoint);
    const backing = resolve(opts.backing);
    return ServerProcess.launchWith<FuseNativeReady, FuseNativeServer>(
      {
        name: 'the fuse-native server',
        command: process.execPath,
        args: (control) => [
          main,
          ...buildArgs({
            backing,
            mountpoint,
            mode: opts.mode,
            control,
            delay: opts.delay ?? '',
            ...(opts.attrTimeout !== undefined ? { attrTimeout: opts.attrTimeout } : {}),
            ...(opts.entryTimeout !== undefined ? { entryTimeout: opts.entryTimeout } : {}),
            autoUnmount: true,
            dieWithParent: true,
          }),
        ],
        mountpoint,
        backing,
        // stdin stays an open pipe: the child treats its EOF as "parent gone".
        stdinPipe: true,
        ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
        errorLine: (msg) => {
          const reason = String(msg['reason'] ?? 'unknown error');
          return msg['unsupported'] === true ? new FuseNativeUnsupportedError(reason) : new FailError(`fuse-native server: ${reason}`);
        },
      },
      (ready, child, exitLine, tail, control) => new FuseNativeServer(ready, child, exitLine, tail, control),
    );
  }
}

export function startFuseNativeServer(opts: FuseNativeOptions): Promise<FuseNativeServer> {
  return FuseNativeServer.start(opts);
}
