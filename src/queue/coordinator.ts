// Owns the coordinator side of `stidebench run EXP.yaml --queue redis://...`: every cell becomes one
// BullMQ job whose id is the cell's content hash (the cell-cache key: data hash, dataset label, detector,
// k, frames, code version), so a cell enqueued twice is one job and computed once; a job already
// completed (by an earlier run) is reused. Jobs retry with exponential backoff; a worker that dies
// mid-cell loses its lock and BullMQ's stalled-job check hands the cell to another worker. A job that
// fails for good (e.g. a worker's data differ from the coordinator's) stops the run with its reason.

import { Queue, QueueEvents, type Job } from 'bullmq';
import { InputError } from '../errors.js';
import type { Cell } from '../eval/cell.js';
import { cellKey } from '../eval/cache.js';
import type { RemoteCell, RemoteRunner } from '../experiments/run.js';
import { decodeCell, type CellResult } from './codec.js';
import { DEFAULT_QUEUE_NAME, probeRedis, redisOptions } from './connection.js';

export interface QueueRunnerOptions {
  url: string;
  name?: string;
  /** Attempts per cell when a worker's computation throws (default 3); stalls (dead workers) are retried by BullMQ. */
  attempts?: number;
  /** Called every `statusMs` (default 10 s) with the queue's counts while cells are pending. */
  onStatus?: (s: { waiting: number; active: number; completed: number; failed: number; pending: number }) => void;
  statusMs?: number;
}

/** The job id of a cell: the same content hash the local cell cache uses. */
export function remoteCellKey(c: RemoteCell): string {
  // Same parts as the cache key in runExperiment, extras included: cells that keep different extras differ.
  return cellKey({ data: c.dataHash, label: c.dataset, spec: c.detector, k: c.k, frames: c.frames, ...(c.extras ? { extras: c.extras } : {}) });
}

export class QueueRunner implements RemoteRunner {
  private pending = 0;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly queue: Queue<RemoteCell, CellResult>,
    private readonly events: QueueEvents,
    private readonly opts: QueueRunnerOptions,
  ) {}

  static async open(opts: QueueRunnerOptions): Promise<QueueRunner> {
    await probeRedis(opts.url);
    const connection = redisOptions(opts.url);
    const name = opts.name ?? DEFAULT_QUEUE_NAME;
    const queue = new Queue<RemoteCell, CellResult>(name, { connection });
    const events = new QueueEvents(name, { connection });
    queue.on('error', () => {});
    events.on('error', () => {});
    await events.waitUntilReady();
    return new QueueRunner(queue, events, opts);
  }

  async run(c: RemoteCell): Promise<Cell> {
    this.pending++;
    if (this.opts.onStatus && this.timer === undefined) {
      this.timer = setInterval(() => {
        void this.counts().then((n) => this.opts.onStatus!({ ...n, pending: this.pending }), () => {});
      }, this.opts.statusMs ?? 10_000);
      this.timer.unref();
    }
    try {
      return await this.runOne(c);
    } finally {
      this.pending--;
    }
  }

  private async runOne(c: RemoteCell): Promise<Cell> {
    const jobId = remoteCellKey(c);
    let job: Job<RemoteCell, CellResult> | undefined = await this.queue.getJob(jobId);
    if (job !== undefined) {
      const state = await job.getState();
      if (state === 'completed' && job.returnvalue) return decodeCell(job.returnvalue);
      if (state === 'failed') {
        await job.remove();
        job = undefined;
      }
    }
    job ??= await this.queue.add('cell', c, {
      jobId,
      attempts: this.opts.attempts ?? 3,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 7 * 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    try {
      const r = (await job.waitUntilFinished(this.events)) as CellResult;
      return decodeCell(r);
    } catch (e) {
      throw new InputError(`cell ${c.dataset} ${c.detectorLabel} k=${c.k} failed on the queue: ${(e as Error).message}`);
    }
  }

  async counts(): Promise<{ waiting: number; active: number; completed: number; failed: number }> {
    const c = await this.queue.getJobCounts('waiting', 'active', 'completed', 'failed');
    return { waiting: c.waiting ?? 0, active: c.active ?? 0, completed: c.completed ?? 0, failed: c.failed ?? 0 };
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.events.close();
    await this.queue.close();
  }
}

/** One progress line from the queue's counts. */
export function queueStatusLine(name: string, n: { waiting: number; active: number; completed: number; pending: number }): string {
  const idle = n.active === 0 && n.waiting > 0 ? ' (is any `stidebench worker` running?)' : '';
  return `queue ${name}: ${n.pending} cells of this run pending; ${n.waiting} waiting, ${n.active} being computed${idle}, ${n.completed} completed`;
}

