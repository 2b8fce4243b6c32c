// Owns the numbers a user types (command-line options): decimal notation only (no 0x6, 1e3, "6.0" for an
// integer, Infinity or an empty string) and bounds, so a huge k or frame is refused at once instead of
// running for minutes. The same bounds hold in experiment files (src/experiments/schema.ts).

import { UsageError } from './errors.js';

/** Largest window length k and locality frame accepted anywhere. */
export const MAX_K = 64;
export const MAX_FRAME = 10_000;
/** Largest pid on Linux (pid_max is at most 2^22). */
export const MAX_PID = 4_194_304;

const INT_RE = /^[0-9]{1,15}$/;
const DEC_RE = /^(?:[0-9]{1,15}(?:\.[0-9]{0,15})?|\.[0-9]{1,15})$/;

/** A decimal integer in [min, max]; else an InputError naming the option. */
export function parseIntOption(name: string, text: string, min: number, max: number): number {
  const t = String(text).trim();
  if (!INT_RE.test(t)) {
    throw new UsageError(`option ${name} must be a decimal integer (found ${JSON.stringify(String(text))}); expected an integer from ${min} to ${max}, written in decimal`);
  }
  const n = Number(t);
  if (n < min || n > max) throw new UsageError(`option ${name} is out of range (found ${JSON.stringify(String(text))}); expected an integer from ${min} to ${max}`);
  return n;
}

/** A decimal number in [min, max) (or [min, max] with `inclusive`); else an InputError naming the option. */
export function parseNumberOption(name: string, text: string, min: number, max: number, inclusive = false): number {
  const t = String(text).trim();
  const range = `[${min}, ${max}${inclusive ? ']' : ')'}`;
  if (!DEC_RE.test(t)) throw new UsageError(`option ${name} must be a decimal number (found ${JSON.stringify(String(text))}); expected a number in ${range}, e.g. 0.15`);
  const x = Number(t);
  if (x < min || (inclusive ? x > max : x >= max)) throw new UsageError(`option ${name} is out of range (found ${JSON.stringify(String(text))}); expected a number in ${range}`);
  return x;
}
