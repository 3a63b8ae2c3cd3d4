// Kernel matrix, end to end: fetch (or reuse from the cache) the smallest useful Debian kernel, boot it
// under QEMU and run `probe --json` in it; then boot the same kernel once more the way a reviewer boots
// their own build (--kernel-image and --modules, paths instead of a version). Needs qemu-system-x86,
// busybox-static and the Debian archive (or the kernel already in the cache: $FUSEBENCH_KERNEL_CACHE,
// else ~/.cache/fusebench/kernels). This is also the CI run of guest kernels through probe (two boots).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parseResults } from '../bench/results/schema.js';
import { findBusybox } from '../bench/kernels/initramfs.js';
import type { CacheEntry } from '../bench/kernels/cache.js';
import { cliAsync as cli } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';

/** 6.1: the smallest download (one 67 MiB package), its guest needs the module loading path (virtio,
 *  9p, fuse all modules), and it differs from any recent host (no passthrough). */
const KERNEL = process.env['FUSEBENCH_TEST_KERNEL'] ?? '6.1';

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

/**
 * A cached Debian kernel laid out like an installed build: boot/vmlinuz-<release> with its config
 * beside it, and a make modules_install tree (lib/modules/<release>/kernel/…, modules.builtin), one
 * module compressed as modules_install may leave it.
 */
function unpackAsBuild(entry: CacheEntry, dir: string): { image: string; modules: string } {
  const boot = join(dir, 'boot');
  const mods = join(dir, 'lib', 'modules', entry.abi);
  mkdirSync(boot, { recursive: true });
  mkdirSync(join(mods, 'kernel'), { recursive: true });
  const image = join(boot, `vmlinuz-${entry.abi}`);
  copyFileSync(join(entry.dir, entry.vmlinuz), image);
  copyFileSync(join(entry.dir, entry.config!), join(boot, `config-${entry.abi}`));
  for (const m of entry.modules) {
    const ko = readFileSync(join(entry.dir, m.file));
    if (m.name === 'fuse') writeFileSync(join(mods, 'kernel', 'fuse.ko.gz'), gzipSync(ko));
    else writeFileSync(join(mods, 'kernel', `${m.name}.ko`), ko);
  }
  writeFileSync(join(mods, 'modules.builtin'), entry.builtin.map((n) => `kernel/${n}.ko\n`).join(''));
  return { image, modules: dir };
}

test(`kernels run --kernel-image --modules (a ${KERNEL} kernel unpacked like a build) boots it by path and gets probe --json back`, { skip: !haveTools && 'qemu or busybox-static missing', timeout: 280_000 }, async (t) => {
  const fetched = await cli(['kernels', 'fetch', KERNEL, '--json'], 150_000);
  if (fetched.code !== 0) {
    if (process.env['FUSEBENCH_REQUIRE_TOOLS'] !== '1') {
      process.stdout.write(`SKIP: kernel ${KERNEL} is neither cached nor fetchable\n`);
      t.skip('no kernel to unpack');
      return;
    }
    assert.fail(`kernels fetch ${KERNEL} failed (exit ${fetched.code}):\n${fetched.stderr.slice(-3000)}`);
  }
  const entry = (JSON.parse(fetched.stdout) as { kernels: CacheEntry[] }).kernels[0]!;
  const tree = mkdtempSync(join(tmpdir(), 'fusebench-kernels-build-'));
  const out = mkdtempSync(join(tmpdir(), 'fusebench-kernels-img-'));
  try {
    const { image, modules } = unpackAsBuild(entry, tree);
    // A module parameter on the command line must reach the module, which busybox insmod loads.
    const r = await cli(['kernels', 'run', '--kernel-image', image, '--modules', modules, '--append', 'fuse.max_user_bgreq=77', '--timeout', '220s', '--out', out, '--json', '--', 'probe', '--json'], 260_000);
    assert.equal(r.code, 0, `kernels run exited ${r.code}:\n${r.stderr.slice(-4000)}`);
    assert.match(r.stderr, new RegExp(`config ${join(tree, 'boot', `config-${entry.abi}`).replace(/[.+]/g, '\\$&')}`), 'the config beside the image was found and checked');
    const summary = JSON.parse(r.stdout) as { kernels: { status: string; abi: string; source: string; debVersion: string | null; image: { path: string; sha256: string } | null; results: string; append: string[] }[] };
    assert.equal(summary.kernels.length, 1);
    const k = summary.kernels[0]!;
    assert.equal(k.status, 'ok');
    assert.equal(k.source, 'local');
    assert.equal(k.abi, entry.abi, 'the release was read from the image');
    assert.equal(k.debVersion, null);
    assert.equal(k.image?.path, image);
    assert.deepEqual(k.append, ['fuse.max_user_bgreq=77']);
    const doc = parseResults(JSON.parse(readFileSync(k.results, 'utf8')), k.results);
    assert.equal(doc.host.kernelRelease, entry.abi, 'the guest ran the image given by path');
    assert.ok(doc.probes.length > 0, 'probe verdicts came back');
    assert.equal(doc.host.moduleParams?.['max_user_bgreq'], '77', 'the --append module parameter reached fuse');
    const guest = doc.config?.['guest'] as { image?: { sha256: string } | null; debVersion: string | null };
    assert.equal(guest.image?.sha256, k.image?.sha256);
    assert.equal(guest.debVersion, null);
  } finally {
    assert.deepEqual(qemuWith(out), [], 'no QEMU process left');
    assert.ok(!readFileSync('/proc/mounts', 'utf8').includes(out), 'nothing mounted under the output directory');
    rmSync(out, { recursive: true, force: true });
    rmSync(tree, { recursive: true, force: true });
  }
});
