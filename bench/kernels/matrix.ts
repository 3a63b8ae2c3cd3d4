// `kernels run`: one guest per kernel, one results file per kernel, then `compare` over them (the
// kernels × probes matrix). Kernels are Debian's (fetched into the cache) or local images someone
// built; a local image is checked before anything boots, and a mistake in it stops the run at once.
// A kernel that fails to fetch, boot or finish is recorded and the next one still runs.
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
import { Archive, resolveDefault, resolveKernels } from './resolve.js';
import { planLocalKernel, stageLocalKernel, type LocalKernelPlan } from './local.js';
import { DEFAULT_SPEC, type DebianRequest, type KernelRequest, type LocalRequest } from './requests.js';
import { guestResults, type GuestMeta } from './results.js';
import { haveCommand, runTool } from './proc.js';

export interface KernelsRunOptions {
  requests: KernelRequest[];
  archive: Archive;
  /**
   * true (kernels run): each distinct kernel once, oldest first. false (kernels ab): every request,
   * in the given order, even the same kernel twice.
   */
  distinct: boolean;
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
  /** Its column and directory name (kernels ab: base, test), else null. */
  label: string | null;
  source: 'debian' | 'local';
  abi: string | null;
  /** Debian package version; null for a local image. */
  debVersion: string | null;
  /** A local image: its path, sha256, and where its config came from. */
  image: { path: string; sha256: string; config: string | null } | null;
  /** Extra kernel parameters it was booted with. */
  append: string[];
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
  /** What could not be had (a default kernel the archive lacks), said once more at the end. */
  notes: string[];
  command: string[];
  accel: Accel | null;
  accelReason: string;
  kernels: KernelRecord[];
  report: ReportRecord;
  totalMs: number;
  /** Ctrl-C / SIGTERM stopped the run. */
  interrupted: boolean;
}

