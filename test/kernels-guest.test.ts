// Kernel matrix, end to end: fetch (or reuse from the cache) the smallest useful Debian kernel, boot it
// under QEMU and run `probe --json` in it. Needs qemu-system-x86, busybox-static and the Debian archive
// (or the kernel already in the cache: $FUSEBENCH_KERNEL_CACHE, else ~/.cache/fusebench/kernels).
// This is also the CI run of one guest kernel through probe.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../bench/paths.js';
import { parseResults } from '../bench/results/schema.js';
import { findBusybox } from '../bench/kernels/initramfs.js';
import { requireTool } from './helpers/tools.js';

/** 6.1: the smallest download (one 67 MiB package), its guest needs the module loading path (virtio,
 *  9p, fuse all modules), and it differs from any recent host (no passthrough). */
const KERNEL = process.env['FUSEBENCH_TEST_KERNEL'] ?? '6.1';
const CLI = join(packageRoot(), 'dist', 'bench', 'cli', 'main.js');

function cli(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (process.env['FUSEBENCH_TEST_VERBOSE'] === '1') process.stderr.write(c);
    });
    const t = setTimeout(() => child.pid !== undefined && process.kill(child.pid, 'SIGTERM'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

/** QEMU processes whose command line mentions `marker` (only ours: the marker is our temp dir). */
function qemuWith(marker: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmd.includes('qemu-system') && cmd.includes(marker)) out.push(Number(pid));
    } catch {
      /* gone */
    }
  }
  return out;
}

/** A static busybox for the initramfs (requireTool cannot tell busybox from busybox-static). */
function requireStaticBusybox(): boolean {
  if (findBusybox() !== null) return true;
  const msg = 'a statically linked busybox is not installed (apt-get install busybox-static)';
  if (process.env['FUSEBENCH_REQUIRE_TOOLS'] === '1') throw new Error(`required tool missing: ${msg}`);
  process.stdout.write(`SKIP: ${msg}\n`);
  return false;
}

const haveTools = requireTool('qemu-system-x86_64', 'apt-get install qemu-system-x86') && requireStaticBusybox();

test(`kernels run --kernel ${KERNEL} -- probe --json boots a guest and brings its results back`, { skip: !haveTools && 'qemu or busybox-static missing', timeout: 280_000 }, async (t) => {
  // Fetch first, so a machine without the archive and without the kernel cached skips visibly.
  const fetched = await cli(['kernels', 'fetch', KERNEL, '--json'], 150_000);
  if (fetched.code !== 0) {
    const offline = /Could not resolve|Temporary failure|Connection (refused|timed out)|Network is unreachable|produced no package lists/i.test(fetched.stderr);
    if (offline && process.env['FUSEBENCH_REQUIRE_TOOLS'] !== '1') {
      process.stdout.write(`SKIP: the Debian archive is unreachable and kernel ${KERNEL} is not cached\n`);
      t.skip('Debian archive unreachable');
      return;
    }
    assert.fail(`kernels fetch ${KERNEL} failed (exit ${fetched.code}):\n${fetched.stderr.slice(-3000)}`);
  }
  const out = mkdtempSync(join(tmpdir(), 'fusebench-kernels-it-'));
  try {
    const r = await cli(['kernels', 'run', '--kernel', KERNEL, '--timeout', '220s', '--out', out, '--json', '--', 'probe', '--json'], 260_000);
    assert.equal(r.code, 0, `kernels run exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    const summary = JSON.parse(r.stdout) as { kernels: { status: string; abi: string; results: string; bootMs: number; accel: string }[]; report: { status: string } };
    assert.equal(summary.kernels.length, 1);
    const k = summary.kernels[0]!;
    assert.equal(k.status, 'ok');
    assert.ok(k.abi.startsWith(KERNEL), `${k.abi} is a ${KERNEL} kernel`);
    assert.equal(summary.report.status, 'skipped', 'one kernel makes no matrix');
    const doc = parseResults(JSON.parse(readFileSync(k.results, 'utf8')), k.results);
    assert.equal(doc.host.kernelRelease, k.abi, 'the results are the guest kernel’s');
    if (k.accel === 'tcg') assert.equal(doc.host.emulated, true);
    assert.ok(doc.probes.length > 0, 'probe verdicts came back');
    assert.ok(doc.config?.['guest'], 'the guest is recorded');
    if (KERNEL === '6.1') {
      const pt = doc.probes.filter((p) => p.id.startsWith('passthrough'));
      assert.ok(pt.length > 0 && pt.every((p) => p.verdict === 'unsupported'), '6.1 has no passthrough');
    }
    process.stdout.write(`${k.abi}: boot ${(k.bootMs / 1000).toFixed(1)} s under ${k.accel}\n`);
  } finally {
    // Nothing left behind: no QEMU of ours, nothing of ours mounted.
    assert.deepEqual(qemuWith(out), [], 'no QEMU process left');
    const mounts = readFileSync('/proc/mounts', 'utf8');
    assert.ok(!mounts.includes(out), 'nothing mounted under the output directory');
    rmSync(out, { recursive: true, force: true });
  }
  assert.ok(!existsSync(out));
});
