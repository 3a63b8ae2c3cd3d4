// `kernels run`: one guest per kernel, one results file per kernel, then `compare` over them (the
// kernels × probes matrix). A kernel that fails to fetch, boot or finish is recorded and the next one
// still runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { packageRoot } from '../paths.js';
import { textTable } from '../text-table.js';
import type { Log } from './apt.js';
import type { CacheEntry } from './cache.js';
import { compareDebVersions } from './debversion.js';
import { runGuest, type GuestStatus } from './guest.js';
import { GUEST_OUT, GUEST_SCRATCH, GUEST_TMPDIR, buildInitramfs, findBusybox, type GuestCommand } from './initramfs.js';
import { probeKvm, QEMU, stopAll, type Accel } from './qemu.js';
import { Archive, resolveKernels } from './resolve.js';
import { guestResults, type GuestMeta } from './results.js';
import { haveCommand, runTool } from './proc.js';

export interface KernelsRunOptions {
  specs: string[];
  archive: Archive;
  /** fusebench arguments to run in the guest, or null with `exec`. */
  fusebenchArgs: string[] | null;
  /** A shell command instead of fusebench (debugging: `uname -r`). */
  exec: string | null;
  outDir: string;
  timeoutMs: number;
  /** A boot that has not reached init by then is killed and retried once. */
  bootTimeoutMs: number;
  accel: 'auto' | Accel;
  memMiB: number;
  smp: number;
  /** Sparse ext4 scratch disk for the guest's /tmp; 0 for tmpfs. */
  scratchBytes: number;
  env: Record<string, string>;
  compare: boolean;
  log: Log;
  /** Prefix and print the guest command's stderr lines. */
  relay: boolean;
}

export type KernelStatus = GuestStatus | 'fetch-failed' | 'skipped';

export interface KernelRecord {
  spec: string;
  abi: string | null;
  debVersion: string | null;
  suites: string[];
  accel: Accel | null;
  status: KernelStatus;
  exitCode: number | null;
  /** Wall ms from QEMU start until the guest was ready to run the command. */
  bootMs: number | null;
  /** Guest uptime at ready (kernel + init only). */
  guestReadyUptimeS: number | null;
  commandMs: number | null;
  wallMs: number | null;
  dir: string | null;
  results: string | null;
  error: string | null;
  warnings: string[];
  /** Boots retried after hanging before init. */
  retries: number;
}

export interface ReportRecord {
  status: 'written' | 'skipped' | 'unavailable' | 'failed';
  dir: string | null;
  message: string;
}

export interface KernelsRunSummary {
  outDir: string;
  command: string[];
  accel: Accel | null;
  accelReason: string;
  kernels: KernelRecord[];
  report: ReportRecord;
  totalMs: number;
  /** Ctrl-C / SIGTERM stopped the run. */
  interrupted: boolean;
}

export function cliEntry(): string {
  return join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');
}

/** Guest argv for a fusebench command; `run` gets its --out on the output share. */
export function guestArgv(fusebenchArgs: string[] | null, exec: string | null, node: string, entry: string): string[] {
  if (exec !== null) return ['/bin/sh', '-c', exec];
  const args = [...(fusebenchArgs ?? [])];
  if (args[0] === 'run') {
    if (args.some((a) => a === '--out' || a.startsWith('--out='))) {
      throw new Error('kernels run places the guest run\'s output itself (its results come back into --out of kernels run); drop --out from the guest command');
    }
    args.push('--out', `${GUEST_OUT}/run`);
    // The default backing directory is in the package, on the guest's overlay root, where FUSE
    // passthrough refuses backing files (stack depth) and old tmpfs lacks O_DIRECT: use the ext4
    // scratch disk.
    if (!args.some((a) => a === '--backing' || a.startsWith('--backing='))) args.push('--backing', `${GUEST_TMPDIR}/fusebench-backing`);
  }
  return [node, entry, ...args];
}

