import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../common/index.ts';
import { reportFormatDefinitions, type ReportFormatDefinition } from './render/formats.ts';
import type { RunRecord } from './run-record.ts';
import { writeRunRecord } from './run-record-io.ts';

export type ReportFormat = (typeof reportFormatDefinitions)[number]['name'];
/** The names `--format` takes (render/formats.ts defines each). */
export const reportFormats: readonly ReportFormat[] = reportFormatDefinitions.map((d) => d.name);

const files = new Map<string, ReportFormatDefinition>(reportFormatDefinitions.map((d) => [d.name, d]));

/** "html,md" → ['html','md']; an unknown name is an InputError (the CLI adds the flag it came from). */
export function parseFormats(text: string): ReportFormat[] {
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const f of list) {
    if (!(reportFormats as readonly string[]).includes(f)) {
      throw new InputError('RAMPART_REPORT_FORMAT_INVALID', `unknown format "${f}"`, {
        hint: `use a comma-separated list of ${reportFormats.join(', ')}`,
      });
    }
  }
  if (list.length === 0)
    throw new InputError('RAMPART_REPORT_FORMAT_INVALID', 'no format given', {
      hint: `use ${reportFormats.join(',')}`,
    });
  return [...new Set(list)] as ReportFormat[];
}

/** Writes the chosen renderings (and run.json when withRecord) into dir; returns the paths written. */
export async function writeReports(
  record: RunRecord,
  dir: string,
  formats: readonly ReportFormat[],
  options: { withRecord?: boolean } = {},
): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const written: Record<string, string> = {};
  if (options.withRecord) {
    written.record = path.join(dir, 'run.json');
    await writeRunRecord(written.record, record);
  }
  for (const f of formats) {
    const format = files.get(f) as ReportFormatDefinition;
    const p = path.join(dir, format.file);
    await writeFile(p, format.render(record));
    written[f] = p;
  }
  return written;
}
