// The one setting of the conformance suite, read once here: which server it runs against.
import { z } from 'zod';
import { parseOrThrow } from '../../common/index.ts';

const schema = z.object({
  /** A real Toxiproxy server binary (built from its source, outside the repository): the suite then runs against it. */
  TOXIPROXY_CONFORMANCE_BIN: z.string().min(1).optional(),
});

export function loadConformanceConfig(env: NodeJS.ProcessEnv = process.env): { toxiproxyBin: string | undefined } {
  const e = parseOrThrow(schema, env, {
    code: 'RAMPART_CONFIG_INVALID',
    what: 'conformance environment',
    hint: 'fix or unset the named variable',
  });
  return Object.freeze({ toxiproxyBin: e.TOXIPROXY_CONFORMANCE_BIN });
}
