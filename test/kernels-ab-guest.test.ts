// `kernels ab` end to end, four guest boots: 6.1 against 6.12 (passthrough arrived in between: exit 3,
// the passthrough probes listed as changed) and 6.1 against itself (an A/A run: exit 0). Too long for
// every `npm test` (about 2 minutes per boot under TCG): runs when FUSEBENCH_KERNELS_AB=1, which the
// release check sets; otherwise it says SKIP. Needs what test/kernels-guest.test.ts needs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AbReport } from '../reports/ab.js';
import { cliAsync as cli } from './helpers/cli.js';
import { requireTool } from './helpers/tools.js';

const enabled = process.env['FUSEBENCH_KERNELS_AB'] === '1';
if (!enabled) process.stdout.write('SKIP: kernels ab boots four guests; set FUSEBENCH_KERNELS_AB=1 to run it\n');
const ready = enabled && requireTool('qemu-system-x86_64', 'apt-get install qemu-system-x86');

async function ab(args: string[], out: string): Promise<{ code: number | null; report: AbReport | null; stderr: string }> {
  const r = await cli(['kernels', 'ab', ...args, '--timeout', '300s', '--out', out, '--quiet', '--json'], 1_400_000);
  return { code: r.code, report: r.stdout.trim() ? (JSON.parse(r.stdout) as AbReport) : null, stderr: r.stderr };
}

test('kernels ab: 6.1 vs 6.12 exits 3 with the passthrough probes changed; 6.1 vs 6.1 exits 0', { skip: !ready && 'FUSEBENCH_KERNELS_AB is not 1', timeout: 1_500_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'fusebench-ab-it-'));
  try {
    const diff = await ab(['--base', '6.1', '--test', '6.12'], join(out, 'diff'));
    assert.equal(diff.code, 3, `6.1 vs 6.12 exited ${diff.code}:\n${diff.stderr.slice(-4000)}`);
    process.stdout.write(readFileSync(join(out, 'diff', 'ab.txt'), 'utf8'));
    const r = diff.report!;
    assert.equal(r.verdict, 'changed');
    assert.match(r.base.release, /^6\.1\./);
    assert.match(r.test.release, /^6\.12\./);
    const probes = r.dimensions.find((d) => d.id === 'probes')!;
    const pt = probes.changes.filter((c) => c.key.startsWith('passthrough'));
    assert.ok(pt.length > 0, `passthrough probes listed as changed: ${JSON.stringify(probes.changes)}`);
    assert.ok(pt.every((c) => c.base === 'unsupported' && c.test !== 'unsupported'), '6.1 has no passthrough, 6.12 has');
    assert.ok(r.dimensions.find((d) => d.id === 'init')!.changes.some((c) => c.key === 'PASSTHROUGH'));
    const html = readFileSync(r.html!, 'utf8');
    assert.ok(html.indexOf('What changed') < html.indexOf('Timings against the baseline'));
    if (r.timings.emulated) assert.match(readFileSync(join(out, 'diff', 'ab.txt'), 'utf8'), /Timings — emulated \(QEMU TCG\)/);

    const same = await ab(['--base', '6.1', '--test', '6.1'], join(out, 'same'));
    const changed = same.report?.dimensions.flatMap((d) => d.changes.map((c) => `${d.id} ${c.key}: ${c.base} → ${c.test}`)) ?? [];
    assert.equal(same.code, 0, `6.1 vs 6.1 exited ${same.code}: ${changed.join('; ')}\n${same.stderr.slice(-2000)}`);
    assert.equal(same.report!.verdict, 'unchanged');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
