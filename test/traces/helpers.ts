// Owns shared helpers of the trace-reader tests: fixture paths, a default FileMeta and an assertion that
// a call fails with an InputError naming file, line and expectation.

import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { FileMeta } from '../../src/traces/readers/types.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'traces');

export function fixture(...parts: string[]): string {
  return join(FIXTURES, ...parts);
}

export function meta(source = 'fixture', over: Partial<FileMeta> = {}): FileMeta {
  return { dataset: 'adhoc', source, label: 'normal', program: 'unknown', family: null, intrusion: null, ...over };
}

export interface ExpectedInputError {
  file: string;
  line?: number;
  text?: string;
  expected: string | RegExp;
  message?: string | RegExp;
}

/** Runs fn, asserting it throws an InputError whose fields and one-line message name file/line/expectation. */
export function expectInputError(fn: () => unknown, want: ExpectedInputError): InputError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an InputError').toBeInstanceOf(InputError);
  const err = caught as InputError;
  expect(err.file).toBe(want.file);
  expect(err.message).toContain(want.file);
  if (want.line !== undefined) {
    expect(err.line).toBe(want.line);
    expect(err.message).toContain(`${want.file}:${want.line}:`);
  }
  if (want.text !== undefined) {
    expect(err.text).toBe(want.text);
    expect(err.message).toContain('found ');
  }
  expect(err.expected).toBeDefined();
  if (typeof want.expected === 'string') expect(err.expected).toContain(want.expected);
  else expect(err.expected).toMatch(want.expected);
  expect(err.message).toContain('; expected ');
  if (want.message !== undefined) {
    if (typeof want.message === 'string') expect(err.message).toContain(want.message);
    else expect(err.message).toMatch(want.message);
  }
  expect(err.message).not.toContain('\n');
  return err;
}
