// Number formatting for everything people read: terminal tables, reports, the comparison page.

export function fmtNs(ns: number | undefined): string {
  if (ns === undefined || !Number.isFinite(ns)) return '-';
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${Math.round(ns)} ns`;
}

export function fmtRate(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}

export function fmtBytesPerSec(n: number): string {
  if (!Number.isFinite(n) || n <= 0) return '-';
  const mib = n / (1024 * 1024);
  return mib >= 100 ? `${mib.toFixed(0)} MiB/s` : `${mib.toFixed(1)} MiB/s`;
}

export function fmtBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}

export function fmtRatio(r: number): string {
  if (!Number.isFinite(r)) return '-';
  return r >= 10 ? r.toFixed(1) : r.toFixed(3);
}

export function fmtBlockSize(n: number): string {
  if (n % (1 << 20) === 0) return `${n >> 20}m`;
  if (n % 1024 === 0) return `${n >> 10}k`;
  return String(n);
}
