// Owns progress output: a cli-progress bar on a terminal, plain lines when stderr is piped, nothing when
// quiet. Progress goes to stderr so stdout stays clean for tables and JSON.

import cliProgress from 'cli-progress';
import type { Progress } from '../experiments/run.js';

export function makeProgress(quiet: boolean): Progress {
  if (quiet) return { start() {}, tick() {}, stop() {} };
  if (!process.stderr.isTTY) {
    let n = 0;
    let total = 0;
    return {
      start(t) {
        total = t;
        n = 0;
      },
      tick(what) {
        n++;
        process.stderr.write(`[${n}/${total}] ${what}\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: '{bar} {value}/{total} {what}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let n = 0;
  return {
    start(total) {
      bar.start(total, 0, { what: '' });
      started = true;
      n = 0;
    },
    tick(what) {
      // The label names the cell being computed; the count is of cells finished.
      bar.update(n++, { what });
    },
    stop() {
      if (started) {
        bar.update(n, { what: 'done' });
        bar.stop();
      }
      started = false;
    },
  };
}
