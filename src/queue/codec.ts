// Owns how a scored cell travels through Redis: v8-serialised (typed arrays and all, exactly what the
// cell cache stores) and base64-encoded, since BullMQ keeps return values as JSON.

import { deserialize, serialize } from 'node:v8';
import type { Cell } from '../eval/cell.js';

export interface CellResult {
  cell: string;
  /** Which worker computed it (host:pid), for logs. */
  worker: string;
}

export function encodeCell(cell: Cell, worker: string): CellResult {
  return { cell: serialize(cell).toString('base64'), worker };
}

export function decodeCell(r: CellResult): Cell {
  return deserialize(Buffer.from(r.cell, 'base64')) as Cell;
}
