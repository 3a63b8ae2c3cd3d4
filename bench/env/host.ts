// The host fingerprint stored with every result: enough to tell whether two runs differ only in the kernel.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { cpus, hostname, release, totalmem, version } from 'node:os';
import { spawnSync } from 'node:child_process';
import type { Host } from '../results/schema.js';

const CONFIG_KEYS = ['CONFIG_FUSE_FS', 'CONFIG_FUSE_PASSTHROUGH', 'CONFIG_FUSE_IO_URING', 'CONFIG_FUSE_DAX', 'CONFIG_IO_URING', 'CONFIG_AIO'];

function readTrim(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Kernel config from /proc/config.gz or /boot/config-<release>, limited to what matters to FUSE. */
function kernelConfig(): Record<string, string> {
  let text: string | null = null;
  if (existsSync('/proc/config.gz')) {
    const r = spawnSync('zcat', ['/proc/config.gz'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.status === 0) text = r.stdout;
  }
  text ??= readTrim(`/boot/config-${release()}`);
  const out: Record<string, string> = {};
  if (text === null) return out;
  for (const key of CONFIG_KEYS) {
    const m = new RegExp(`^${key}=(.*)$`, 'm').exec(text);
    out[key] = m ? m[1]! : 'n';
  }
  return out;
}

function fuseModuleParams(): Record<string, string> {
  const dir = '/sys/module/fuse/parameters';
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const v = readTrim(`${dir}/${name}`);
    if (v !== null) out[name] = v;
  }
  return out;
}

function fuseSysctls(): Record<string, string> {
  const dir = '/proc/sys/fs/fuse';
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const v = readTrim(`${dir}/${name}`);
    if (v !== null) out[name] = v;
  }
  return out;
}

/**
 * Emulated = running under a CPU emulator (QEMU TCG), whose timings mean nothing next to native ones.
 * The kernel-matrix guest sets FUSEBENCH_EMULATED=1; otherwise a hypervisor flag alone (KVM, a cloud
 * VM) is not emulation.
 */
export function isEmulated(): boolean {
  const env = process.env['FUSEBENCH_EMULATED'];
  if (env !== undefined) return env === '1';
  return false;
}

export function collectHost(): Host {
  const c = cpus();
  return {
    hostname: hostname(),
    kernelRelease: release(),
    kernelVersion: version(),
    emulated: isEmulated(),
    cpu: c[0]?.model.trim() ?? 'unknown',
    cpus: c.length,
    memBytes: totalmem(),
    root: process.getuid?.() === 0,
    config: kernelConfig(),
    moduleParams: fuseModuleParams(),
    sysctls: fuseSysctls(),
  };
}
