import { z } from 'zod';
import type { SloSpecInput } from './slo-spec.ts';

/**
 * OpenSLO v1 `kind: SLO` documents accepted as input. The indicator's metric
 * source (type `rampart`) says which evidence to read: its spec may carry
 * `evidence` (latency | error-rate | availability), `scenario`, `tag`, `drill`.
 * - thresholdMetric + op lt/lte + value V + target T → latency p(T·100) < V ms
 * - ratioMetric (good/total) + target T → availability ≥ T (during a drill when `drill` or `during: drill` is set)
 * Anything else is rejected with the key that could not be mapped.
 */
const metricSource = z
  .object({
    type: z.string().optional(),
    spec: z
      .object({
        evidence: z.enum(['latency', 'error-rate', 'availability']).optional(),
        scenario: z.string().optional(),
        tag: z.string().optional(),
        drill: z.string().optional(),
        during: z.enum(['drill', 'scenario', 'run']).optional(),
        window: z.union([z.string(), z.number()]).optional(),
      })
      .loose()
      .default({}),
  })
  .loose();

const metric = z.object({ metricSource }).loose();

export const openSloSchema = z
  .object({
    apiVersion: z.literal('openslo/v1'),
    kind: z.literal('SLO'),
    metadata: z.object({ name: z.string().min(1), displayName: z.string().optional() }).loose(),
    spec: z
      .object({
        description: z.string().optional(),
        service: z.string().optional(),
        indicator: z
          .object({
            metadata: z.object({ name: z.string() }).loose().optional(),
            spec: z
              .object({
                thresholdMetric: metric.optional(),
                ratioMetric: z
                  .object({ good: metric.optional(), bad: metric.optional(), total: metric })
                  .loose()
                  .optional(),
              })
              .loose(),
          })
          .loose(),
        budgetingMethod: z.string().optional(),
        objectives: z
          .array(
            z
              .object({
                displayName: z.string().optional(),
                op: z.enum(['lt', 'lte', 'gt', 'gte']).optional(),
                value: z.number().optional(),
                target: z.number().gt(0).lt(1),
              })
              .loose(),
          )
          .min(1),
      })
      .loose(),
  })
  .loose();
export type OpenSlo = z.infer<typeof openSloSchema>;

type ObjectiveInput = SloSpecInput['objectives'][number];

/** Converts one validated OpenSLO document into rampart objectives; errors name the key that does not map. */
export function fromOpenSlo(doc: OpenSlo): {
  objectives: ObjectiveInput[];
  problems: { path: (string | number)[]; message: string }[];
} {
  const out: ObjectiveInput[] = [];
  const problems: { path: (string | number)[]; message: string }[] = [];
  const ind = doc.spec.indicator.spec;
  const multi = doc.spec.objectives.length > 1;
  doc.spec.objectives.forEach((o, i) => {
    const name = multi ? `${doc.metadata.name}:${o.displayName ?? i}` : doc.metadata.name;
    const description = doc.spec.description ?? doc.metadata.displayName;
    if (ind.thresholdMetric) {
      const src = ind.thresholdMetric.metricSource.spec;
      if (o.op !== 'lt' && o.op !== 'lte') {
        problems.push({
          path: ['spec', 'objectives', i, 'op'],
          message: 'a latency threshold objective needs op: lt or lte',
        });
        return;
      }
      if (o.value === undefined) {
        problems.push({
          path: ['spec', 'objectives', i, 'value'],
          message: 'a threshold objective needs value (milliseconds)',
        });
        return;
      }
      out.push({
        name,
        description,
        kind: 'latency',
        percentile: o.target * 100,
        lessThanMs: o.value,
        ...(src.scenario ? { scenario: src.scenario } : {}),
        ...(src.tag ? { tag: src.tag } : {}),
        ...(src.window !== undefined ? { window: src.window } : {}),
      });
    } else if (ind.ratioMetric) {
      const src = ind.ratioMetric.total.metricSource.spec;
      if (src.evidence === 'error-rate') {
        out.push({
          name,
          description,
          kind: 'error-rate',
          max: 1 - o.target,
          ...(src.scenario ? { scenario: src.scenario } : {}),
          ...(src.tag ? { tag: src.tag } : {}),
        });
      } else {
        const during = src.during ?? (src.drill ? 'drill' : src.scenario ? 'scenario' : 'run');
        out.push({
          name,
          description,
          kind: 'availability',
          target: o.target,
          during,
          ...(src.drill ? { drill: src.drill } : {}),
          ...(src.scenario ? { scenario: src.scenario } : {}),
        });
      }
    } else {
      problems.push({
        path: ['spec', 'indicator', 'spec'],
        message: 'needs thresholdMetric (latency) or ratioMetric (availability / error rate)',
      });
    }
  });
  return { objectives: out, problems };
}
