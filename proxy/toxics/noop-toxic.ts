import { z } from 'zod';
import { PassStage, type ToxicDefinition } from './toxic.ts';

/** noop: passes everything unchanged (Toxiproxy registers it; useful to test a client's toxic handling). */
export const noopToxic: ToxicDefinition = {
  type: 'noop',
  goStruct: 'NoopToxic',
  attributes: z.object({}).transform((): Record<string, number> => ({})),
  create: () => new PassStage(),
};
