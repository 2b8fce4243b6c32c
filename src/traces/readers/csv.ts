// Owns the CSV/TSV reader (csv-parse): a header row naming a trace column (`trace_id`, `trace` or
// `pid`, case-insensitive, first found in that order), a `syscall` column (numbers or names) and an
// optional `label` column. Rows are grouped into traces by the trace column in order of first
// appearance. Names go through the process-wide names table; numbers need ReadOptions.table; a file
// mixing both needs a table that knows every name (the names are renumbered into it).

import { extname } from 'node:path';
import { CsvError, parse } from 'csv-parse/sync';
import { InputError } from '../../errors.js';
import type { Label, SyscallTable } from '../trace.js';
import { namesTable } from '../syscalls/names.js';
import { IntBuilder, makeRawTrace } from './common.js';
import type { FileMeta, ReadResult } from './types.js';

const TRACE_COLUMNS = ['trace_id', 'trace', 'pid'] as const;
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER_RE = /^\d{1,9}$/;

const LABELS: Readonly<Record<string, Label>> = {
  normal: 'normal',
  benign: 'normal',
  '0': 'normal',
  attack: 'attack',
  abnormal: 'attack',
  intrusion: 'attack',
  anomaly: 'attack',
  anomalous: 'attack',
  malicious: 'attack',
  '1': 'attack',
};

interface TraceRows {
  key: string;
  pid: number | null;
  /** number n >= 0, or -(namesId + 1) for a name. */
  codes: IntBuilder;
  label: Label | null;
}

