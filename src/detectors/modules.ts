// Owns loading detector modules named by the user, so a detector added as one file works on the command
// line too: $STIDEBENCH_DETECTORS lists JavaScript modules (separated like PATH), each of which calls
// registerDetector when imported. The CLI imports them before it builds its commands, so --detector
// choices, experiment kinds and bench include their kinds.

import { delimiter, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InputError } from '../errors.js';

/** Imports every module listed in env.STIDEBENCH_DETECTORS; an InputError naming a module that fails. */
export async function loadDetectorModules(env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const list = (env['STIDEBENCH_DETECTORS'] ?? '').split(delimiter).filter((p) => p.trim() !== '');
  for (const p of list) {
    try {
      await import(pathToFileURL(resolve(p)).href);
    } catch (e) {
      if (e instanceof InputError) throw new InputError(e.message, { file: p });
      throw new InputError(`cannot load detector module: ${(e as Error).message.split('\n')[0]}`, {
        file: p,
        expected: 'a JavaScript module that calls registerDetector (from STIDEBENCH_DETECTORS)',
      });
    }
  }
  return list;
}
