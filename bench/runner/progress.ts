// Progress on stderr: a bar with ETA on a TTY, one plain line per cell otherwise (CI logs).

function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

export class Progress {
  private done = 0;
  private doneEstimate = 0;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly totalEstimateMs: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(out.isTTY) && process.env['CI'] === undefined;
  }

  /** ETA scales the remaining estimate by how fast the finished cells went against their estimate. */
  private eta(): number {
    const elapsed = Date.now() - this.started;
    const speed = this.doneEstimate > 0 ? elapsed / this.doneEstimate : 1;
    return (this.totalEstimateMs - this.doneEstimate) * speed;
  }

  start(label: string): void {
    if (!this.tty) return;
    const width = 30;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
    const line = `[${bar}] ${this.done}/${this.total} ETA ${fmtDuration(this.eta())}  ${label}`;
    const cols = this.out.columns ?? 120;
    this.out.write(`\r\x1b[K${line.slice(0, cols - 1)}`);
  }

  finish(label: string, estimateMs: number, summary: string): void {
    this.done++;
    this.doneEstimate += estimateMs;
    if (this.tty) {
      this.out.write(`\r\x1b[K`);
      return;
    }
    this.out.write(`[${this.done}/${this.total}] ${label}: ${summary} (ETA ${fmtDuration(this.eta())})\n`);
  }

  end(): void {
    if (this.tty) this.out.write('\r\x1b[K');
  }
}
