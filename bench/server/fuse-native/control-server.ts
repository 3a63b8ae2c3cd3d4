// The server side of the control socket, the subset of the C server's protocol this kind can honour:
// one JSON object per line each way; `stats`, `window`, `reset`, `delay`. Everything else is refused
// with a reason (FOPEN flags are a libfuse 2 mount option here, fixed for the life of the mount).
import { createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';

export type ControlReply = Record<string, unknown> & { ok: boolean };
export type ControlHandler = (cmd: Record<string, unknown>) => ControlReply;

export function serveControl(path: string, handle: ControlHandler): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((sock: Socket) => {
    sock.setEncoding('utf8');
    let buf = '';
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line === '') continue;
        let reply: ControlReply;
        try {
          const cmd = JSON.parse(line) as unknown;
          if (typeof cmd !== 'object' || cmd === null || Array.isArray(cmd)) throw new Error('a command is a JSON object');
          reply = handle(cmd as Record<string, unknown>);
        } catch (e) {
          reply = { ok: false, error: (e as Error).message };
        }
        sock.write(JSON.stringify(reply) + '\n');
      }
      if (buf.length > 1 << 20) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
  });
  return new Promise((res, rej) => {
    server.once('error', rej);
    server.listen(path, () => {
      server.off('error', rej);
      res(server);
    });
  });
}
