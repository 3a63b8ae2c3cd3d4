// Reading a results file someone else wrote: size cap, JSON, schema (names the bad field and the
// schema version we read), then every histogram checked before anything decodes it.
import { readFileSync, statSync } from 'node:fs';
import { parseResults, ResultsError, type Results } from '../bench/results/schema.js';
import { validateHistograms } from './safe-hist.js';

const MAX_FILE_BYTES = 512 << 20;

export function parseResultsText(text: string, source: string): Results {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ResultsError(`${source}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ResultsError(`${source}: not a fusebench results document (expected a JSON object)`);
  }
  if (!('schemaVersion' in data)) {
    throw new ResultsError(`${source}: invalid field schemaVersion: missing (is this a fusebench results.json?)`);
  }
  const r = parseResults(data, source);
  validateHistograms(r, source);
  return r;
}

export function readResultsFile(path: string): Results {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw new ResultsError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > MAX_FILE_BYTES) throw new ResultsError(`${path}: ${size} bytes is larger than any results file fusebench writes`);
  return parseResultsText(readFileSync(path, 'utf8'), path);
}
