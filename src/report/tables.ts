// Owns the report's text formats: GitHub-flavoured markdown tables, CSV tables (csv-stringify),
// number/percent formatting with a fixed locale, and stableJson — the canonical, key-sorted JSON
// used for metrics.json so identical results are byte-identical files.

import { stringify } from 'csv-stringify/sync';

export type Cell = string | number | null;
export type Align = 'l' | 'r' | 'c';

function checkShape(headers: readonly string[], rows: readonly (readonly Cell[])[], who: string): void {
  rows.forEach((row, i) => {
    if (row.length !== headers.length) throw new RangeError(`${who}: row ${i} has ${row.length} cells, expected ${headers.length}`);
  });
}

/**
 * Cell text for markdown: null → empty, numbers via String(). Content is treated as markdown (so
 * `code` or **bold** still work); only what would break the table is escaped: `|` → `\|` (a backslash
 * right before a pipe is doubled so it stays literal) and line breaks → `<br>`.
 */
function markdownCell(value: Cell): string {
  if (value === null) return '';
  return String(value)
    .replace(/\\(?=\|)/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/**
 * A GitHub-flavoured markdown table, columns padded to equal width so the source is readable too.
 * `align` per column: 'l' (`:---`), 'r' (`---:`), 'c' (`:---:`); omitted columns get the default (`---`).
 * Ends with a newline. Throws RangeError if a row's length differs from the header's.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[], align?: readonly Align[]): string {
  if (headers.length === 0) throw new RangeError('markdownTable: need at least one column');
  checkShape(headers, rows, 'markdownTable');
  if (align !== undefined && align.length > headers.length) throw new RangeError('markdownTable: more alignments than columns');
  const head = headers.map(markdownCell);
  const body = rows.map((r) => r.map(markdownCell));
  const widths = head.map((h, c) => body.reduce((w, r) => Math.max(w, r[c]!.length), Math.max(3, h.length)));
  const pad = (s: string, c: number): string => (align?.[c] === 'r' ? s.padStart(widths[c]!) : s.padEnd(widths[c]!));
  const line = (cells: string[]): string => `| ${cells.map(pad).join(' | ')} |`;
  const rule = widths.map((w, c) => {
    switch (align?.[c]) {
      case 'l':
        return ':' + '-'.repeat(w - 1);
      case 'r':
        return '-'.repeat(w - 1) + ':';
      case 'c':
        return ':' + '-'.repeat(w - 2) + ':';
      default:
        return '-'.repeat(w);
    }
  });
  return [line(head), `| ${rule.join(' | ')} |`].concat(body.map(line)).join('\n') + '\n';
}

/** RFC 4180 CSV (csv-stringify): header row first, null → empty field, '\n' line ends, trailing newline. */
export function csvTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  checkShape(headers, rows, 'csvTable');
  return stringify([headers, ...rows] as Cell[][], { record_delimiter: 'unix' });
}

const NOT_AVAILABLE = 'n/a';

/** A fraction as a percentage: 0.1234 → "12.3%". null / undefined / NaN → "n/a". Never prints "-0.0%". */
export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || Number.isNaN(x)) return NOT_AVAILABLE;
  return formatNumber(x * 100, digits, false) + '%';
}

/**
 * Fixed number of fraction digits with thousands separators, locale-independent (always en-US:
 * 1234567.891 → "1,234,567.89" for digits = 2). null / undefined / NaN → "n/a"; ±Infinity → "∞" / "-∞";
 * values that round to zero print without a minus sign. `grouping: false` drops the separators.
 */
export function formatNumber(x: number | null | undefined, digits = 0, grouping = true): string {
  if (x === null || x === undefined || Number.isNaN(x)) return NOT_AVAILABLE;
  if (!Number.isInteger(digits) || digits < 0 || digits > 20) throw new RangeError(`formatNumber: digits must be an integer in [0, 20], got ${digits}`);
  const s = new Intl.NumberFormat('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
    useGrouping: grouping,
  }).format(x);
  // -0.0001 at 2 digits formats as "-0.00"; a minus sign on zero is noise in a report.
  return /^-[0.,]+$/.test(s) ? s.slice(1) : s;
}

/**
 * Canonical JSON: object keys sorted by UTF-16 code unit order at every depth (including integer-like
 * keys, which plain JSON.stringify would emit first in numeric order), arrays kept in order, 2-space
 * indent, trailing newline. Otherwise JSON.stringify semantics: toJSON() is honoured, NaN / ±Infinity
 * become null, undefined / functions / symbols are omitted from objects and become null in arrays.
 * Typed arrays (e.g. an Int32Array histogram) are written as plain arrays. Throws TypeError for
 * BigInt, Map, Set, circular structures, or a top-level value that has no JSON form.
 */
export function stableJson(value: unknown): string {
  const out = write(value, '', new Set());
  if (out === undefined) throw new TypeError('stableJson: value has no JSON representation');
  return out + '\n';
}

function write(value: unknown, indent: string, seen: Set<object>): string | undefined {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('stableJson: BigInt has no JSON representation');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (obj instanceof Map || obj instanceof Set) throw new TypeError(`stableJson: ${obj.constructor.name} is not JSON-serializable; convert it first`);
  if (seen.has(obj)) throw new TypeError('stableJson: circular structure');
  seen.add(obj);
  const inner = indent + '  ';
  let result: string;
  if (Array.isArray(obj) || (ArrayBuffer.isView(obj) && !(obj instanceof DataView))) {
    const items = Array.from(obj as ArrayLike<unknown>, (v) => write(v, inner, seen) ?? 'null');
    result = items.length === 0 ? '[]' : `[\n${items.map((s) => inner + s).join(',\n')}\n${indent}]`;
  } else {
    const entries: string[] = [];
    for (const key of Object.keys(obj).sort(compareCodeUnits)) {
      const s = write((obj as Record<string, unknown>)[key], inner, seen);
      if (s !== undefined) entries.push(`${inner}${JSON.stringify(key)}: ${s}`);
    }
    result = entries.length === 0 ? '{}' : `{\n${entries.join(',\n')}\n${indent}}`;
  }
  seen.delete(obj);
  return result;
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
