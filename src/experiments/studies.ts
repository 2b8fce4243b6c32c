// Owns the open registry of studies: research runs whose YAML file says `study: NAME` and whose code
// lives beside the core (src/studies/), not inside it. `stidebench run FILE` runs an experiment, or the
// registered study the file names; a study registers itself when src/studies/ is loaded (the CLI does),
// so nothing in the core imports a study.

import { readFileSync } from 'node:fs';
import { isMap, parseDocument } from 'yaml';
import { InputError } from '../errors.js';

export interface StudyRunOptions {
  /** The study file as the user named it (shown in results). */
  file: string;
  /** Its text. */
  text: string;
  dataDir: string;
  /** Results root folder (the study writes <out>/<name>/). */
  out: string;
  /** Progress lines (stderr in the CLI). */
  log: (line: string) => void;
}

export interface StudyRunResult {
  /** Folder written. */
  outDir: string;
  /** Short text for stdout (the headline), may be empty. */
  headline: string;
}

export interface Study {
  name: string;
  description: string;
  run(opts: StudyRunOptions): Promise<StudyRunResult>;
}

const studies = new Map<string, Study>();

export function registerStudy(study: Study): void {
  if (studies.has(study.name)) throw new Error(`study ${study.name} is registered twice`);
  studies.set(study.name, study);
}

export function studyNames(): string[] {
  return [...studies.keys()].sort();
}

export function getStudy(name: string, file: string): Study {
  const s = studies.get(name);
  if (s === undefined) {
    throw new InputError(`field study: unknown study ${JSON.stringify(name)}`, { file, expected: studyNames().length > 0 ? `one of ${studyNames().join(', ')}` : 'a registered study' });
  }
  return s;
}

/**
 * The `study:` field of a YAML file, or undefined for an experiment file. Only the top-level key is
 * read here; YAML errors are left to the parser that validates the whole file.
 */
export function studyOf(text: string, file: string): string | undefined {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const v = doc.contents.get('study');
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InputError('field study: expected a study name', { file });
  return v;
}

export function readRunFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read experiment file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}