/** Environment of the guest command: a clean one, plus FUSEBENCH_* from here and --env. */
export function guestEnv(accel: Accel, extra: Record<string, string>, hostEnv: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    LANG: 'C.UTF-8',
    TERM: 'dumb',
  };
  for (const [k, v] of Object.entries(hostEnv)) {
    if (k.startsWith('FUSEBENCH_') && v !== undefined && !['FUSEBENCH_KERNEL_CACHE', 'FUSEBENCH_EMULATED', 'FUSEBENCH_GUEST', 'FUSEBENCH_GUEST_OUT'].includes(k)) env[k] = v;
  }
  Object.assign(env, extra);
  // TCG timings are emulation; KVM is virtualisation (design: a hypervisor alone is not emulation).
  env['FUSEBENCH_EMULATED'] = accel === 'tcg' ? '1' : '0';
  env['FUSEBENCH_GUEST'] = '1';
  env['FUSEBENCH_GUEST_OUT'] = GUEST_OUT;
  env['FUSEBENCH_GUEST_SCRATCH'] = GUEST_SCRATCH;
  // Temporary mounts and backing files go to the scratch disk, not the overlay root.
  env['TMPDIR'] = GUEST_TMPDIR;
  return env;
}

function qemuVersion(): string {
  const r = spawnSync(QEMU, ['--version'], { encoding: 'utf8' });
  return (r.stdout ?? '').split('\n')[0]?.trim() ?? 'unknown';
}

/** Is `compare` a command of this fusebench (someone else's, may not exist yet)? */
export function compareAvailable(entry = cliEntry()): boolean {
  const r = spawnSync(process.execPath, [entry, 'compare', '--help'], { stdio: 'ignore' });
  return r.status === 0;
}

