// One guest run: build the initramfs, boot, relay the command's stderr as it runs, and collect its
// stdout, exit code and files from the output share once QEMU has exited.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheEntry } from './cache.js';
import { buildInitramfs, type GuestCommand } from './initramfs.js';
import { extractVmlinux, isElf } from './vmlinux.js';
import { boot, type Accel, type BootOutcome, type Marker } from './qemu.js';

export interface GuestRunOptions {
  entry: CacheEntry;
  accel: Accel;
  command: GuestCommand;
  /** Host directory for this kernel: console.log here, the share in `guest/`. */
  dir: string;
  /** Host temp directory for the initramfs, the extracted vmlinux and the scratch disk image (all removed after the boot). */
  workDir: string;
  busybox: string;
  timeoutMs: number;
  /** A boot that has not started init by then is killed and tried once more (default 120 s). */
  initTimeoutMs?: number;
  memMiB: number;
  smp: number;
  /** Boot the ELF inside the bzImage directly (PVH) when possible: faster under TCG (default true). */
  directBoot?: boolean;
  /** Extra kernel parameters (--append). */
  append?: string[];
  /** Size of the ext4 scratch disk that holds the guest's /tmp (sparse; 0 = none, /tmp on tmpfs). */
  scratchBytes?: number;
  /** Lines of the guest command's stderr, as they arrive. */
  onStderrLine?: (line: string) => void;
  onMarker?: (m: Marker) => void;
  shouldStop?: () => boolean;
}

export type GuestStatus = 'ok' | 'exit-nonzero' | 'timeout' | 'boot-failed' | 'aborted' | 'no-result';

export interface GuestOutcome {
  status: GuestStatus;
  /** The command's exit code in the guest, when it got that far. */
  exitCode: number | null;
  /** Wall time from QEMU start to the guest's "ready" (root mounted, about to run the command). */
  bootMs: number | null;
  /** The guest's own uptime at "ready" (kernel + init, without firmware and kernel loading). */
  guestReadyUptimeS: number | null;
  /** Wall time the command ran (ready → exit marker). */
  commandMs: number | null;
  wallMs: number;
  /** The guest share directory on the host: stdout, stderr, rc, and whatever the command wrote. */
  shareDir: string;
  consoleLog: string;
  error: string | null;
  /** Lines of init's own complaints (insmod warnings, mount failures), and retried boots. */
  warnings: string[];
  /** Boots that hung before init and were retried. */
  retries: number;
}

const MKFS = ['/usr/sbin/mkfs.ext4', '/sbin/mkfs.ext4'];

/**
 * A sparse raw image with a fresh ext4 (made on the host: native speed, no tools needed in the
 * guest), or null with a warning when the kernel lacks ext4/virtio_blk or the host lacks mkfs.ext4.
 * Inode tables are left for lazy init and the guest mounts with noinit_itable, so no background
 * zeroing runs during measurements (a fresh sparse file reads as zeros anyway).
 */
function scratchDisk(o: GuestRunOptions, warnings: string[]): string | null {
  const bytes = o.scratchBytes ?? 8 * 2 ** 30;
  if (bytes <= 0) return null;
  const have = new Set([...o.entry.builtin, ...o.entry.modules.map((m) => m.name)]);
  const lacking = ['ext4', 'virtio_blk'].filter((m) => !have.has(m));
  if (lacking.length > 0) {
    warnings.push(`no scratch disk (${lacking.join(', ')} not available for ${o.entry.abi}): /tmp is tmpfs`);
    return null;
  }
  const mkfs = MKFS.find((p) => existsSync(p));
  if (!mkfs) {
    warnings.push('no scratch disk (mkfs.ext4 not found on the host; apt-get install e2fsprogs): /tmp is tmpfs');
    return null;
  }
  const img = join(o.workDir, `scratch-${o.entry.abi}.img`);
  const fd = openSync(img, 'w');
  try {
    ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
  const r = spawnSync(mkfs, ['-q', '-F', '-L', 'fbscratch', '-m', '0', '-E', 'lazy_itable_init=1,lazy_journal_init=1', img], { encoding: 'utf8' });
  if (r.status !== 0) {
    rmSync(img, { force: true });
    warnings.push(`no scratch disk (mkfs.ext4 failed: ${(r.stderr || String(r.error)).trim()}): /tmp is tmpfs`);
    return null;
  }
  return img;
}

/** Reads what was appended to a file since `pos`; returns the new position. */
function follow(path: string, pos: number, onChunk: (s: string) => void): number {
  if (!existsSync(path)) return pos;
  const size = statSync(path).size;
  if (size <= pos) return pos;
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(size - pos, 1 << 20));
    const n = readSync(fd, buf, 0, buf.length, pos);
    onChunk(buf.subarray(0, n).toString('utf8'));
    return pos + n;
  } finally {
    closeSync(fd);
  }
}

