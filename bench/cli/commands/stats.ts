// `fusebench stats MOUNTPOINT`: live counters of the server behind a mount.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ControlClient } from '../../server/control.js';
import { controlPathFor } from '../../server/control-path.js';
import { formatStatsTable } from '../../server/format-stats.js';
import { readMounts } from '../../server/mounts.js';
import type { ServerStats } from '../../server/types.js';
import { FailError } from '../errors.js';

export function registerStats(program: Command): void {
  program
    .command('stats')
    .summary('live stats of the server behind a mount')
    .description('Print the live stats of the fusebench server on MOUNTPOINT: requests, bytes and errors per opcode, max and mean requests in flight per inode, service times, and its threads: the most busy at once against its ceiling, with a warning when every thread was busy (the server, not the kernel, was then the limit).')
    .argument('<mountpoint>', 'a mount made by fusebench mount/run/probe')
    .option('--json', 'print one JSON document: { "ops": { "<OPCODE>": { count, bytes, errors, maxInFlightPerInode, meanInFlight } }, … }')
    .option('--reset', 'zero the counters after reading them')
    .action(async (mountpoint: string, o: { json?: boolean; reset?: boolean }) => {
      const mp = resolve(mountpoint);
      const m = readMounts().find((e) => e.target === mp);
      if (!m) throw new FailError(`${mp} is not mounted`);
      if (!m.fstype.startsWith('fuse')) throw new FailError(`${mp} is a ${m.fstype} mount, not a fusebench one`);
      const path = controlPathFor(mp);
      if (!existsSync(path)) throw new FailError(`no fusebench control socket for ${mp} (expected ${path}); was it mounted by fusebench?`);
      const c = new ControlClient(path, 5000);
      try {
        const s = (await c.request({ cmd: 'stats' })) as unknown as ServerStats;
        if (o.reset) await c.request({ cmd: 'reset' });
        if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
        else process.stdout.write(formatStatsTable(s));
      } finally {
        c.close();
      }
    });
}
