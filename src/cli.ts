#!/usr/bin/env node
// Owns the command-line entry: registers every command and turns InputError into one line on stderr
// and exit code 1 (no stack trace). The commands live together in src/cli/ (one module per command group),
// thin clients of the library.

import { Command } from 'commander';
import { InputError } from './errors.js';
import { registerRunCommand } from './cli/run.js';
import { registerDetectCommand } from './cli/detect.js';
import { registerDatasetCommands } from './cli/datasets.js';
import { registerBenchCommand } from './cli/bench.js';
import { registerLiveCommands } from './cli/live.js';
import { registerWorkerCommand } from './cli/queue.js';
import { loadDetectorModules } from './detectors/modules.js';
import { QueueRunner, queueStatusLine } from './queue/coordinator.js';
import { DEFAULT_QUEUE_NAME } from './queue/connection.js';
import './studies/index.js'; // registers the studies `run` can dispatch to (study: NAME)

function fail(e: unknown): never {
  if (e instanceof InputError) {
    process.stderr.write(`stidebench: ${e.message}\n`);
    process.exit(1);
  }
  if (e instanceof RangeError || (e instanceof Error && (e as NodeJS.ErrnoException).code === 'ENOENT')) {
    process.stderr.write(`stidebench: ${e.message}\n`);
    process.exit(1);
  }
  const err = e instanceof Error ? e : new Error(String(e));
  process.stderr.write(`stidebench: internal error: ${err.message}\n`);
  if (process.env.STIDEBENCH_DEBUG) process.stderr.write(`${err.stack}\n`);
  process.exit(2);
}

// User detector modules ($STIDEBENCH_DETECTORS) register their kinds before the commands list them.
await loadDetectorModules().catch(fail);

const program = new Command();
program
  .name('stidebench')
  .description('Evaluate and benchmark system-call sequence intrusion detectors (Stide and its family) on real labelled traces')
  .version('0.1.0')
  .showHelpAfterError()
  .configureOutput({ outputError: (str, write) => write(str) });

registerRunCommand(program, {
  defaultName: DEFAULT_QUEUE_NAME,
  open: (url, name, status) => QueueRunner.open({ url, name, ...(status ? { onStatus: (n) => status(queueStatusLine(name, n)) } : {}) }),
});
registerDetectCommand(program);
registerDatasetCommands(program);
registerBenchCommand(program);
registerLiveCommands(program);
registerWorkerCommand(program);

program.parseAsync(process.argv).catch(fail);
