// Encoded histograms come from untrusted files: check each one before the library decodes it. The
// V2 compressed form is [cookie:int32][length:int32][zlib]; inflating a hostile stream without a limit
// could exhaust memory (a "zip bomb"), so it is inflated here once with a cap and its header checked.
import { inflateSync } from 'node:zlib';
import { decode } from '../bench/hist/histogram.js';
import { ResultsError, type Results } from '../bench/results/schema.js';

const COMPRESSED_COOKIE_BASE = 0x1c849304;
const PLAIN_COOKIE_BASE = 0x1c849303;
/** Far above any real histogram (a 1 ns … 1 h histogram at 3 digits inflates to well under 1 MiB). */
const MAX_INFLATED = 8 << 20;

/** Null when `b64` is a plausible V2 compressed histogram, else what is wrong with it. */
function checkEncodedHistogram(b64: string): string | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64.trim())) return 'not base64';
  const buf = Buffer.from(b64.trim(), 'base64');
  if (buf.length < 8) return 'too short for an HdrHistogram V2 encoding';
  if ((buf.readInt32BE(0) & ~0xf0) !== COMPRESSED_COOKIE_BASE) return 'not an HdrHistogram V2 compressed encoding (bad cookie)';
  const len = buf.readInt32BE(4);
  if (len < 0 || len > buf.length - 8) return 'compressed length is larger than the data';
  let inner: Buffer;
  try {
    inner = inflateSync(buf.subarray(8, 8 + len), { maxOutputLength: MAX_INFLATED });
  } catch (e) {
    return `cannot inflate (${(e as Error).message})`;
  }
  if (inner.length < 40) return 'inflated header too short';
  if ((inner.readInt32BE(0) & ~0xf0) !== PLAIN_COOKIE_BASE) return 'bad inner cookie';
  const digits = inner.readInt32BE(12);
  if (digits < 0 || digits > 5) return `numberOfSignificantValueDigits ${digits} out of range 0..5`;
  const lowest = Number(inner.readBigInt64BE(16));
  const highest = Number(inner.readBigInt64BE(24));
  if (!(lowest >= 1) || !(highest >= 2 * lowest)) return `bad value range ${lowest}..${highest}`;
  return null;
}

/** Throws a ResultsError naming the first bad histogram field (e.g. `cells.3.ops.write.histogram`). */
export function validateHistograms(r: Results, source: string): void {
  r.cells.forEach((c, i) => {
    for (const [op, o] of Object.entries(c.ops)) {
      const why = checkEncodedHistogram(o.histogram);
      let err = why;
      if (!err) {
        try {
          decode(o.histogram).destroy();
        } catch (e) {
          err = (e as Error).message;
        }
      }
      if (err) throw new ResultsError(`${source}: invalid field cells.${i}.ops.${op}.histogram: ${err}`);
    }
  });
}