/** Field delimiter: tab for .tsv/.tab, else the most frequent of , ; TAB | in the header line. */
export function sniffDelimiter(file: string, text: string | Uint8Array): string {
  const ext = extname(file.replace(/\.gz$/i, '')).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return '\t';
  let header: string;
  if (typeof text === 'string') {
    let nl = text.indexOf('\n');
    if (nl < 0) nl = text.length;
    header = text.slice(0, nl);
  } else {
    let nl = text.indexOf(10);
    if (nl < 0) nl = text.length;
    header = Buffer.from(text.buffer, text.byteOffset, Math.min(nl, 1 << 20)).toString('utf8');
  }
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = header.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Largest CSV record accepted (bytes); a longer one is malformed input, not a trace. */
const MAX_RECORD = 1 << 20;

/** Thrown by a row check in lenient mode: the row is skipped and counted. */
class SkipRow {
  constructor(readonly line: number, readonly text: string) {}
}

/**
 * Parses CSV/TSV given as text or bytes (bytes are parsed as they are, never turned into one string).
 * Lenient: malformed rows are skipped and counted instead of stopping at the first one.
 */
export function parseCsv(text: string | Uint8Array, file: string, meta: FileMeta, table?: SyscallTable, lenient = false): ReadResult {
  const delimiter = sniffDelimiter(file, text);
  let header: string[] | null = null;
  let traceCol = -1;
  let traceColName = '';
  let syscallCol = -1;
  let labelCol = -1;
  const traces = new Map<string, TraceRows>();
  let firstNumber: { line: number; text: string } | null = null;
  let firstName: { line: number; text: string } | null = null;
  const nameLine = new Map<number, number>();
  let skipped = 0;
  let firstSkipped: { line: number; text: string } | null = null;
  const skip = (line: number, found: string): void => {
    if (skipped === 0) firstSkipped = { line, text: found.length > 80 ? found.slice(0, 77) + '...' : found };
    skipped++;
  };

  const onRecord = (record: string[], line: number): void => {
    if (header === null) {
      header = record.map((h) => h.trim().toLowerCase());
      for (const c of TRACE_COLUMNS) {
        traceCol = header.indexOf(c);
        if (traceCol >= 0) {
          traceColName = c;
          break;
        }
      }
      syscallCol = header.indexOf('syscall');
      labelCol = header.indexOf('label');
      const missing = traceCol < 0 ? 'trace id' : syscallCol < 0 ? 'syscall' : null;
      if (missing !== null) {
        throw new InputError(`missing ${missing} column in header`, {
          file,
          line,
          text: record.join(delimiter),
          expected:
            missing === 'syscall'
              ? 'a "syscall" column'
              : 'a trace column named "trace_id", "trace" or "pid" (case-insensitive)',
        });
      }
      return;
    }
    const key = (record[traceCol] ?? '').trim();
    const sys = (record[syscallCol] ?? '').trim();
    const bad = (what: string, found: string, expected: string): never => {
      if (lenient) throw new SkipRow(line, record.join(delimiter));
      throw new InputError(what, { file, line, text: found, expected });
    };
    if (key === '') bad(`empty ${traceColName} field`, record.join(delimiter), `a ${traceColName} value`);
    let t = traces.get(key);
    let pid: number | null = null;
    if (t === undefined) {
      if (NUMBER_RE.test(key)) pid = Number(key);
      else if (traceColName === 'pid') bad('pid is not a decimal integer', key, 'a decimal integer pid (at most 9 digits)');
    }
    const isNumber = NUMBER_RE.test(sys);
    if (!isNumber && !NAME_RE.test(sys)) bad('bad syscall field', sys, 'a syscall number (decimal) or name (letters, digits, "_"), numbers of at most 9 digits');
    let label: Label | null = null;
    if (labelCol >= 0) {
      const raw = (record[labelCol] ?? '').trim();
      const l = LABELS[raw.toLowerCase()];
      if (l === undefined) bad('bad label', raw, '"normal" or "attack" (also benign/abnormal/intrusion/0/1)');
      if (t !== undefined && t.label !== null && t.label !== l) bad(`label changes within trace ${JSON.stringify(key)}`, raw, `"${t.label}" as on its first row`);
      label = l!;
    }
    if (t === undefined) {
      t = { key, pid, codes: new IntBuilder(), label: null };
      traces.set(key, t);
    }
    if (label !== null && t.label === null) t.label = label;
    if (isNumber) {
      t.codes.push(Number(sys));
      if (firstNumber === null) firstNumber = { line, text: sys };
    } else {
      const id = namesTable.intern(sys);
      t.codes.push(-(id + 1));
      if (firstName === null) firstName = { line, text: sys };
      if (!nameLine.has(id)) nameLine.set(id, line);
    }
  };

  try {
    parse(typeof text === 'string' ? text : Buffer.from(text.buffer, text.byteOffset, text.byteLength), {
      delimiter,
      bom: true,
      skip_empty_lines: true,
      relax_quotes: false,
      max_record_size: MAX_RECORD,
      skip_records_with_error: lenient,
      on_skip: (e: CsvError | undefined) => {
        skip(typeof e?.['lines'] === 'number' ? (e['lines'] as number) : 0, e?.code ?? 'malformed CSV');
        return undefined;
      },
      on_record: (record: string[], ctx) => {
        try {
          onRecord(record, ctx.lines);
        } catch (e) {
          if (!(e instanceof SkipRow)) throw e;
          skip(e.line, e.text);
        }
        return null;
      },
    });
  } catch (e) {
    if (e instanceof InputError) throw e;
    if (e instanceof CsvError) {
      const line = typeof e['lines'] === 'number' ? (e['lines'] as number) : undefined;
      throw new InputError(`malformed CSV (${e.code})`, {
        file,
        line,
        expected: `rows of ${header === null ? 'the' : (header as string[]).length} "${delimiter === '\t' ? 'TAB' : delimiter}"-separated fields as in the header`,
      });
    }
    throw e;
  }

  const skippedNote: string[] = [];
  if (skipped > 0) {
    const f = firstSkipped as unknown as { line: number; text: string };
    skippedNote.push(`${file}: --lenient: skipped ${skipped} malformed row(s), first at line ${f.line}: ${JSON.stringify(f.text)}`);
  }
  if (header === null || traces.size === 0) {
    return { traces: [], warnings: [...skippedNote, `${file}: no data rows, no traces read`], ...(skipped > 0 ? { skipped } : {}) };
  }

  // Decide the numbering: names only -> names table; numbers (and maybe names) -> the given table.
  let out: SyscallTable;
  let convert: (code: number) => number;
  if (firstNumber === null) {
    out = namesTable;
    convert = (code) => -code - 1;
  } else {
    const fn = firstNumber as { line: number; text: string };
    if (table === undefined) {
      throw new InputError('syscall numbers need a syscall table', {
        file,
        line: fn.line,
        text: fn.text,
        expected: 'syscall names, or a table for the numbers (ReadOptions.table / --table linux-i386|linux-x86_64|<calls.txt>)',
      });
    }
    out = table;
    const lookup = (table as { numberOf?: (name: string) => number | undefined }).numberOf?.bind(table);
    convert = (code) => {
      if (code >= 0) return code;
      const id = -code - 1;
      const name = namesTable.name(id);
      const n = lookup?.(name);
      if (n === undefined) {
        throw new InputError(`unknown syscall name for table ${table.id}`, {
          file,
          line: nameLine.get(id),
          text: name,
          expected: `a syscall name of table ${table.id} (numbers and names are mixed in this file)`,
        });
      }
      return n;
    };
  }

  const result: ReadResult = { traces: [], warnings: skippedNote };
  if (skipped > 0) result.skipped = skipped;
  for (const t of traces.values()) {
    const codes = t.codes.toArray();
    const calls = new Int32Array(codes.length);
    for (let k = 0; k < codes.length; k++) calls[k] = convert(codes[k]!);
    const m: FileMeta = t.label === null ? meta : { ...meta, label: t.label };
    const source = t.pid === null ? `${meta.source}#${t.key}` : meta.source;
    result.traces.push(makeRawTrace({ ...m, source }, t.pid, calls, out));
  }
  return result;
}
