// metrics.json is versioned: the committed JSON Schema (docs/metrics.schema.json) is the one generated
// from the zod schema, every committed experiment's metrics.json fits it, and a document that does not
// fit is refused with one line naming the file and the field.

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_VERSION, metricsJsonSchema, parseMetrics } from '../../src/report/metrics-schema.js';
import { InputError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '../..');

describe('metrics.json schema', () => {
  it('docs/metrics.schema.json is generated from the zod schema (regenerate: see docs/metrics.md)', () => {
    const committed = readFileSync(join(ROOT, 'docs/metrics.schema.json'), 'utf8');
    expect(committed).toBe(metricsJsonSchema());
    const schema = JSON.parse(committed);
    expect(schema.properties.schemaVersion.const).toBe(SCHEMA_VERSION);
    expect(schema.required).toEqual(expect.arrayContaining(['schemaVersion', 'experiment', 'datasets', 'cells']));
  });

  it('every committed experiment result fits the schema and carries schemaVersion', () => {
    let checked = 0;
    for (const name of readdirSync(join(ROOT, 'results'))) {
      const f = join(ROOT, 'results', name, 'metrics.json');
      if (!existsSync(f)) continue;
      const text = readFileSync(f, 'utf8');
      // results/profiles is written by a study script, not by `stidebench run`.
      if (!('experiment' in JSON.parse(text))) continue;
      const doc = parseMetrics(text, f);
      expect(doc.schemaVersion).toBe(SCHEMA_VERSION);
      expect(doc.cells.length).toBeGreaterThan(0);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('refuses a wrong version, a wrong field and non-JSON with one line', () => {
    const good = readFileSync(join(ROOT, 'results/quickstart/metrics.json'), 'utf8');
    const doc = JSON.parse(good);
    const fail = (text: string): string => {
      try {
        parseMetrics(text, 'm.json');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(fail(JSON.stringify({ ...doc, schemaVersion: 0 }))).toMatch(/^m\.json: schemaVersion 0 is not supported; expected schemaVersion 1/);
    const { schemaVersion: _v, ...old } = doc;
    expect(fail(JSON.stringify(old))).toMatch(/schemaVersion null/);
    doc.cells[0].points[0].detectedTraces = 'many';
    const msg = fail(JSON.stringify(doc));
    expect(msg).toMatch(/^m\.json: cells\.0\.points\.0\.detectedTraces: /);
    expect(msg.split('\n')).toHaveLength(1);
    expect(fail('{"schemaVersion": 1,')).toMatch(/^m\.json: not JSON/);
  });
});
