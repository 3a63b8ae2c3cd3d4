// Client for the server's control socket: one JSON object per line each way.
import { createConnection, type Socket } from 'node:net';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export class ControlClient {
  private socket: Socket | null = null;
  private buffer = '';
  private waiting: Array<{ resolve: (v: Record<string, Json>) => void; reject: (e: Error) => void }> = [];
  private closedError: Error | null = null;

  constructor(private readonly path: string, private readonly timeoutMs = 10_000) {}

  private connect(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const s = createConnection(this.path);
      s.setEncoding('utf8');
      s.once('connect', () => {
        this.socket = s;
        this.closedError = null;
        resolve(s);
      });
      s.once('error', (e) => {
        this.failAll(e);
        reject(new Error(`control socket ${this.path}: ${e.message}`));
      });
      s.on('data', (chunk: string) => this.onData(chunk));
      s.on('close', () => {
        this.socket = null;
        this.failAll(new Error(`control socket ${this.path} closed (server gone?)`));
      });
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + 1);
      const w = this.waiting.shift();
      if (!w) continue;
      try {
        w.resolve(JSON.parse(line) as Record<string, Json>);
      } catch (e) {
        w.reject(new Error(`control socket: bad reply ${JSON.stringify(line.slice(0, 200))}: ${(e as Error).message}`));
      }
    }
  }

  private failAll(e: Error): void {
    this.closedError = e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  /** Sends one command; rejects on `{"ok":false}` with the server's error text. */
  async request(cmd: Record<string, Json>): Promise<Record<string, Json>> {
    const s = await this.connect();
    if (this.closedError && !this.socket) throw this.closedError;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiting.findIndex((w) => w.resolve === ok);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new Error(`control socket: no reply to ${String(cmd['cmd'])} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const ok = (v: Record<string, Json>): void => {
        clearTimeout(timer);
        if (v['ok'] === false) reject(new Error(`server refused ${String(cmd['cmd'])}: ${String(v['error'])}`));
        else resolve(v);
      };
      this.waiting.push({
        resolve: ok,
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      s.write(JSON.stringify(cmd) + '\n');
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = null;
  }
}
