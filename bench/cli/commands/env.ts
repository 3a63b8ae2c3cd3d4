// `fusebench env`: what this kernel offers, tried rather than guessed.
import type { Command } from 'commander';
import { collectHost } from '../../env/host.js';
import { fuseInfoFromReady, unknownFuse } from '../../env/fuse-info.js';
import { readKernelOffer } from '../../env/kernel-offer.js';
import { toolVersion } from '../../version.js';
import type { Fuse } from '../../results/schema.js';

export function registerEnv(program: Command): void {
  program
    .command('env')
    .summary('what this kernel offers FUSE (tried, not guessed)')
    .description(
      'Report what this kernel offers FUSE: protocol, INIT flags by name (offered and negotiated by our server), ' +
        'passthrough usable (a backing file is really registered), io_uring offered/enabled, max_pages_limit, root.',
    )
    .option('--json', 'print one JSON document { tool, host, fuse, ioUring } on stdout')
    .action(async (o: { json?: boolean }) => {
      const host = collectHost();
      let fuse: Fuse;
      let error: string | null = null;
      try {
        fuse = fuseInfoFromReady(await readKernelOffer());
      } catch (e) {
        error = (e as Error).message;
        fuse = unknownFuse(error);
      }
      const ioUring = {
        offered: fuse.ioUringOffered ?? false,
        enabled: host.moduleParams?.['enable_uring'] === 'Y',
        hint: 'offered only when /sys/module/fuse/parameters/enable_uring is Y',
      };
      const doc = { tool: { name: 'fusebench', version: toolVersion() }, host, fuse, ioUring, error };
      if (o.json) {
        process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
      } else {
        const lines = [
          `kernel           ${host.kernelRelease} (${host.kernelVersion})`,
          `cpu              ${host.cpu} x${host.cpus ?? '?'}${host.emulated ? ' (emulated)' : ''}`,
          `root             ${host.root ? 'yes' : 'no'}`,
          `config           ${Object.entries(host.config ?? {}).map(([k, v]) => `${k.replace('CONFIG_', '')}=${v}`).join(' ')}`,
          `FUSE protocol    ${fuse.protocol}`,
          `INIT offered     ${fuse.initOffered.join(' ') || '-'}`,
          `INIT negotiated  ${fuse.initNegotiated.join(' ') || '-'}`,
          `max_write        ${fuse.maxWrite ?? '-'} (max_pages ${fuse.maxPages ?? '-'}, max_pages_limit ${host.sysctls?.['max_pages_limit'] ?? '-'})`,
          `passthrough      ${fuse.passthroughUsable ? 'usable' : `not usable: ${fuse.passthroughReason ?? 'unknown'}`}`,
          `io_uring         offered ${ioUring.offered ? 'yes' : 'no'}, enable_uring=${host.moduleParams?.['enable_uring'] ?? '-'}`,
          `module params    ${Object.entries(host.moduleParams ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`,
          `sysctls          ${Object.entries(host.sysctls ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
        if (error) process.stderr.write(`fusebench: could not mount a test server: ${error}\n`);
      }
      if (error) process.exitCode = 1;
    });
}
