// Booting a guest: the QEMU command line (a pure function, tested), one boot with a deadline and the
// console watched for init's markers, and the KVM probe. Each QEMU is our child, stopped by its pid
// (SIGTERM, then SIGKILL); a process-exit hook stops any still running so none is left behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MARK } from './initramfs.js';

export type Accel = 'kvm' | 'tcg';

export interface Share {
  tag: string;
  path: string;
  readonly: boolean;
}

export interface QemuConfig {
  accel: Accel;
  kernel: string;
  initrd: string;
  memMiB: number;
  smp: number;
  shares: Share[];
  /** Raw disk images, attached as virtio disks in order (/dev/vda, …). */
  disks?: string[];
  /** Extra kernel command line words. */
  append?: string[];
}

export const QEMU = 'qemu-system-x86_64';

/** QEMU's option syntax doubles commas inside a value. */
export function qemuEscape(v: string): string {
  return v.replace(/,/g, ',,');
}

export function kernelCmdline(extra: string[] = []): string {
  // panic=-1: a dying init reboots at once, and -no-reboot turns that into QEMU exiting.
  // Not quiet: when a guest hangs, the last kernel line in console.log is the only clue.
  return ['console=ttyS0', 'panic=-1', 'rdinit=/init', ...extra].join(' ');
}

export function qemuArgs(c: QemuConfig): string[] {
  const args = [
    '-nodefaults',
    '-no-user-config',
    '-machine', 'q35',
    '-accel', c.accel,
    // TCG: every feature it can emulate (Node's V8 wants more than the qemu64 baseline).
    '-cpu', c.accel === 'kvm' ? 'host' : 'max',
    '-smp', String(c.smp),
    '-m', `${c.memMiB}M`,
    '-nographic',
    '-serial', 'stdio',
    '-monitor', 'none',
    '-no-reboot',
    '-kernel', c.kernel,
    '-initrd', c.initrd,
    '-append', kernelCmdline(c.append),
  ];
  for (const d of c.disks ?? []) {
    // A throw-away scratch disk: host-side caching and no flushes are fine.
    args.push('-drive', `file=${qemuEscape(d)},if=virtio,format=raw,cache=unsafe`);
  }
  for (const s of c.shares) {
    // multidevs=remap: the host tree spans several filesystems; keep guest inode numbers unique.
    const opts = [`local`, `path=${qemuEscape(s.path)}`, `mount_tag=${s.tag}`, 'security_model=none', 'multidevs=remap'];
    if (s.readonly) opts.push('readonly=on');
    args.push('-virtfs', opts.join(','));
  }
  return args;
}

/** Children still running, stopped on process exit so no QEMU outlives fusebench. */
const live = new Set<ChildProcess>();
let hooked = false;
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const c of live) if (c.pid !== undefined && c.exitCode === null && c.signalCode === null) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

/** Stops every QEMU this process started (SIGINT handling). */
export function stopAll(): void {
  for (const c of live) stopChild(c);
}

function stopChild(c: ChildProcess): void {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return;
  try {
    process.kill(c.pid, 'SIGTERM');
  } catch {
    return;
  }
  const t = setTimeout(() => {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }, 5000);
  t.unref();
}

export interface Marker {
  kind: string;
  args: string[];
  /** ms since QEMU started. */
  atMs: number;
}

export interface BootOutcome {
  /**
   * 'exited': QEMU ended by itself; 'timeout': killed at the deadline; 'boot-timeout': killed because
   * init never started; 'aborted': killed on request or on an `abortOn` line.
   */
  end: 'exited' | 'timeout' | 'boot-timeout' | 'aborted';
  qemuExit: number | null;
  signal: NodeJS.Signals | null;
  markers: Marker[];
  wallMs: number;
  consoleLog: string;
}

export interface BootOptions {
  config: QemuConfig;
  timeoutMs: number;
  consoleLog: string;
  onMarker?: (m: Marker) => void;
  /** Kill early when the console shows this (e.g. a KVM emulation failure that would hang forever). */
  abortOn?: RegExp;
  /** Kill when no `init` marker has appeared by then (a boot stuck in firmware or early kernel). */
  initTimeoutMs?: number;
  /** Checked every second; true stops the guest (Ctrl-C). */
  shouldStop?: () => boolean;
  qemu?: string;
}

