// The C server (fusebench-server): start it on a backing dir + mountpoint, change its policy, stop it.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { serverBinary } from '../paths.js';
import { FailError } from '../cli/errors.js';
import { serverArgs } from './args.js';
import { ServerProcess } from './child.js';
import type { MountedServer } from './mounted.js';
import type { InodeOpStats, ReadyInfo, ServerOptions } from './types.js';
import type { FopenFlag, Mode } from '../modes.js';

export class ServerHandle extends ServerProcess<ReadyInfo> implements MountedServer {
  readonly kind = 'c' as const;

  async setPolicy(p: { mode?: Mode; fopen?: FopenFlag[]; backingPerOpen?: boolean; backingFailure?: 'fail-open' | 'reply-anyway' }): Promise<void> {
    const cmd: Record<string, string | boolean | string[]> = { cmd: 'policy' };
    if (p.backingFailure) cmd['backingFailure'] = p.backingFailure;
    if (p.mode) cmd['mode'] = p.mode;
    if (p.fopen) cmd['fopen'] = p.fopen;
    if (p.backingPerOpen !== undefined) cmd['backingPerOpen'] = p.backingPerOpen;
    await this.control.request(cmd);
  }

  /**
   * Per-inode counts of one opcode since the last reset: every live inode that saw it, keyed by the
   * backing st_ino (which is also the st_ino of the file on the mount).
   */
  async inodes(op = 'WRITE'): Promise<InodeOpStats[]> {
    const r = await this.control.request({ cmd: 'inodes', op });
    return r['inodes'] as unknown as InodeOpStats[];
  }

  /** Starts a server and resolves once INIT is done and the mount is live. */
  static async start(opts: ServerOptions): Promise<ServerHandle> {
    const bin = serverBinary(opts.asan ?? false);
    if (!existsSync(bin)) {
      throw new FailError(`server binary ${bin} is missing: run \`npm install\` (or \`npm run build${opts.asan ? ':asan' : ''}\`) first`);
    }
    const mountpoint = resolve(opts.mountpoint);
    const backing = resolve(opts.backing);
    return ServerProcess.launchWith<ReadyInfo, ServerHandle>(
      {
        name: 'fusebench-server',
        command: bin,
        args: (control) => serverArgs({ ...opts, mountpoint, backing }, control),
        mountpoint,
        backing,
        ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
        ...(opts.stderr ? { stderr: opts.stderr } : {}),
      },
      (ready, child, exitLine, tail, control) => new ServerHandle(ready, child, exitLine, tail, control),
    );
  }
}

export function startServer(opts: ServerOptions): Promise<ServerHandle> {
  return ServerHandle.start(opts);
}
