import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../common/index.ts';
import { renderHtml } from './render/html.ts';
import { renderJson } from './render/json.ts';
import { renderJunit } from './render/junit.ts';
import { renderMarkdown } from './render/markdown.ts';
import type { RunRecord } from './run-record.ts';
import { writeRunRecord } from './run-record-io.ts';

export const reportFormats = ['html', 'json', 'junit', 'md'] as const;
export type ReportFormat = (typeof reportFormats)[number];

const files: Record<ReportFormat, { file: string; render: (r: RunRecord) => string }> = {
  html: { file: 'report.html', render: renderHtml },
  json: { file: 'verdicts.json', render: renderJson },
  junit: { file: 'junit.xml', render: renderJunit },
  md: { file: 'summary.md', render: renderMarkdown },
};

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
    const p = path.join(dir, files[f].file);
    await writeFile(p, files[f].render(record));
    written[f] = p;
  }
  return written;
}