/** Parses `@@fusebench-guest KIND ARGS… @@` lines. */
export function parseMarker(line: string): { kind: string; args: string[] } | null {
  const i = line.indexOf(MARK + ' ');
  if (i < 0) return null;
  const rest = line.slice(i + MARK.length + 1);
  const end = rest.lastIndexOf(' @@');
  const body = (end >= 0 ? rest.slice(0, end) : rest).trim();
  const [kind, ...args] = body.split(/\s+/);
  return kind ? { kind, args } : null;
}

export function boot(o: BootOptions): Promise<BootOutcome> {
  hookExit();
  const started = Date.now();
  const log = createWriteStream(o.consoleLog);
  const args = qemuArgs(o.config);
  log.write(`# ${o.qemu ?? QEMU} ${args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ')}\n`);
  return new Promise((resolvePromise, reject) => {
    const child = spawn(o.qemu ?? QEMU, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    const markers: Marker[] = [];
    let end: BootOutcome['end'] = 'exited';
    let buf = '';
    let aborted = false;
    const onText = (chunk: Buffer): void => {
      log.write(chunk);
      buf += chunk.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const m = parseMarker(line);
        if (m) {
          const mk = { ...m, atMs: Date.now() - started };
          markers.push(mk);
          o.onMarker?.(mk);
        }
        if (o.abortOn && o.abortOn.test(line) && !aborted) {
          aborted = true;
          end = 'aborted';
          stopChild(child);
        }
      }
      if (buf.length > 65536) buf = buf.slice(-4096); // a line that never ends is not a marker
    };
    child.stdout!.on('data', onText);
    child.stderr!.on('data', onText);
    const deadline = setTimeout(() => {
      if (end === 'exited') end = 'timeout';
      stopChild(child);
    }, o.timeoutMs);
    const poll = setInterval(() => {
      if (end !== 'exited') return;
      if (o.shouldStop?.()) {
        end = 'aborted';
        stopChild(child);
      } else if (o.initTimeoutMs !== undefined && Date.now() - started > o.initTimeoutMs && !markers.some((m) => m.kind === 'init')) {
        end = 'boot-timeout';
        stopChild(child);
      }
    }, 1000);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(deadline);
      clearInterval(poll);
      live.delete(child);
      log.end();
      reject(e.code === 'ENOENT' ? new Error(`${o.qemu ?? QEMU} is not installed (apt-get install qemu-system-x86)`) : e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      clearInterval(poll);
      live.delete(child);
      // Stopped from outside (stopAll on Ctrl-C, or the terminal's SIGINT reaching QEMU itself).
      if (end === 'exited' && o.shouldStop?.()) end = 'aborted';
      log.end(() =>
        resolvePromise({ end, qemuExit: code, signal, markers, wallMs: Date.now() - started, consoleLog: o.consoleLog }),
      );
    });
  });
}

/** /dev/kvm present and openable read-write by us. */
function kvmDeviceUsable(): boolean {
  if (!existsSync('/dev/kvm')) return false;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

export interface KvmVerdict {
  accel: Accel;
  reason: string;
  probeMs: number;
}

/**
 * KVM only when a short boot under it reaches init: /dev/kvm can exist and still fail to run a
 * Debian kernel (a nested backend missing MSRs or instructions aborts QEMU or hangs the vCPU).
 */
export async function probeKvm(kernel: string, initrd: string, scratch: string, timeoutMs = 30_000): Promise<KvmVerdict> {
  const t0 = Date.now();
  if (!kvmDeviceUsable()) return { accel: 'tcg', reason: '/dev/kvm is missing or not accessible', probeMs: 0 };
  const consoleLog = join(scratch, 'kvm-probe.log');
  writeFileSync(consoleLog, '');
  const out = await boot({
    config: { accel: 'kvm', kernel, initrd, memMiB: 512, smp: 1, shares: [] },
    timeoutMs,
    consoleLog,
    abortOn: /KVM internal error|kvm run failed|emulation failure|Assertion .* failed/i,
  });
  const ok = out.markers.some((m) => m.kind === 'probe-ok');
  const probeMs = Date.now() - t0;
  if (ok) return { accel: 'kvm', reason: `a probe boot under KVM reached init in ${(out.wallMs / 1000).toFixed(1)} s`, probeMs };
  const why =
    out.end === 'timeout'
      ? `a probe boot under KVM did not reach init within ${timeoutMs / 1000} s`
      : out.end === 'aborted'
        ? 'KVM failed to run the guest kernel'
        : `QEMU under KVM exited ${out.qemuExit ?? out.signal} before init`;
  return { accel: 'tcg', reason: why, probeMs };
}
