import type { TestProject } from 'vitest/node';
import type * as Stack from '../stack/index.ts';
import type { StartedPostgres } from '../stack/index.ts';

/**
 * One PostgreSQL for the whole vitest run; test files get a fresh database on
 * it through useDatabase() (test/services.ts). Its URL travels by provide/inject.
 *
 * stack/ is loaded with tsx's tsImport (native Node loading) rather than
 * through vitest's module runner: in the globalSetup context that runner does not
 * support `import.meta.resolve`, which common/node-process.ts uses.
 */
let postgres: StartedPostgres | undefined;

export async function setup(project: TestProject): Promise<void> {
  const { tsImport } = await import('tsx/esm/api');
  const stack = (await tsImport('../stack/index.ts', import.meta.url)) as typeof Stack;
  postgres = await stack.startPostgres();
  project.provide('rampartPostgresUrl', postgres.url);
}

export async function teardown(): Promise<void> {
  await postgres?.stop();
  postgres = undefined;
}

declare module 'vitest' {
  export interface ProvidedContext {
    rampartPostgresUrl: string;
  }
}
