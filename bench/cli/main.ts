#!/usr/bin/env node
// fusebench: one entry point; each command lives in its own file under commands/.
import { Command, CommanderError } from 'commander';
import { EXIT_FAIL, EXIT_USAGE, FailError, UsageError } from './errors.js';
import { toolVersion } from '../version.js';
import { registerCommands } from './commands/index.js';

const program = new Command();
program
  .name('fusebench')
  .description(
    'Benchmarks and conformance probes for the Linux kernel FUSE I/O modes, measured on a real mount of ' +
      "fusebench's own server: which lock a direct-I/O write takes, what it costs, and whether passthrough " +
      'really bypasses the server.',
  )
  .version(toolVersion(), '-V, --version')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

registerCommands(program);

async function main(): Promise<number> {
  try {
    await program.parseAsync(process.argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors were already printed.
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (err instanceof UsageError) {
      process.stderr.write(`fusebench: ${err.message}\n(run with --help for usage)\n`);
      return EXIT_USAGE;
    }
    if (err instanceof FailError) {
      process.stderr.write(`fusebench: ${err.message}\n`);
      return EXIT_FAIL;
    }
    process.stderr.write(`fusebench: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return EXIT_FAIL;
  }
}

process.exitCode = await main();
