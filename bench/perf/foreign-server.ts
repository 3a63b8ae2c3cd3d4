// Another FUSE server (libfuse's passthrough_hp, say) run through the same fio jobs as ours: started
// from a command line with {backing} and {mountpoint} filled in, in its own process group, and
// removed again — unmounted, then its group signalled — on success, failure and Ctrl-C.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { FailError, UsageError } from '../cli/errors.js';
import { MODES, type Mode } from '../modes.js';
import { forceUnmount, isMounted } from '../server/mounts.js';
import { track, untrack } from '../server/registry.js';

export interface ForeignSpec {
  /** Shown in tables: the command without its placeholders, shortened. */
  label: string;
  /** Our mode this server's setting corresponds to (`parallel=CMD`), or null. */
  ours: Mode | null;
  command: string;
}

/** `[MODE=]COMMAND`: COMMAND must name {backing} and {mountpoint} and stay in the foreground. */
export function parseForeignSpec(spec: string): ForeignSpec {
  const m = /^([a-z-]+)=(.*)$/s.exec(spec);
  let ours: Mode | null = null;
  let command = spec;
  if (m && (MODES as readonly string[]).includes(m[1]!)) {
    ours = m[1] as Mode;
    command = m[2]!;
  }
  for (const p of ['{backing}', '{mountpoint}']) {
    if (!command.includes(p)) throw new UsageError(`--vs-server "${spec}": the command must contain ${p}`);
  }
  // The label drops the placeholders and the options that only name them (--backing {backing}).
  const words = command.trim().split(/\s+/);
  const placeholder = /\{(backing|mountpoint)\}/;
  const shown = words.filter((w, i) => !placeholder.test(w) && !(/^--?(backing|mountpoint)$/.test(w) && placeholder.test(words[i + 1] ?? '')));
  const label = [shown[0]!.replace(/^.*\//, ''), ...shown.slice(1)].join(' ');
  return { label: label.length > 72 ? `${label.slice(0, 71)}…` : label, ours, command };
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ForeignMount {
  stop(): Promise<void>;
}

const MOUNT_WAIT_MS = 10_000;

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((res) => {
    const t = setTimeout(() => res(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      res(true);
    });
  });
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    /* the group is gone */
  }
}

/** Starts the server and resolves once its mount appears in /proc/mounts. */
export async function startForeign(spec: ForeignSpec, backing: string, mountpoint: string): Promise<ForeignMount> {
  const cmd = spec.command.replaceAll('{backing}', quote(backing)).replaceAll('{mountpoint}', quote(mountpoint));
  const child = spawn('/bin/sh', ['-c', `exec ${cmd}`], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000);
  });
  const pid = child.pid;
  if (pid === undefined) throw new FailError(`cannot start ${spec.label}`);
  // The exit hook signals the whole group (negative pid) and removes the mount if we die first.
  track({ pid: -pid, mountpoint, connection: null });
  const stop = async (): Promise<void> => {
    if (isMounted(mountpoint)) {
      // A clean unmount makes a foreground FUSE server exit by itself.
      if (spawnSync('umount', [mountpoint], { stdio: 'ignore' }).status !== 0) forceUnmount(mountpoint, null);
    }
    if (!(await waitExit(child, 3000))) {
      signalGroup(pid, 'SIGTERM');
      if (!(await waitExit(child, 2000))) signalGroup(pid, 'SIGKILL');
    }
    forceUnmount(mountpoint, null);
    untrack(-pid);
  };
  const deadline = Date.now() + MOUNT_WAIT_MS;
  while (!isMounted(mountpoint)) {
    if (exited(child) || Date.now() > deadline) {
      await stop();
      const why = exited(child) ? `exited (${child.exitCode ?? child.signalCode})` : `did not mount within ${MOUNT_WAIT_MS / 1000} s`;
      throw new FailError(`--vs-server ${spec.label}: ${why}${stderr.trim() ? `: ${stderr.trim().slice(-500)}` : ''} (it must stay in the foreground)`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return { stop };
}
