import type { RunRecord } from '../run-record.ts';
import { renderHtml } from './html.ts';
import { renderJson } from './json.ts';
import { renderJunit } from './junit.ts';
import { renderMarkdown } from './markdown.ts';

/** A report format: the name `--format` takes, the file it writes into the output directory, its renderer. */
export interface ReportFormatDefinition {
  readonly name: string;
  readonly file: string;
  /** What it is, in `rampart report --help` ("JUnit XML"). */
  readonly title: string;
  readonly render: (record: RunRecord) => string;
}

/** Every report format, in the order `--format`'s help lists them (the gate and `rampart report` write them all). */
export const reportFormatDefinitions = [
  { name: 'html', file: 'report.html', title: 'HTML', render: renderHtml },
  { name: 'json', file: 'verdicts.json', title: 'JSON verdicts', render: renderJson },
  { name: 'junit', file: 'junit.xml', title: 'JUnit XML', render: renderJunit },
  { name: 'md', file: 'summary.md', title: 'a Markdown summary', render: renderMarkdown },
] as const satisfies readonly ReportFormatDefinition[];
