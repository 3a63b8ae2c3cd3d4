// Kernel-to-kernel comparison: the statistics, noise (same kernel twice), an injected server delay
// (slower, right direction), the N-input matrix with an emulated run, hostile input, and the CLI's
// --json contract.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command } from 'commander';
import type { Results } from '../bench/results/schema.js';
import { compareResults, CompareError, DEFAULT_COMPARE, type Comparison, type TimingRow } from '../bench/analysis/compare.js';
import { compareHtml } from '../reports/compare-html.js';
import { compareText, sanitizeTerminal } from '../reports/compare-text.js';
import { bootstrapRatioCI, classify, DEFAULT_STATS } from '../bench/analysis/stats.js';
import { registerCompare, parsePercent } from '../bench/cli/commands/compare.js';
import { UsageError } from '../bench/cli/errors.js';
import { HOSTILE, hostileResults, syntheticResults } from './helpers/synthetic-results.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const cmp = (a: Results, b: Results, ...more: Results[]): Comparison =>
  compareResults([a, b, ...more].map((results, i) => ({ path: `in${i}.json`, results })));

function comparable(rows: TimingRow[], i = 1): TimingRow[] {
  return rows.filter((r) => r.values[0] && r.values[i] && r.values[0].repeats >= 2 && r.values[i]!.repeats >= 2);
}

test('bootstrap CI of the ratio of medians: deterministic; with 3 repeats it spans min/max to max/min', () => {
  const base = [100, 102, 104];
  const cand = [110, 111, 112];
  const a = bootstrapRatioCI(base, cand, DEFAULT_STATS, 'k');
  const b = bootstrapRatioCI(base, cand, DEFAULT_STATS, 'k');
  assert.deepEqual(a, b);
  assert.equal(a.ratio, 111 / 102);
  assert.ok(Math.abs(a.low - 110 / 104) < 1e-12, `low ${a.low}`);
  assert.ok(Math.abs(a.high - 112 / 100) < 1e-12, `high ${a.high}`);
  assert.equal(classify(a, true, 0.05), 'slower'); // 1.058 > 1.05
  assert.equal(classify(a, false, 0.05), 'faster');
  assert.equal(classify(a, true, 0.1), 'no significant change');
  const down = bootstrapRatioCI(cand, base, DEFAULT_STATS, 'k');
  assert.equal(classify(down, true, 0.05), 'faster');
  // Overlapping repeats are never a change, however far apart the medians.
  const wide = bootstrapRatioCI([100, 150, 200], [140, 190, 260], DEFAULT_STATS, 'k');
  assert.equal(classify(wide, true, 0.05), 'no significant change');
});

test('two runs of the same kernel: most cells show no significant change, no behaviour change', () => {
  const a = syntheticResults({ seed: 101 });
  const b = syntheticResults({ seed: 202 });
  const c = cmp(a, b);
  const rows = comparable(c.timing);
  assert.ok(rows.length >= 30, `${rows.length} comparable rows`);
  const same = rows.filter((r) => r.values[1]!.verdict === 'no significant change').length;
  assert.ok(same / rows.length >= 0.9, `${same} of ${rows.length} unchanged`);
  const s = c.summary[0]!;
  assert.equal(s.lockPathChanges + s.statusChanges + s.probeChanges + s.initChanges, 0);
  assert.ok(c.warnings.some((w) => /same kernel/.test(w)));
  assert.ok(c.cells.every((r) => !r.changed));
  assert.deepEqual(c.inputs.map((i) => i.label), ['6.18.44 #1', '6.18.44 #2']);
  // The fallback cell has one repeat: no interval, no call.
  assert.ok(c.timing.some((r) => r.scenario === 'fallback' && r.values[1]!.verdict === 'insufficient repeats'));
});

