// micro's pieces without mounts: option parsing, ratios, entries from tinybench, the table, and a
// native-floor run whose document validates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Bench } from 'tinybench';
import { microOptionsFromFlags } from '../bench/cli/commands/micro.js';
import { UsageError } from '../bench/cli/errors.js';
import { addRatios, emptyEntry, entryFromTask } from '../bench/micro/entries.js';
import { microTable } from '../bench/micro/format.js';
import { QUICK, runMicro } from '../bench/micro/run.js';
import { TASKS } from '../bench/micro/tasks.js';
import { parseResults, type Micro } from '../bench/results/schema.js';

test('micro options: defaults, lists, usage errors', () => {
  const q = microOptionsFromFlags({ quick: true });
  assert.deepEqual(q.servers, ['c', 'fuse-native']);
  assert.deepEqual(q.modes, ['cached', 'direct']);
  assert.equal(q.preset, QUICK);
  const full = microOptionsFromFlags({});
  assert.ok(full.modes.includes('passthrough-parallel'));
  assert.deepEqual(microOptionsFromFlags({ servers: 'fuse-native', modes: 'direct,direct+async-dio', time: '20ms' }).modes, ['direct', 'direct+async-dio']);
  assert.equal(microOptionsFromFlags({ time: '20ms' }).preset.timeMs, 20);
  assert.throws(() => microOptionsFromFlags({ servers: 'rust' }), UsageError);
  assert.throws(() => microOptionsFromFlags({ modes: 'fast' }), UsageError);
  assert.throws(() => microOptionsFromFlags({ modes: ',' }), UsageError);
});

test('ratios are p50 over the native p50 of the same task; not-ok entries get none', () => {
  const ok = (name: string, server: string, mode: string, p50Ns: number): Micro => ({
    name, server, mode, meanNs: p50Ns, p50Ns, p99Ns: p50Ns, sdNs: 0, rme: 0, samples: 10, ratioToNative: null, status: 'ok', reason: null,
  });
  const es = [
    ok('stat', 'native', 'native', 1000),
    ok('stat', 'c', 'cached', 3000),
    ok('readdir-1000', 'c', 'cached', 5000),
    emptyEntry('stat', { server: 'fuse-native', mode: 'parallel' }, 'unsupported', 'why'),
  ];
  addRatios(es);
  assert.equal(es[0]!.ratioToNative, 1);
  assert.equal(es[1]!.ratioToNative, 3);
  assert.equal(es[2]!.ratioToNative, null, 'no native entry for that task');
  assert.equal(es[3]!.ratioToNative, null);
  const table = microTable(es, { stat: 'stat(2)' });
  assert.match(table, /c\/cached .*3\.00×/);
  assert.match(table, /fuse-native\/parallel: unsupported: why/);
});

test('tinybench statistics become ns entries', () => {
  const b = new Bench({ time: 5, iterations: 20, warmup: false });
  b.add('spin', () => {
    let x = 0;
    for (let i = 0; i < 1000; i++) x += i;
    return x;
  });
  b.add('boom', () => {
    throw new Error('kaput');
  });
  b.runSync();
  const spin = entryFromTask(b.tasks[0]!, { server: 'native', mode: 'native' });
  assert.equal(spin.status, 'ok');
  assert.ok(spin.samples >= 20);
  assert.ok(spin.p99Ns >= spin.p50Ns && spin.p50Ns > 0);
  const boom = entryFromTask(b.tasks[1]!, { server: 'c', mode: 'cached' });
  assert.equal(boom.status, 'error');
  assert.match(boom.reason ?? '', /kaput/);
});

test('native-only micro run: every task, valid document', async () => {
  const r = await runMicro({ preset: { timeMs: 5, iterations: 5, warmupTimeMs: 1, warmupIterations: 1 }, quick: true, servers: [], modes: ['cached'], log: () => {} });
  const doc = parseResults(JSON.parse(JSON.stringify(r)));
  const names = (doc.micro ?? []).map((e) => e.name);
  for (const t of TASKS) assert.ok(names.includes(t.name), t.name);
  for (const e of doc.micro ?? []) {
    assert.equal(e.server, 'native');
    // mmap needs the addon; without it that task is an error entry, everything else must be ok.
    if (e.name !== 'mmap-first-touch') assert.equal(e.status, 'ok', `${e.name}: ${e.reason}`);
  }
});
