import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { InputError } from '../common/index.ts';

export type DataRow = Record<string, string | number | boolean | null>;

export class DataFileInvalidError extends InputError<'RAMPART_DATA_FILE_INVALID'> {
  constructor(file: string, problem: string) {
    super('RAMPART_DATA_FILE_INVALID', `data file ${file}: ${problem}`, {
      hint: 'give a CSV file with a header row (email,password) or a JSON array of flat objects ([{"email": "…"}])',
    });
  }
}

/**
 * Rows of user data for a scenario's `users` (k6's SharedArray, Artillery's
 * payload): a CSV file with a header row (RFC 4180 quoting, through csv-parse;
 * every value a string) or a JSON array of flat objects. Read once, when the
 * suite is loaded.
 */
export function readDataFile(file: string): DataRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DataFileInvalidError(
      file,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let rows: unknown;
  if (/\.json$/i.test(file)) {
    try {
      rows = JSON.parse(text);
    } catch (err) {
      throw new DataFileInvalidError(file, `is not valid JSON: ${(err as Error).message}`);
    }
  } else {
    try {
      rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true });
    } catch (err) {
      throw new DataFileInvalidError(file, `is not valid CSV: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(rows) || rows.length === 0) throw new DataFileInvalidError(file, 'has no rows');
  rows.forEach((row, i) => {
    const flat =
      row !== null &&
      typeof row === 'object' &&
      !Array.isArray(row) &&
      Object.values(row as object).every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
    if (!flat) throw new DataFileInvalidError(file, `row ${i + 1} is not an object of strings, numbers and booleans`);
  });
  return rows as DataRow[];
}
