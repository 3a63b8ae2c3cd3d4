// `fusebench env`: what this kernel offers, tried rather than guessed.
import type { Command } from 'commander';
import { collectHost } from '../../env/host.js';
import { fuseInfoFromReady, unknownFuse } from '../../env/fuse-info.js';
import { readKernelOffer } from '../../env/kernel-offer.js';
import { toolVersion } from '../../version.js';
import type { Fuse, Host } from '../../results/schema.js';
import type { ReadyInfo } from '../../server/types.js';
import { withEnableUring } from '../../env/enable-uring.js';
import { uringSupport, type UringSupport } from '../../env/uring-support.js';

const URING_HINT = 'offered only when /sys/module/fuse/parameters/enable_uring is Y (--enable-uring sets it for one command)';

/** Mounts our server to see what INIT offers, then once more asking for the io_uring transport. */
async function check(): Promise<{ host: Host; fuse: Fuse; ioUring: UringSupport & { hint: string }; error: string | null }> {
  let offer: ReadyInfo | null = null;
  let fuse: Fuse;
  let error: string | null = null;
  try {
    offer = await readKernelOffer();
    fuse = fuseInfoFromReady(offer);
  } catch (e) {
    error = (e as Error).message;
    fuse = unknownFuse(error);
  }
  let uring: UringSupport;
  try {
    uring = await uringSupport(offer);
  } catch (e) {
    uring = { built: false, enabled: false, offered: false, negotiated: false, reason: (e as Error).message };
  }
  // Collected here: the module parameters as they were during the check.
  return { host: collectHost(), fuse, ioUring: { ...uring, hint: URING_HINT }, error };
}

export function registerEnv(program: Command): void {
  program
    .command('env')
    .summary('what this kernel offers FUSE (tried, not guessed)')
    .description(
      'Report what this kernel offers FUSE: protocol, INIT flags by name (offered and negotiated by our server), ' +
        'passthrough usable (a backing file is really registered), FUSE over io_uring (built, enabled, offered at INIT, ' +
        'negotiated and registered by our server), max_pages_limit, root.',
    )
    .option('--enable-uring', 'set /sys/module/fuse/parameters/enable_uring=Y for the check, then put the old value back')
    .option('--json', 'print one JSON document { tool, host, fuse, ioUring } on stdout')
    .action(async (o: { json?: boolean; enableUring?: boolean }) => {
      const { host, fuse, ioUring, error } = await withEnableUring(o.enableUring === true, check);
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
          `io_uring         built ${ioUring.built ? 'yes' : 'no'}, enabled ${ioUring.enabled ? 'yes' : 'no'}, offered ${ioUring.offered ? 'yes' : 'no'}, ` +
            `negotiated ${ioUring.negotiated ? 'yes' : `no (${ioUring.reason ?? ''})`}${o.enableUring ? ' (enable_uring set for this check, restored)' : ''}`,
          `module params    ${Object.entries(host.moduleParams ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`,
          `sysctls          ${Object.entries(host.sysctls ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`,
        ];
        process.stdout.write(lines.join('\n') + '\n');
        if (error) process.stderr.write(`fusebench: could not mount a test server: ${error}\n`);
      }
      if (error) process.exitCode = 1;
    });
}
