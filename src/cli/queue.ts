// Owns `stidebench worker`: serve cells from a BullMQ queue until stopped (SIGINT/SIGTERM finish the
// cells in progress, then exit). See src/queue/worker.ts.

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { resolveDataDir } from '../datasets/registry.js';
import { DEFAULT_QUEUE_NAME } from '../queue/connection.js';
import { startWorker } from '../queue/worker.js';

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`option ${name} must be a positive integer`, { text: v });
  return n;
}

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('compute experiment cells from a Redis job queue (start any number, on any machines, each with the data)')
    .requiredOption('--queue <url>', 'Redis URL, e.g. redis://10.0.0.5:6379')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--queue-name <name>', 'queue name (the coordinator must use the same)', DEFAULT_QUEUE_NAME)
    .option('-c, --concurrency <n>', 'cells computed at once (worker threads)', '1')
    .option('--lock-ms <ms>', 'job lock: a worker silent this long is taken for dead and its cell retried elsewhere', '30000')
    .option('-q, --quiet', 'no log lines')
    .action(async (opts: { queue: string; dataDir?: string; queueName: string; concurrency: string; lockMs: string; quiet?: boolean }) => {
      const concurrency = positiveInt('--concurrency', opts.concurrency);
      const lockMs = positiveInt('--lock-ms', opts.lockMs);
      const log = opts.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
      const w = await startWorker({ url: opts.queue, dataDir: resolveDataDir(opts.dataDir), name: opts.queueName, concurrency, lockMs, log });
      const stop = (): void => {
        log('stopping: finishing the cells in progress');
        void w.close();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await w.done;
    });
}
