// The rules the code relies on ship as docs/kernel-fuse.md, and code cites them by section name: every
// cited name must be a heading there, and nothing may point at documents that are not in the repository.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { packageRoot } from '../bench/paths.js';

const ROOT = packageRoot();
const DOC = join(ROOT, 'docs', 'kernel-fuse.md');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|c|h|md)$/.test(n) ? [p] : [];
  });
}

// This file talks about citations without making any.
const SOURCES = [...['bench', 'reports', 'workers', 'native', 'test', 'docs'].flatMap((d) => files(join(ROOT, d))), join(ROOT, 'README.md')].filter(
  (f) => !f.endsWith('docs-refs.test.ts'),
);

/** Comment continuation markers removed, so a citation that wraps across lines reads as one. */
function flatten(text: string): string {
  return text.replace(/\n\s*(?:\/\/|\*(?!\/))?\s*/g, ' ');
}

/** Section names cited right after each `docs/kernel-fuse.md`: "A", "B" (c), trap 4, ("C"). */
function citations(text: string): string[] {
  const out: string[] = [];
  const flat = flatten(text);
  for (const m of flat.matchAll(/docs\/kernel-fuse\.md/g)) {
    let rest = flat.slice(m.index + m[0].length, m.index + m[0].length + 400);
    rest = rest.replace(/^`?('s)?\s*\(?/, '');
    for (;;) {
      const q = /^"([^"]+)"(?:\s*\([a-z0-9]\))?(?:,\s*(?:trap \d+,?\s*)?)?\s*/.exec(rest);
      if (!q) break;
      out.push(q[1]!);
      rest = rest.slice(q[0].length);
    }
  }
  return out;
}

test('every section of docs/kernel-fuse.md the code cites exists', () => {
  const headings = new Set(
    readFileSync(DOC, 'utf8')
      .split('\n')
      .filter((l) => /^#{2,4} /.test(l))
      .map((l) => l.replace(/^#+ /, '').trim()),
  );
  assert.ok(headings.has('mmap rules') && headings.has('Splice and copy_file_range'), [...headings].join(' | '));
  let cited = 0;
  for (const f of SOURCES) {
    for (const name of citations(readFileSync(f, 'utf8'))) {
      cited++;
      assert.ok(headings.has(name), `${relative(ROOT, f)} cites docs/kernel-fuse.md "${name}", which is not a heading there`);
    }
  }
  assert.ok(cited >= 20, `only ${cited} citations found: the scanner is broken`);
});

test('no reference to documents outside the repository', () => {
  for (const f of SOURCES) {
    const text = readFileSync(f, 'utf8');
    const stray = [...text.matchAll(/(?<![\w/])(?:kernel-fuse\.md|design\.md)/g)].filter((m) => !text.slice(0, m.index).endsWith('docs/'));
    assert.deepEqual(stray.map((m) => m[0]), [], `${relative(ROOT, f)} names a document outside docs/`);
    assert.doesNotMatch(text, /\/work\/shared|\.\.\/shared/, `${relative(ROOT, f)} points outside the repository`);
  }
});

test('the splice section says how a stale copy arises and that the server answers COPY_FILE_RANGE', () => {
  const doc = readFileSync(DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## Splice and copy_file_range'), doc.indexOf('## Passthrough'));
  assert.match(section, /For an `FOPEN_DIRECT_IO` file, `fuse_splice_read\(\)` uses `filemap_splice_read\(\)`/);
  assert.match(section, /fusebench-server answers\s+`COPY_FILE_RANGE\(_64\)` itself/);
  for (const src of ['fs/fuse/file.c', 'fs/fuse/iomode.c', 'fs/fuse/passthrough.c', 'fs/fuse/backing.c', 'fs/fuse/dev_uring.c', 'include/uapi/linux/fuse.h']) {
    assert.ok(doc.includes(src), `the doc refers to ${src}`);
  }
});