test('an injected server delay against none: slower, in the right direction, only where the server is in the path', () => {
  const none = syntheticResults({ seed: 11, delays: ['none'] });
  const slow = syntheticResults({ seed: 12, delays: ['write=200us'] });
  const c = cmp(none, slow);
  // The delay axis differs (one value per input): matched ignoring it, and said so.
  assert.deepEqual(c.matchedIgnoring['dio-write'], ['delay']);
  assert.ok(c.warnings.some((w) => /differ in delay \(none vs write=200us\)/.test(w)));
  const dio = c.timing.filter((r) => r.scenario === 'dio-write');
  assert.ok(dio.length >= 6);
  for (const r of dio) {
    const v = r.values[1]!;
    const serverBound = ['direct', 'parallel', 'passthrough-direct', 'passthrough-parallel'].includes(r.mode);
    if (serverBound) {
      assert.equal(v.verdict, 'slower', `${r.label}: ${v.verdict}`);
      assert.ok(v.p50!.ratio! > 1 && v.p50!.low! > 1.05, `${r.label} p50 ratio ${v.p50!.ratio}`);
      assert.ok(v.throughput!.ratio! < 1 && v.throughput!.high! < 0.95, `${r.label} throughput ratio ${v.throughput!.ratio}`);
      assert.equal(v.p50!.class, 'slower');
      assert.equal(v.throughput!.class, 'slower');
    } else {
      // Page cache and passthrough writes never reach the server's delay.
      assert.equal(v.verdict, 'no significant change', `${r.label}`);
    }
  }
  // Reads never had a delay: unchanged.
  for (const r of c.timing.filter((x) => x.scenario === 'read')) assert.notEqual(r.values[1]!.verdict, 'slower', r.label);
  // And the opposite direction reads as faster.
  const back = cmp(slow, none);
  for (const r of back.timing.filter((x) => x.scenario === 'dio-write' && x.mode === 'parallel')) assert.equal(r.values[1]!.verdict, 'faster');
});

test('a slower kernel (delay factor) is called slower with the same delay axis on both sides', () => {
  const c = cmp(syntheticResults({ seed: 31 }), syntheticResults({ seed: 32, delayFactor: 1.5, kernelRelease: '6.19.0' }));
  const direct = c.timing.filter((r) => r.scenario === 'dio-write' && r.mode === 'direct');
  assert.equal(direct.length, 2);
  for (const r of direct) assert.equal(r.values[1]!.verdict, 'slower', r.label);
  assert.ok(!c.warnings.some((w) => /more than the kernel/.test(w)));
});

test('N inputs: matrices per dimension, emulated timings not comparable, behaviour changes highlighted', () => {
  const base = syntheticResults({ seed: 41, kernelRelease: '6.18.44' });
  const next = syntheticResults({
    seed: 42,
    kernelRelease: '6.19.0',
    probeFlip: ['caching-open-fallback'],
    initNegotiated: ['ASYNC_READ', 'PARALLEL_DIROPS', 'PASSTHROUGH', 'MAX_PAGES'],
  });
  const emu = syntheticResults({ seed: 43, kernelRelease: '6.12.0', emulated: true, cpu: 'QEMU Virtual CPU version 2.5+' });
  // A behaviour change in the emulated kernel: parallel writes fall back to exclusive.
  for (const cell of emu.cells) {
    if (cell.scenario === 'dio-write' && cell.mode === 'parallel' && cell.serverStats['WRITE']) {
      cell.serverStats['WRITE'].maxInFlightPerInode = 1;
      cell.lockPath = 'exclusive';
    }
  }
  const c = cmp(base, next, emu);
  assert.deepEqual(c.inputs.map((i) => i.label), ['6.18.44', '6.19.0', '6.12.0']);
  assert.deepEqual(c.inputs.map((i) => i.timingComparable), [true, true, false]);
  assert.ok(c.warnings.some((w) => /6\.12\.0 differs .* CPU .*emulated vs native/.test(w)));
  // Timings: the emulated column is never classified.
  for (const r of c.timing) {
    const v = r.values[2];
    if (v) assert.equal(v.verdict, 'not comparable');
  }
  // Behaviour of the emulated kernel still counts.
  const lock = c.cells.filter((r) => r.changed && r.label.startsWith('dio-write · parallel'));
  assert.equal(lock.length, 2);
  assert.equal(lock[0]!.values[2]!.lockPath, 'exclusive');
  assert.equal(lock[0]!.values[0]!.lockPath, 'shared');
  const probe = c.probes.find((p) => p.key === 'caching-open-fallback')!;
  assert.ok(probe.changed);
  assert.deepEqual(probe.values.map((v) => v?.verdict), ['pass', 'fail', 'pass']);
  assert.equal(c.probes.filter((p) => p.changed).length, 1);
  const flag = c.init.find((r) => r.key === 'DIRECT_IO_ALLOW_MMAP')!;
  assert.ok(flag.changed);
  assert.deepEqual(flag.values.map((v) => v?.negotiated), [true, false, true]);
  assert.ok(c.capabilities.find((r) => r.key === 'emulated')!.changed);
  assert.equal(c.summary[1]!.lockPathChanges, 2);

  const html = compareHtml(c);
  assert.ok(!/<script/i.test(html));
  assert.ok(html.includes('class="changed"'));
  for (const l of ['6.18.44', '6.19.0', '6.12.0']) assert.ok(html.includes(`<th>${l}`));
  assert.ok(html.includes(c.method.name) && html.includes('bootstrap'));
  const text = compareText(c);
  assert.match(text, /caching-open-fallback\s+pass\s+fail\s+pass/);
  assert.match(text, /6\.12\.0 vs 6\.18\.44: .*not comparable/);
});

