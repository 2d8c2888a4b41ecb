import type { Check, Capture, Flow, MetricValue, Retry, Step } from '../schema/flow.ts';
import { compileStringTemplate, compileTemplate, type Compiled, type TemplateContext } from '../template.ts';

export interface CompiledStep {
  tag: string;
  method: Step['method'];
  path: (ctx: TemplateContext) => string;
  headers: Array<[string, (ctx: TemplateContext) => string]>;
  body: Compiled | null;
  bodyText: ((ctx: TemplateContext) => string) | null;
  expect: (status: number) => boolean;
  checks: CompiledCheck[];
  captures: Array<[string, Capture]>;
  repeat: number;
  retry: Retry | null;
  /** Parse the body only when a check, a capture or an onResponse hook needs it. */
  needsJson: boolean;
  /** The batch this step goes out with (consecutive steps with the same number, k6's http.batch), or null. */
  batch: number | null;
  /** k6's group path ("::checkout::pay"), or null outside any group. */
  group: string | null;
  /** Points for the scenario's own metrics, added after the answer. */
  adds: Array<[string, MetricValue]>;
}

export interface CompiledCheck {
  source: Check;
  /** Renders templated values once per evaluation. */
  equals?: Compiled;
  matches?: (ctx: TemplateContext) => string;
}

export interface CompiledFlow {
  name: string;
  weight: number;
  steps: CompiledStep[];
}

const defaultExpect = (s: number) => s >= 200 && s < 400;

export function compileStep(step: Step): CompiledStep {
  const expectSet = step.expectStatus ? new Set(step.expectStatus) : null;
  const hasBody = step.body !== undefined;
  const hasText = step.bodyText !== undefined;
  const headers: Array<[string, (ctx: TemplateContext) => string]> = Object.entries(step.headers).map(([k, v]) => [
    k.toLowerCase(),
    compileStringTemplate(v),
  ]);
  if (hasBody && !headers.some(([k]) => k === 'content-type')) headers.push(['content-type', () => 'application/json']);
  return {
    tag: step.name ?? `${step.method} ${step.path}`,
    method: step.method,
    path: compileStringTemplate(step.path),
    headers,
    body: hasBody ? compileTemplate(step.body) : null,
    bodyText: hasText ? compileStringTemplate(step.bodyText as string) : null,
    expect: expectSet ? (s) => expectSet.has(s) : defaultExpect,
    checks: step.checks.map((c) => {
      const out: CompiledCheck = { source: c };
      if (c.type !== 'status') {
        if (c.equals !== undefined) out.equals = compileTemplate(c.equals);
        if (c.matches !== undefined) out.matches = compileStringTemplate(c.matches);
      }
      return out;
    }),
    captures: Object.entries(step.captures),
    repeat: step.repeat,
    retry: step.retry ?? null,
    needsJson: step.checks.some((c) => c.type === 'json') || Object.values(step.captures).some((c) => 'json' in c),
    batch: step.batch ?? null,
    group: step.group ?? null,
    adds: Object.entries(step.add ?? {}),
  };
}

export function compileFlow(flow: Flow): CompiledFlow {
  return { name: flow.name, weight: flow.weight, steps: flow.steps.map(compileStep) };
}

/** Picks a flow by weight (cumulative weights, one random number). */
export function flowPicker(flows: CompiledFlow[]): () => CompiledFlow {
  if (flows.length === 1) {
    const only = flows[0] as CompiledFlow;
    return () => only;
  }
  const total = flows.reduce((a, f) => a + f.weight, 0);
  const cumulative = flows.map(
    (
      (acc) => (f: CompiledFlow) =>
        (acc += f.weight / total)
    )(0),
  );
  return () => {
    const r = Math.random();
    for (let i = 0; i < flows.length; i++) if (r < (cumulative[i] as number)) return flows[i] as CompiledFlow;
    return flows[flows.length - 1] as CompiledFlow;
  };
}
