// Debian version ordering (Debian Policy 5.6.12): "7.3~rc7-1~exp1" < "7.3.4-1~bpo13+1", so
// "--kernel 7.3" picks the release over the release candidate without special cases.

interface Parsed {
  epoch: number;
  upstream: string;
  revision: string;
}

function parse(v: string): Parsed {
  let rest = v.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon > 0 && /^\d+$/.test(rest.slice(0, colon))) {
    epoch = Number(rest.slice(0, colon));
    rest = rest.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  if (dash < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, dash), revision: rest.slice(dash + 1) };
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Weight of one character in the non-digit parts: '~' before everything, even the end. */
function weight(c: string | undefined): number {
  if (c === undefined || isDigit(c)) return 0;
  if (c === '~') return -1;
  const code = c.charCodeAt(0);
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return code;
  return code + 256;
}

function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Non-digit prefix, character by character.
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const d = weight(a[i]) - weight(b[j]);
      if (d !== 0) return d;
      i++;
      j++;
    }
    // Digit run, numerically (leading zeros do not count).
    while (a[i] === '0') i++;
    while (b[j] === '0') j++;
    let first = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (first === 0) first = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (first !== 0) return first;
  }
  return 0;
}

/** <0, 0, >0 like a comparator: Debian's ordering of two version strings. */
export function compareDebVersions(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  if (pa.epoch !== pb.epoch) return pa.epoch - pb.epoch;
  const u = comparePart(pa.upstream, pb.upstream);
  if (u !== 0) return Math.sign(u);
  return Math.sign(comparePart(pa.revision, pb.revision));
}

/** The upstream kernel version of a Debian version: "6.1.176-1" → "6.1.176", "7.3~rc7-1~exp1" → "7.3-rc7". */
export function upstreamOf(debVersion: string): string {
  return parse(debVersion).upstream.replace(/\+.*$/, '').replace('~', '-');
}