export async function runGuest(o: GuestRunOptions): Promise<GuestOutcome> {
  const shareDir = join(o.dir, 'guest');
  rmSync(shareDir, { recursive: true, force: true });
  mkdirSync(shareDir, { recursive: true });
  mkdirSync(o.workDir, { recursive: true });
  const bootWarnings: string[] = [];
  const disk = scratchDisk(o, bootWarnings);
  const initrd = join(o.workDir, `initramfs-${o.entry.abi}.cpio`);
  writeFileSync(initrd, buildInitramfs({ busybox: o.busybox, entry: o.entry, command: o.command, scratch: disk !== null }));
  const consoleLog = join(o.dir, 'console.log');
  const stderrPath = join(shareDir, 'stderr');
  let pos = 0;
  let partial = '';
  const relay = (): void => {
    pos = follow(stderrPath, pos, (s) => {
      partial += s;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) o.onStderrLine?.(l);
    });
  };
  const timer = o.onStderrLine ? setInterval(relay, 1000) : null;
  const initTimeoutMs = Math.min(o.initTimeoutMs ?? 120_000, o.timeoutMs);
  const bzImage = join(o.entry.dir, o.entry.vmlinuz);
  let kernel = bzImage;
  if (o.directBoot !== false) {
    const img = readFileSync(bzImage);
    // A vmlinux (a local kernel) boots as it is: planLocalKernel made sure it has the PVH note.
    const elf = isElf(img) ? null : extractVmlinux(img);
    if (elf) {
      kernel = join(o.workDir, `vmlinux-${o.entry.abi}`);
      writeFileSync(kernel, elf);
    }
  }
  let outcome: BootOutcome;
  let retries = 0;
  try {
    const bootOnce = (): Promise<BootOutcome> =>
      boot({
        config: {
          accel: o.accel,
          kernel,
          initrd,
          memMiB: o.memMiB,
          smp: o.smp,
          shares: [
            { tag: 'hostroot', path: '/', readonly: true },
            { tag: 'fbout', path: shareDir, readonly: false },
          ],
          disks: disk ? [disk] : [],
          append: o.append ?? [],
        },
        timeoutMs: o.timeoutMs,
        initTimeoutMs,
        consoleLog,
        ...(o.onMarker ? { onMarker: o.onMarker } : {}),
        ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}),
      });
    outcome = await bootOnce();
    if (kernel !== bzImage && outcome.end === 'exited' && outcome.qemuExit !== 0 && !outcome.markers.some((m) => m.kind === 'init')) {
      // QEMU would not boot the extracted ELF (no PVH support for it after all): use the bzImage.
      bootWarnings.push(`direct (PVH) boot of the extracted vmlinux failed (QEMU exit ${outcome.qemuExit}); booted the bzImage`);
      rmSync(kernel, { force: true });
      kernel = bzImage;
      outcome = await bootOnce();
    }
    // A boot stuck before init (seen rarely under TCG, in firmware or early kernel) is not the
    // kernel's verdict: try once more before reporting it, keeping the stuck console for a look.
    if (outcome.end === 'boot-timeout') {
      retries++;
      const hung = join(o.dir, 'console-hung.log');
      renameSync(consoleLog, hung);
      bootWarnings.push(`boot did not reach init within ${(initTimeoutMs / 1000).toFixed(0)} s and was retried (its console: ${hung})`);
      o.onMarker?.({ kind: 'warn', args: ['boot', 'hung', 'before', 'init;', 'retrying'], atMs: outcome.wallMs });
      outcome = await bootOnce();
    }
  } finally {
    if (timer) clearInterval(timer);
    rmSync(initrd, { force: true });
    if (kernel !== bzImage) rmSync(kernel, { force: true });
    if (disk) rmSync(disk, { force: true });
  }
  if (o.onStderrLine) {
    relay();
    if (partial !== '') o.onStderrLine(partial);
  }
  const find = (k: string): Marker | undefined => outcome.markers.find((m) => m.kind === k);
  const ready = find('ready');
  const exit = find('exit');
  const fail = find('fail');
  const warnings = [...bootWarnings, ...outcome.markers.filter((m) => m.kind === 'warn' || m.kind === 'fail').map((m) => `${m.kind}: ${m.args.join(' ')}`)];
  const rcFile = join(shareDir, 'rc');
  let exitCode: number | null = null;
  if (existsSync(rcFile)) {
    const n = Number(readFileSync(rcFile, 'utf8').trim());
    if (Number.isInteger(n)) exitCode = n;
  } else if (exit) {
    const n = Number(exit.args[0]);
    if (Number.isInteger(n)) exitCode = n;
  }
  let status: GuestStatus;
  let error: string | null = null;
  if (outcome.end === 'boot-timeout') {
    status = 'boot-failed';
    error = `the guest did not reach init within ${(initTimeoutMs / 1000).toFixed(0)} s, twice`;
  } else if (outcome.end === 'timeout') {
    status = 'timeout';
    error = `killed after ${(o.timeoutMs / 1000).toFixed(0)} s (${ready ? 'the command was still running' : 'the guest never finished booting'})`;
  } else if (outcome.end === 'aborted') {
    status = 'aborted';
    error = 'stopped on request';
  } else if (!ready && exitCode === null) {
    status = 'boot-failed';
    error = fail ? `guest init: ${fail.args.join(' ')}` : `QEMU exited ${outcome.qemuExit ?? outcome.signal} before the guest was ready`;
  } else if (exitCode === null) {
    status = 'no-result';
    error = fail ? `guest init: ${fail.args.join(' ')}` : 'the guest powered off without an exit code';
  } else {
    status = exitCode === 0 ? 'ok' : 'exit-nonzero';
  }
  const readyUptime = ready ? Number(ready.args[0]) : NaN;
  return {
    status,
    exitCode,
    bootMs: ready ? ready.atMs : null,
    guestReadyUptimeS: Number.isFinite(readyUptime) ? readyUptime : null,
    commandMs: ready && exit ? exit.atMs - ready.atMs : null,
    wallMs: outcome.wallMs,
    shareDir,
    consoleLog,
    error,
    warnings,
    retries,
  };
}
