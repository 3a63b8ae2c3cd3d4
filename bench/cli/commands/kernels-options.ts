// What `kernels run` and `kernels ab` share: the guest options (timeouts, accelerator, memory, scratch
// disk, environment), the guest command after --, and the kernel-list options read in order.
import type { Command } from 'commander';
import { join } from 'node:path';
import { aptSettingsFromEnv, type Log } from '../../kernels/apt.js';
import { resolveCacheDir } from '../../kernels/cache.js';
import { isValidSpec } from '../../kernels/packages.js';
import { KernelArgsError, kernelRequestsFrom, splitAppend, type KernelFlag, type KernelRequest } from '../../kernels/requests.js';
import { Archive } from '../../kernels/resolve.js';
import type { KernelsRunOptions } from '../../kernels/matrix.js';
import { UsageError } from '../errors.js';
import { parseDurationMs, parsePositiveInt, parseSize } from '../parse.js';

export const log: Log = (line) => process.stderr.write(`fusebench kernels: ${line}\n`);

export const CACHE_HELP = 'kernel cache (default $FUSEBENCH_KERNEL_CACHE, else $XDG_CACHE_HOME/fusebench/kernels or ~/.cache/fusebench/kernels)';

export interface CommonFlags {
  cache?: string;
  update?: boolean;
  json?: boolean;
}

export function archiveFor(f: CommonFlags): Archive {
  return new Archive(resolveCacheDir(f.cache), aptSettingsFromEnv(), log);
}

export function stamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-').replace(/-\d{3}Z$/, 'Z');
}

/** Repeatable option values, collected into a list. */
export const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

export interface GuestFlags extends CommonFlags {
  out?: string;
  timeout: string;
  bootTimeout: string;
  accel: string;
  memory: string;
  smp: string;
  scratch: string;
  env?: string[];
  quiet?: boolean;
}

/** The options every guest-booting command has. */
export function addGuestOptions(cmd: Command, outDefault: string): Command {
  return cmd
    .option('-o, --out <dir>', `output directory (default ${outDefault})`)
    .option('--timeout <time>', 'per kernel: kill the guest after this long', '300s')
    .option('--boot-timeout <time>', 'per boot: a guest that has not started init by then is killed and booted once more', '120s')
    .option('--accel <mode>', 'auto (KVM when a probe boot works, else TCG), kvm or tcg', 'auto')
    .option('--memory <size>', 'guest memory', '3g')
    .option('--smp <n>', 'guest CPUs', '2')
    .option('--scratch <size>', "sparse ext4 scratch disk holding the guest's /tmp, made fresh per boot; 0 puts /tmp on tmpfs", '8g')
    .option('--env <K=V>', 'extra environment for the guest command (repeat)', collect)
    .option('--quiet', "do not relay the guest command's stderr")
    .option('--cache <dir>', CACHE_HELP);
}

type GuestSettings = Pick<KernelsRunOptions, 'archive' | 'outDir' | 'timeoutMs' | 'bootTimeoutMs' | 'accel' | 'memMiB' | 'smp' | 'scratchBytes' | 'env' | 'log' | 'relay'>;

/** The guest options, checked. */
export function guestSettings(f: GuestFlags, outPrefix: string): GuestSettings {
  if (f.accel !== 'auto' && f.accel !== 'kvm' && f.accel !== 'tcg') throw new UsageError(`--accel must be auto, kvm or tcg, not "${f.accel}"`);
  const timeoutMs = parseDurationMs(f.timeout, '--timeout');
  if (timeoutMs < 10_000) throw new UsageError('--timeout must be at least 10s (a guest needs several seconds to boot under TCG)');
  const memMiB = Math.floor(parseSize(f.memory, '--memory') / 2 ** 20);
  if (memMiB < 512) throw new UsageError('--memory must be at least 512m');
  const env: Record<string, string> = {};
  for (const kv of f.env ?? []) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(kv);
    if (!m) throw new UsageError(`--env "${kv}" must look like NAME=value`);
    env[m[1]!] = m[2]!;
  }
  return {
    archive: archiveFor(f),
    outDir: f.out ?? join('out', `${outPrefix}-${stamp()}`),
    timeoutMs,
    bootTimeoutMs: parseDurationMs(f.bootTimeout, '--boot-timeout'),
    accel: f.accel,
    memMiB,
    smp: parsePositiveInt(f.smp, '--smp'),
    scratchBytes: f.scratch === '0' ? 0 : parseSize(f.scratch, '--scratch'),
    env,
    log,
    relay: !f.quiet,
  };
}

/** The fusebench command for the guests (default probe --json), or null with --exec. */
export function guestCommand(cmd: string[], exec: string | undefined): string[] | null {
  if (exec !== undefined && cmd.length > 0) throw new UsageError('give either --exec or a fusebench command after --, not both');
  const args = exec !== undefined ? null : cmd.length > 0 ? cmd : ['probe', '--json'];
  if (args && args[0] === 'kernels') throw new UsageError('the guest command cannot be kernels itself');
  if (args?.[0] === 'run' && args.some((a) => a === '--out' || a.startsWith('--out='))) {
    throw new UsageError("drop --out from the guest run: its results come back into the kernels command's --out directory");
  }
  return args;
}

/**
 * The kernel-list options of `kernels run`, recorded in command-line order (commander calls each
 * option's parser as it meets it), because --modules, --config and --append belong to the kernel
 * they follow.
 */
export function addKernelListOptions(cmd: Command, flags: KernelFlag[]): Command {
  const rec =
    (flag: KernelFlag['flag']) =>
    (value: string): string => {
      flags.push({ flag, value });
      return value;
    };
  return cmd
    .option('-k, --kernel <version>', 'Debian kernel to boot (repeat, or a comma list); "default" is 5.10, 6.1, 6.12, 6.18 and the newest the archive has', rec('kernel'))
    .option('--kernel-image <path>', 'a kernel you built: bzImage (arch/x86/boot/bzImage), vmlinuz or a vmlinux with the PVH note (repeat; mixes with --kernel)', rec('kernel-image'))
    .option('--modules <dir>', 'for the --kernel-image before it: a make modules_install INSTALL_MOD_PATH=DIR tree or the build tree, from which the guest takes fuse, 9p, virtio, overlay and ext4 when they are modules (default: next to the image)', rec('modules'))
    .option('--config <file>', "for the --kernel-image before it: its .config (default: embedded in the image with IKCONFIG, else the build tree's .config or config-<release> next to the image)", rec('config'))
    .option('--append <params>', 'kernel parameters (e.g. fuse.enable_uring=1) for the --kernel or --kernel-image before it; before any of them: for every kernel', rec('append'));
}

export function requestsFrom(flags: KernelFlag[]): KernelRequest[] {
  try {
    return kernelRequestsFrom(flags, isValidSpec);
  } catch (e) {
    if (e instanceof KernelArgsError) throw new UsageError(e.message);
    throw e;
  }
}

/** splitAppend for option values, with usage errors. */
export function appendWords(values: string[] | undefined): string[] {
  try {
    return (values ?? []).flatMap(splitAppend);
  } catch (e) {
    if (e instanceof KernelArgsError) throw new UsageError(e.message);
    throw e;
  }
}
