#!/usr/bin/env node
// Owns the command-line entry: registers every command and maps failures to exit codes — 0 ok, 1 a
// runtime or data error (InputError: one line on stderr, no stack trace), 2 a usage error (commander's
// own, or UsageError). The commands live together in src/cli/ (one module per command group), thin
// clients of the library.

import { Command, CommanderError } from 'commander';
import { InputError, UsageError } from './errors.js';
import { describeFsError, isFsError } from './input.js';
import { registerRunCommand } from './cli/run.js';
import { registerDetectCommand } from './cli/detect.js';
import { registerDatasetCommands } from './cli/datasets.js';
import { registerBenchCommand } from './cli/bench.js';
import { registerLiveCommands } from './cli/live.js';
import { registerWorkerCommand } from './cli/queue.js';
import { registerReportCommand } from './cli/report.js';
import { loadDetectorModules } from './detectors/modules.js';
import { QueueRunner, queueStatusLine } from './queue/coordinator.js';
import { DEFAULT_QUEUE_NAME } from './queue/connection.js';
import './studies/index.js'; // registers the studies `run` can dispatch to (study: NAME)

function fail(e: unknown): never {
  if (e instanceof CommanderError) {
    // --help and --version end here too, with exit code 0; commander has printed the message.
    process.exit(e.exitCode === 0 ? 0 : 2);
  }
  if (e instanceof UsageError) {
    process.stderr.write(`stidebench: ${e.message}\n(add --help for usage)\n`);
    process.exit(2);
  }
  if (e instanceof InputError) {
    process.stderr.write(`stidebench: ${e.message}\n`);
    process.exit(1);
  }
  // Any file-system failure that reached here (a path given by the user that is a file where a folder is
  // expected, a symlink loop, a full disk, ...) is one located line, never an "internal error".
  if (isFsError(e)) {
    const where = e.path !== undefined ? `${e.path}: ` : '';
    process.stderr.write(`stidebench: ${where}cannot ${e.syscall}: ${describeFsError(e)}\n`);
    process.exit(1);
  }
  if (e instanceof RangeError) {
    process.stderr.write(`stidebench: ${e.message}\n`);
    if (process.env.STIDEBENCH_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`stidebench: internal error: ${err.message}\n`);
  if (process.env.STIDEBENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

// User detector modules ($STIDEBENCH_DETECTORS) register their kinds before the commands list them.
await loadDetectorModules().catch(fail);

const program = new Command();
program
  .name('stidebench')
  .description('Evaluate and benchmark system-call sequence intrusion detectors (Stide and its family) on real labelled traces')
  .version('0.1.0')
  .showHelpAfterError('(add --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) })
  // Usage errors reach fail() as CommanderError (exit 2) instead of commander exiting 1 itself;
  // subcommands registered below inherit this.
  .exitOverride();

registerRunCommand(program, {
  defaultName: DEFAULT_QUEUE_NAME,
  open: (url, name, status) => QueueRunner.open({ url, name, ...(status ? { onStatus: (n) => status(queueStatusLine(name, n)) } : {}) }),
});
registerDetectCommand(program);
registerDatasetCommands(program);
registerBenchCommand(program);
registerLiveCommands(program);
registerWorkerCommand(program);
registerReportCommand(program);

program.parseAsync(process.argv).catch(fail);