test('hostile input: compare page escapes, terminal table strips control characters', () => {
  const c = cmp(syntheticResults({ seed: 1, scenarios: ['dio-write', 'fallback', 'mmap'], repeats: 2, delays: ['none'], samples: 500 }), hostileResults());
  const html = compareHtml(c);
  assert.ok(!/<(script|img|iframe|svg)\b/i.test(html), 'no injected element');
  assert.ok(html.includes('&lt;script&gt;alert(&quot;release&quot;)&lt;/script&gt;'));
  const text = compareText(c, { all: true });
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text), 'no control character reaches the terminal');
  assert.equal(sanitizeTerminal(HOSTILE.terminal), '?]0;pwned??[2J');
  // The JSON document keeps the strings as they are (JSON escapes them).
  assert.ok(JSON.stringify(c).includes('\\u001b]0;pwned'));
});

test('--ignore that folds different cells together is refused', () => {
  const a = syntheticResults({ seed: 1, scenarios: ['dio-write'], modes: ['direct'], repeats: 2, samples: 300 });
  const b = syntheticResults({ seed: 2, scenarios: ['dio-write'], modes: ['direct'], repeats: 2, samples: 300 });
  assert.throws(
    () => compareResults([{ path: 'a.json', results: a }, { path: 'b.json', results: b }], { ...DEFAULT_COMPARE, ignore: ['delay'] }),
    (e: unknown) => e instanceof CompareError && /ignoring delay folds different cells/.test(e.message),
  );
});

test('parsePercent', () => {
  assert.equal(parsePercent('5%', 'x'), 0.05);
  assert.equal(parsePercent('5', 'x'), 0.05);
  assert.equal(parsePercent('0.05', 'x'), 0.05);
  assert.throws(() => parsePercent('abc', 'x'), UsageError);
  assert.throws(() => parsePercent('120%', 'x'), UsageError);
});

test('compare command: --json prints exactly one JSON document on stdout, the table on stderr', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fusebench-compare-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  writeFileSync(a, JSON.stringify(syntheticResults({ seed: 1, scenarios: ['dio-write', 'read'], samples: 500 })));
  writeFileSync(b, JSON.stringify(syntheticResults({ seed: 2, scenarios: ['dio-write', 'read'], samples: 500, delayFactor: 1.4, kernelRelease: '6.19.0' })));
  const out = join(dir, 'cmp');
  // A child process, so stdout is exactly what the command printed.
  const entry = `
    import { Command } from 'commander';
    import { registerCompare } from ${JSON.stringify(pathToFileURL(join(HERE, '../bench/cli/commands/compare.js')).href)};
    const p = new Command().exitOverride();
    registerCompare(p);
    await p.parseAsync(process.argv.slice(1), { from: 'user' });
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', entry, 'compare', a, b, '-o', out, '--json'], {
    encoding: 'utf8',
    cwd: join(HERE, '..', '..'),
  });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Comparison & { html: string };
  assert.equal(r.stdout.trim().split('\n').length, 1);
  assert.equal(doc.method.name, 'bootstrap-ratio-of-medians');
  assert.equal(doc.method.threshold, 0.05);
  assert.equal(doc.inputs[1]!.label, '6.19.0');
  assert.ok(doc.timing.some((row) => row.values[1]?.verdict === 'slower'));
  assert.equal(doc.html, join(out, 'compare.html'));
  assert.ok(existsSync(doc.html));
  assert.ok(readFileSync(doc.html, 'utf8').startsWith('<!DOCTYPE html>'));
  assert.match(r.stderr, /6\.19\.0 vs 6\.18\.44: \d+ slower/);
});

test('compare command: usage errors', async () => {
  const p = new Command().exitOverride();
  registerCompare(p);
  await assert.rejects(p.parseAsync(['compare', 'only-one.json'], { from: 'user' }), UsageError);
  const q = new Command().exitOverride();
  registerCompare(q);
  await assert.rejects(q.parseAsync(['compare', 'a.json', 'b.json', '--ignore', 'colour'], { from: 'user' }), UsageError);
});
