// Owns `stidebench worker --queue redis://... --data-dir DIR`: takes cells from the BullMQ queue,
// prepares each dataset with the same code as local runs (prepareEntry: load, split, one alphabet, pack;
// memoised per dataset), checks that this machine's data are the coordinator's (manifest checksum, then
// the hash of the prepared traces and alphabet; a difference fails the cell for good with both values),
// scores the cell with runTask (in a worker thread when running from the build, so the job lock keeps
// being renewed) and returns it. Many workers on many machines may serve one queue.

import { hostname } from 'node:os';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { InputError } from '../errors.js';
import { runTask, type CellTask } from '../eval/cell-worker.js';
import { makePool, type CellPool } from '../eval/pool.js';
import { prepareEntry, type PreparedEntry, type RemoteCell } from '../experiments/run.js';
import { encodeCell, type CellResult } from './codec.js';
import { DEFAULT_QUEUE_NAME, probeRedis, redisOptions } from './connection.js';

export interface WorkerOptions {
  url: string;
  dataDir: string;
  name?: string;
  /** Cells computed at once (default 1). */
  concurrency?: number;
  /** Job lock in ms (default 30000): a worker silent for this long is taken for dead and its cell retried. */
  lockMs?: number;
  /** One line per event (cell started/finished, data prepared). */
  log?: (line: string) => void;
}

export interface RunningWorker {
  /** Stops taking cells; waits for the ones in progress. */
  close(): Promise<void>;
  done: Promise<void>;
}

/** Prepared datasets by (entry, names): a worker keeps the last few. */
class PreparedCache {
  private readonly map = new Map<string, Promise<PreparedEntry>>();
  constructor(private readonly max = 4) {}
  get(c: RemoteCell, dataDir: string): Promise<PreparedEntry> {
    const key = JSON.stringify([c.entry, c.detectors, c.lenient === true]);
    let p = this.map.get(key);
    if (p === undefined) {
      p = prepareEntry(c.entry, c.detectors, dataDir, undefined, c.lenient === true);
      p.catch(() => this.map.delete(key));
      this.map.set(key, p);
      while (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    }
    return p;
  }
}

let dataKeys = 0;

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  await probeRedis(opts.url);
  const log = opts.log ?? (() => {});
  const me = `${hostname()}:${process.pid}`;
  const concurrency = Math.max(1, opts.concurrency ?? 1);
  const pool: CellPool | undefined = await makePool(concurrency);
  const prepared = new PreparedCache();
  const keys = new WeakMap<PreparedEntry, string>();

  const process_ = async (job: Job<RemoteCell, CellResult>): Promise<CellResult> => {
    const c = job.data;
    const what = `${c.dataset} ${c.detectorLabel} k=${c.k}`;
    log(`cell ${job.id} started: ${what} (attempt ${job.attemptsMade + 1})`);
    let prep: PreparedEntry;
    try {
      prep = await prepared.get(c, opts.dataDir);
    } catch (e) {
      // This machine cannot read the data at all: no retry will fix that.
      if (e instanceof InputError) throw new UnrecoverableError(`worker ${me}: ${e.message}`);
      throw e;
    }
    if (prep.summary.checksum !== c.checksum) {
      throw new UnrecoverableError(`worker ${me}: data differ for ${c.dataset}: the coordinator's manifest checksum is ${c.checksum.slice(0, 16)}, this worker's is ${prep.summary.checksum.slice(0, 16)} (data dir ${opts.dataDir})`);
    }
    if (prep.dataHash() !== c.dataHash) {
      throw new UnrecoverableError(`worker ${me}: data differ for ${c.dataset}: the coordinator's prepared traces hash to ${c.dataHash.slice(0, 16)}, this worker's to ${prep.dataHash().slice(0, 16)} (data dir ${opts.dataDir})`);
    }
    let dataKey = keys.get(prep);
    if (dataKey === undefined) keys.set(prep, (dataKey = `${me}/${++dataKeys}/${c.dataset}`));
    const task: CellTask = { dataKey, dataset: c.dataset, detectorLabel: c.detectorLabel, detector: c.detector, k: c.k, frames: c.frames, ...(c.extras ? { extras: c.extras } : {}), alphabet: prep.names, ...prep.packed };
    const cell = pool ? await pool.run(task) : runTask(task);
    log(`cell ${job.id} finished: ${what}`);
    return encodeCell(cell, me);
  };

  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker<RemoteCell, CellResult>(opts.name ?? DEFAULT_QUEUE_NAME, process_, {
    connection: redisOptions(opts.url),
    concurrency,
    lockDuration,
    stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
    maxStalledCount: 3,
  });
  worker.on('error', (e) => log(`queue error: ${e.message}`));
  worker.on('failed', (job, e) => log(`cell ${job?.id ?? '?'} failed: ${e.message}`));
  await worker.waitUntilReady();
  log(`worker ${me} ready: queue ${opts.name ?? DEFAULT_QUEUE_NAME}, concurrency ${concurrency}, data dir ${opts.dataDir}`);
  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  return {
    done,
    close: async () => {
      await worker.close();
      await pool?.destroy();
      resolveDone();
    },
  };
}