function cliEntry(): string {
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
function compareAvailable(entry = cliEntry()): boolean {
  const r = spawnSync(process.execPath, [entry, 'compare', '--help'], { stdio: 'ignore' });
  return r.status === 0;
}

/** A kernel ready to boot: a cache entry (fetched, or a staged local image) and the request it answers. */
interface Target {
  request: KernelRequest;
  spec: string;
  entry: CacheEntry;
  plan: LocalKernelPlan | null;
}

/** Reads and checks every local image first: a mistake in one stops the run before anything boots. */
function planLocalKernels(requests: KernelRequest[], scratch: boolean, log: Log): Map<LocalRequest, LocalKernelPlan> {
  const plans = new Map<LocalRequest, LocalKernelPlan>();
  for (const r of requests) {
    if (r.kind !== 'local') continue;
    const p = planLocalKernel(r, { scratch });
    log(`${r.image}: ${p.kind} ${p.release}; ${[...p.notes, p.pick ? `modules ${p.pick.order.join(' ') || 'none'}` : 'no modules'].join('; ')}`);
    for (const w of p.warnings) log(`${r.image}: warning: ${w}`);
    plans.set(r, p);
  }
  return plans;
}

/** Debian requests with `default` replaced by the kernels it stands for. */
async function expandDefault(requests: KernelRequest[], archive: Archive, log: Log, notes: string[]): Promise<KernelRequest[]> {
  if (!requests.some((r) => r.kind === 'debian' && r.spec === DEFAULT_SPEC)) return requests;
  const d = await resolveDefault(archive, log);
  log(`default kernels: ${d.specs.join(', ') || 'none'}`);
  for (const n of d.notes) log(`default kernels: ${n}`);
  notes.push(...d.notes);
  return requests.flatMap((r) => (r.kind === 'debian' && r.spec === DEFAULT_SPEC ? d.specs.map((spec): KernelRequest => ({ ...r, spec, append: [...r.append] })) : [r]));
}

/** Output directory names: the label, else the release; a second use of one gets -2, -3, … */
export function runDirNames(names: string[]): string[] {
  const used = new Map<string, number>();
  return names.map((n) => {
    const safe = n.replace(/[^A-Za-z0-9.+_-]/g, '_');
    const k = (used.get(safe) ?? 0) + 1;
    used.set(safe, k);
    return k === 1 ? safe : `${safe}-${k}`;
  });
}

export async function runKernels(o: KernelsRunOptions): Promise<KernelsRunSummary> {
  const t0 = Date.now();
  const plans = planLocalKernels(o.requests, o.scratchBytes > 0, o.log);
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
  const notes: string[] = [];
  let accel: Accel | null = null;
  let accelReason = '';
  const command = guestArgv(o.fusebenchArgs, o.exec, process.execPath, cliEntry());
  try {
    const requests = await expandDefault(o.requests, o.archive, o.log, notes);
    const debian = requests.filter((r): r is DebianRequest => r.kind === 'debian');
    const resolved = debian.length > 0 ? await resolveKernels(debian.map((r) => r.spec), o.archive, { preferCache: true, log: o.log }) : [];
    const targets: Target[] = [];
    let staged = 0;
    for (const r of requests) {
      if (r.kind === 'debian') {
        const res = resolved[debian.indexOf(r)]!;
        if ('error' in res) records.push({ ...blank(r.spec, 'fetch-failed', res.error), label: r.label, append: r.append });
        else targets.push({ request: r, spec: r.spec, entry: res.entry, plan: null });
      } else {
        const plan = plans.get(r)!;
        targets.push({ request: r, spec: r.image, entry: stageLocalKernel(plan, join(workDir, `local-${++staged}`)), plan });
      }
    }
    let runs = targets;
    if (o.distinct) {
      // One run per distinct kernel and command line, oldest first: the matrix reads left to right in version order.
      const seen = new Set<string>();
      runs = targets.filter((t) => {
        const key = `${t.plan ? t.plan.sha256 : t.entry.dir}\u0000${t.request.append.join(' ')}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      runs.sort((a, b) => compareDebVersions(a.entry.version, b.entry.version));
    }
    const dirs = runDirNames(runs.map((t) => t.request.label ?? t.entry.abi));
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
    for (const [i, t] of runs.entries()) {
      if (stop) {
        records.push({ ...blank(t.spec, 'skipped', 'stopped before this kernel ran'), ...identity(t) });
        continue;
      }
      records.push(await runOne(o, t, join(outDir, dirs[i]!), accel!, command, workDir, busybox, qemu, () => stop));
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(workDir, { recursive: true, force: true });
  }
  const report = await matrixReport(o, records, outDir);
  const summary: KernelsRunSummary = { outDir, notes, command, accel, accelReason, kernels: records, report, totalMs: Date.now() - t0, interrupted: stop };
  writeFileSync(join(outDir, 'kernels.json'), JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

/** The fields of a record that say which kernel it is. */
function identity(t: Target): Pick<KernelRecord, 'label' | 'source' | 'abi' | 'debVersion' | 'suites' | 'image' | 'append'> {
  return {
    label: t.request.label,
    source: t.plan ? 'local' : 'debian',
    abi: t.entry.abi,
    debVersion: t.plan ? null : t.entry.version,
    suites: t.entry.suites,
    image: t.plan ? { path: t.plan.image, sha256: t.plan.sha256, config: t.plan.config?.source ?? null } : null,
    append: t.request.append,
  };
}

function blank(spec: string, status: KernelStatus, error: string): KernelRecord {
  return { spec, label: null, source: 'debian', abi: null, debVersion: null, image: null, append: [], suites: [], accel: null, status, exitCode: null, bootMs: null, guestReadyUptimeS: null, commandMs: null, wallMs: null, dir: null, results: null, error, warnings: [], retries: 0 };
}

async function runOne(
  o: KernelsRunOptions,
  t: Target,
  dir: string,
  accel: Accel,
  argv: string[],
  workDir: string,
  busybox: string,
  qemu: string,
  shouldStop: () => boolean,
): Promise<KernelRecord> {
  const { entry } = t;
  const name = t.request.label ? `${t.request.label} (${entry.abi})` : entry.abi;
  mkdirSync(dir, { recursive: true });
  const command: GuestCommand = { argv, cwd: process.cwd(), env: guestEnv(accel, o.env) };
  const startedAt = new Date().toISOString();
  o.log(`${name}: booting under ${accel}${t.request.append.length > 0 ? ` with ${t.request.append.join(' ')}` : ''} (timeout ${(o.timeoutMs / 1000).toFixed(0)} s)`);
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
    append: t.request.append,
    ...(o.relay ? { onStderrLine: (l: string) => process.stderr.write(`[${t.request.label ?? entry.abi}] ${l}\n`) } : {}),
    onMarker: (m) => {
      if (m.kind === 'ready') o.log(`${name}: booted in ${(m.atMs / 1000).toFixed(1)} s (guest uptime ${m.args[0]} s); running ${argv.slice(argv[0] === process.execPath ? 2 : 0).join(' ')}`);
      if (m.kind === 'warn' || m.kind === 'fail') o.log(`${name}: guest ${m.kind}: ${m.args.join(' ')}`);
    },
    shouldStop,
  });
  const finishedAt = new Date().toISOString();
  const rec: KernelRecord = {
    spec: t.spec,
    ...identity(t),
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
    warnings: [...(t.plan?.warnings ?? []), ...g.warnings],
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
      label: t.request.label,
      debVersion: rec.debVersion,
      image: rec.image,
      append: t.request.append,
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
  if (rec.status === 'ok') o.log(`${name}: done in ${took}${rec.results ? ` → ${relative(process.cwd(), rec.results)}` : ''}`);
  else o.log(`${name}: ${rec.status} after ${took}: ${rec.error ?? `exit ${rec.exitCode}`} (console: ${relative(process.cwd(), g.consoleLog)}, stderr: ${relative(process.cwd(), join(g.shareDir, 'stderr'))})`);
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
  const rows = [['KERNEL', 'FROM', 'ACCEL', 'BOOT', 'COMMAND', 'STATUS', 'RESULTS']];
  for (const k of s.kernels) {
    rows.push([
      `${k.label ? `${k.label}: ` : ''}${k.abi ?? k.spec}${k.append.length > 0 ? ` [${k.append.join(' ')}]` : ''}`,
      k.image ? relativeIfShorter(k.image.path) : k.debVersion ? `Debian ${k.debVersion}` : '-',
      k.accel ?? '-',
      k.bootMs !== null ? `${(k.bootMs / 1000).toFixed(1)} s` : '-',
      k.commandMs !== null ? `${(k.commandMs / 1000).toFixed(1)} s` : '-',
      k.status === 'exit-nonzero' || (k.status === 'ok' && k.exitCode !== null && k.exitCode !== 0) ? `${k.status} (exit ${k.exitCode})` : k.status,
      k.results ? relative(process.cwd(), k.results) : (k.error ?? '-'),
    ]);
  }
  const lines = [textTable(rows[0]!, rows.slice(1), { numeric: () => false, rule: false }).trimEnd()];
  for (const n of s.notes) lines.push(`note: ${n}`);
  lines.push(`matrix report: ${s.report.status === 'written' ? s.report.dir : `${s.report.status} (${s.report.message})`}`);
  lines.push(`total ${(s.totalMs / 1000).toFixed(1)} s, accelerator ${s.accel ?? '-'}${s.accel === 'tcg' ? ' (emulated: timings are not comparable with native runs)' : ''}`);
  return lines.join('\n') + '\n';
}

function relativeIfShorter(p: string): string {
  const r = relative(process.cwd(), p);
  return r.length < p.length ? r : p;
}