export async function runKernels(o: KernelsRunOptions): Promise<KernelsRunSummary> {
  const t0 = Date.now();
  if (!haveCommand(QEMU)) throw new Error(`${QEMU} is not installed: apt-get install qemu-system-x86`);
  const busybox = findBusybox();
  if (!busybox) throw new Error('a static busybox is needed for the guest initramfs: apt-get install busybox-static');
  const outDir = resolve(o.outDir);
  mkdirSync(outDir, { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'fusebench-kernels-'));
  let stop = false;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (stop) return;
    stop = true;
    o.log(`${sig}: stopping the running guest; remaining kernels are skipped`);
    stopAll();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const records: KernelRecord[] = [];
  let accel: Accel | null = null;
  let accelReason = '';
  const command = guestArgv(o.fusebenchArgs, o.exec, process.execPath, cliEntry());
  try {
    const resolved = await resolveKernels(o.specs, o.archive, { preferCache: true, log: o.log });
    // One run per distinct kernel, oldest first: the matrix reads left to right in version order.
    const seen = new Set<string>();
    const runs: { spec: string; entry: CacheEntry }[] = [];
    for (const r of resolved) {
      if ('error' in r) {
        records.push(blank(r.spec, 'fetch-failed', r.error));
        continue;
      }
      const key = r.entry.dir;
      if (seen.has(key)) continue;
      seen.add(key);
      runs.push({ spec: r.spec, entry: r.entry });
    }
    runs.sort((a, b) => compareDebVersions(a.entry.version, b.entry.version));
    if (runs.length > 0) {
      if (o.accel === 'auto') {
        const initrd = join(workDir, 'kvm-probe.cpio');
        writeFileSync(initrd, buildInitramfs({ busybox, entry: null, command: null, probeOnly: true }));
        const v = await probeKvm(join(runs[0]!.entry.dir, runs[0]!.entry.vmlinuz), initrd, workDir);
        accel = v.accel;
        accelReason = v.reason;
      } else {
        accel = o.accel;
        accelReason = `--accel ${o.accel}`;
      }
      o.log(`accelerator: ${accel} (${accelReason})`);
    }
    const qemu = qemuVersion();
    for (const { spec, entry } of runs) {
      if (stop) {
        records.push({ ...blank(spec, 'skipped', 'stopped before this kernel ran'), abi: entry.abi, debVersion: entry.version, suites: entry.suites });
        continue;
      }
      records.push(await runOne(o, spec, entry, accel!, command, outDir, workDir, busybox, qemu, () => stop));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(workDir, { recursive: true, force: true });
  }
  const report = await matrixReport(o, records, outDir);
  const summary: KernelsRunSummary = { outDir, command, accel, accelReason, kernels: records, report, totalMs: Date.now() - t0, interrupted: stop };
  writeFileSync(join(outDir, 'kernels.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

function blank(spec: string, status: KernelStatus, error: string): KernelRecord {
  return { spec, abi: null, debVersion: null, suites: [], accel: null, status, exitCode: null, bootMs: null, guestReadyUptimeS: null, commandMs: null, wallMs: null, dir: null, results: null, error, warnings: [], retries: 0 };
}

async function runOne(
  o: KernelsRunOptions,
  spec: string,
  entry: CacheEntry,
  accel: Accel,
  argv: string[],
  outDir: string,
  workDir: string,
  busybox: string,
  qemu: string,
  shouldStop: () => boolean,
): Promise<KernelRecord> {
  const dir = join(outDir, entry.abi);
  mkdirSync(dir, { recursive: true });
  const command: GuestCommand = { argv, cwd: process.cwd(), env: guestEnv(accel, o.env) };
  const startedAt = new Date().toISOString();
  o.log(`${entry.abi}: booting under ${accel} (timeout ${(o.timeoutMs / 1000).toFixed(0)} s)`);
  const g = await runGuest({
    entry,
    accel,
    command,
    dir,
    workDir,
    busybox,
    timeoutMs: o.timeoutMs,
    initTimeoutMs: o.bootTimeoutMs,
    memMiB: o.memMiB,
    smp: o.smp,
    scratchBytes: o.scratchBytes,
    ...(o.relay ? { onStderrLine: (l: string) => process.stderr.write(`[${entry.abi}] ${l}\n`) } : {}),
    onMarker: (m) => {
      if (m.kind === 'ready') o.log(`${entry.abi}: booted in ${(m.atMs / 1000).toFixed(1)} s (guest uptime ${m.args[0]} s); running ${argv.slice(argv[0] === process.execPath ? 2 : 0).join(' ')}`);
      if (m.kind === 'warn' || m.kind === 'fail') o.log(`${entry.abi}: guest ${m.kind}: ${m.args.join(' ')}`);
    },
    shouldStop,
  });
  const finishedAt = new Date().toISOString();
  const rec: KernelRecord = {
    spec,
    abi: entry.abi,
    debVersion: entry.version,
    suites: entry.suites,
    accel,
    status: g.status,
    exitCode: g.exitCode,
    bootMs: g.bootMs,
    guestReadyUptimeS: g.guestReadyUptimeS,
    commandMs: g.commandMs,
    wallMs: g.wallMs,
    dir,
    results: null,
    error: g.error,
    warnings: g.warnings,
    retries: g.retries,
  };
  const stdoutFile = join(g.shareDir, 'stdout');
  const stdout = existsSync(stdoutFile) ? readFileSync(stdoutFile, 'utf8') : '';
  if (o.exec === null && (g.status === 'ok' || g.status === 'exit-nonzero')) {
    const runFile = join(g.shareDir, 'run', 'results.json');
    let runResults: unknown;
    if (existsSync(runFile)) {
      try {
        runResults = JSON.parse(readFileSync(runFile, 'utf8'));
      } catch (e) {
        rec.error = `${runFile}: ${(e as Error).message}`;
      }
    }
    const meta: GuestMeta = {
      abi: entry.abi,
      debVersion: entry.version,
      upstream: entry.upstream,
      suites: entry.suites,
      packages: entry.packages.map((p) => `${p.name}=${p.version}`),
      accel,
      qemu,
      memMiB: o.memMiB,
      smp: o.smp,
      command: argv.slice(argv[0] === process.execPath ? 2 : 0),
      bootMs: g.bootMs,
      commandMs: g.commandMs,
      exitCode: g.exitCode,
    };
    try {
      const doc = guestResults(stdout, runResults, meta, { startedAt, finishedAt });
      const file = join(dir, 'results.json');
      writeFileSync(file, JSON.stringify(doc, null, 2) + '\n');
      rec.results = file;
      // A results document is the kernel's answer even when the command exits non-zero (probe
      // exits 1 when a verdict is fail, which on an old kernel is the finding, not an error).
      rec.status = 'ok';
    } catch (e) {
      rec.status = g.status === 'ok' ? 'no-result' : g.status;
      rec.error = (rec.error ? rec.error + '; ' : '') + (e as Error).message;
    }
  }
  const took = `${(g.wallMs / 1000).toFixed(1)} s`;
  if (rec.status === 'ok') o.log(`${entry.abi}: done in ${took}${rec.results ? ` → ${relative(process.cwd(), rec.results)}` : ''}`);
  else o.log(`${entry.abi}: ${rec.status} after ${took}: ${rec.error ?? `exit ${rec.exitCode}`} (console: ${relative(process.cwd(), g.consoleLog)}, stderr: ${relative(process.cwd(), join(g.shareDir, 'stderr'))})`);
  return rec;
}

async function matrixReport(o: KernelsRunOptions, records: KernelRecord[], outDir: string): Promise<ReportRecord> {
  const files = records.map((r) => r.results).filter((f): f is string => f !== null);
  if (!o.compare) return { status: 'skipped', dir: null, message: '--no-compare' };
  if (files.length < 2) return { status: 'skipped', dir: null, message: `${files.length} results file(s): a matrix needs at least two` };
  if (!compareAvailable()) return { status: 'unavailable', dir: null, message: 'this fusebench has no compare command yet; the results files are ready for it' };
  const dir = join(outDir, 'report');
  o.log(`matrix report: compare ${files.length} results → ${relative(process.cwd(), dir)}`);
  const r = await runTool(process.execPath, [cliEntry(), 'compare', ...files, '-o', dir], { onStderr: (c) => process.stderr.write(c) });
  writeFileSync(join(outDir, 'compare.txt'), r.stdout);
  if (r.code !== 0) return { status: 'failed', dir: null, message: `compare exited ${r.code}` };
  return { status: 'written', dir, message: `compare wrote ${dir}` };
}

/** The human summary table. */
export function summaryTable(s: KernelsRunSummary): string {
  const rows = [['KERNEL', 'DEBIAN VERSION', 'ACCEL', 'BOOT', 'COMMAND', 'STATUS', 'RESULTS']];
  for (const k of s.kernels) {
    rows.push([
      k.abi ?? k.spec,
      k.debVersion ?? '-',
      k.accel ?? '-',
      k.bootMs !== null ? `${(k.bootMs / 1000).toFixed(1)} s` : '-',
      k.commandMs !== null ? `${(k.commandMs / 1000).toFixed(1)} s` : '-',
      k.status === 'exit-nonzero' || (k.status === 'ok' && k.exitCode !== null && k.exitCode !== 0) ? `${k.status} (exit ${k.exitCode})` : k.status,
      k.results ? relative(process.cwd(), k.results) : (k.error ?? '-'),
    ]);
  }
  const lines = [textTable(rows[0]!, rows.slice(1), { numeric: () => false, rule: false })];
  lines.push(`matrix report: ${s.report.status === 'written' ? s.report.dir : `${s.report.status} (${s.report.message})`}`);
  lines.push(`total ${(s.totalMs / 1000).toFixed(1)} s, accelerator ${s.accel ?? '-'}${s.accel === 'tcg' ? ' (emulated: timings are not comparable with native runs)' : ''}`);
  return lines.join('\n') + '\n';
}
