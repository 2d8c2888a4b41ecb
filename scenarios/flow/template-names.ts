import { closest, distance } from 'fastest-levenshtein';
import type { Step } from '../schema/flow.ts';

/**
 * The names a scenario's templates use, checked against what can supply them — before any request is sent.
 * A `{{okFlg}}` where a step captures `okFlag`, or a `{{uuidd}}`, would otherwise render nothing at run time:
 * the request is never sent and the run judges what is left. Per step, a template may name:
 * - the per-request values: uuid, now, rand, vu, iter, rep, runId (and i in setup and teardown);
 * - a capture of an earlier step of the same flow, not of the step itself nor of a step of its batch (setup: of
 *   the setup's steps; teardown: its own);
 * - user.X: a field of the setup user — a column of the scenario's users rows, index, what the setup steps
 *   capture, and (in the load and the teardown) what a load step captures as user.X. Without a setup and
 *   without rows, the caller supplies the users, and user.X is not checked.
 * A step's add: { metric: { capture: name } } is checked alike, and may also name the step's own capture (it is
 * read once the step is answered and captured from).
 */

interface ScenarioShape {
  name: string;
  flows: Array<{ name: string; steps: Step[] }>;
  setup?: { users?: { steps: Step[] } | undefined } | undefined;
  teardown?: { users?: { steps: Step[] } | undefined } | undefined;
  users?: Array<Record<string, unknown>> | undefined;
}

// env: a {{env.NAME}} still there after loading is one the k6 export keeps on purpose (read from __ENV by the script).
const PER_REQUEST = ['uuid', 'now', 'rand', 'vu', 'iter', 'rep', 'runId', 'env'];
const PLACEHOLDER = /\{\{\s*([^}]+?)\s*\}\}/g;

/** Every placeholder inside a JSON-like value, as its path parts. */
function placeholders(value: unknown, out: string[][] = []): string[][] {
  if (typeof value === 'string') {
    for (const m of value.matchAll(PLACEHOLDER)) {
      out.push(
        (m[1] as string)
          .replace(/\[(\d+)\]/g, '.$1')
          .split('.')
          .filter((p) => p.length > 0),
      );
    }
  } else if (Array.isArray(value)) {
    for (const v of value) placeholders(v, out);
  } else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value as Record<string, unknown>)) placeholders(v, out);
  }
  return out;
}

function stepTemplates(step: Step): string[][] {
  const checks = step.checks.map((c) => (c.type === 'status' ? null : { equals: c.equals, matches: c.matches }));
  return placeholders([step.path, step.headers, step.body, step.bodyText, checks]);
}

const stepName = (s: Step) => s.name ?? `${s.method} ${s.path}`;
const ownCaptures = (s: Step) => Object.keys(s.captures).filter((n) => !n.startsWith('user.'));
const userCaptures = (s: Step) =>
  Object.keys(s.captures)
    .map((n) => (n.startsWith('user.') ? n.slice(5) : null))
    .filter((n): n is string => n !== null);

function suggestion(name: string, candidates: Iterable<string>, shown = (n: string) => `{{${n}}}`): string {
  const list = [...new Set(candidates)].filter((c) => c !== name);
  if (list.length === 0) return '';
  const near = closest(name, list);
  return distance(name, near) <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean ${shown(near)}?` : '';
}

/** The captures a step's `add` reads ({ capture: name }), by metric, as path parts. */
const addedCaptures = (s: Step): Array<[string, string[]]> =>
  Object.entries(s.add ?? {}).flatMap(([metric, v]) =>
    v !== null && typeof v === 'object' && 'capture' in v
      ? [
          [
            metric,
            v.capture
              .replace(/\[(\d+)\]/g, '.$1')
              .split('.')
              .filter((p) => p.length > 0),
          ] as [string, string[]],
        ]
      : [],
  );

interface Part {
  where: string;
  steps: Step[];
  /** Root names always available in this part besides captures. */
  roots: string[];
  /** Fields of {{user.X}} available, or null when not checked. */
  userFields: Set<string> | null;
  /** Captures of the load flows, named when one of them is asked for where it is not available. */
  elsewhere: Set<string>;
}

function checkPart(p: Part, problems: string[]): void {
  const captured = new Set<string>();
  // A step's captures are there for the steps after it, never for itself (it is rendered before it is answered),
  // and a batch renders all its requests before sending any: its captures count only after the whole batch.
  let pending: string[] = [];
  p.steps.forEach((step, i) => {
    if (step.batch === undefined || step.batch !== p.steps[i - 1]?.batch) {
      for (const c of pending) captured.add(c);
      pending = [];
    }
    for (const path of stepTemplates(step)) {
      const head = path[0] as string;
      const where = `${p.where}.steps[${i}] "${stepName(step)}"`;
      if (head === 'user' && path.length > 1) {
        const field = path[1] as string;
        if (p.userFields === null || p.userFields.has(field)) continue;
        const known = [...p.userFields].sort();
        problems.push(
          `${where}: {{${path.join('.')}}} names a user field nothing sets (the user has ${known.join(', ') || 'no fields'}: its rows' columns, index, and what setup steps capture)${suggestion(field, known).replace('{{', '{{user.')}`,
        );
        continue;
      }
      if (p.roots.includes(head) || captured.has(head) || head === 'user' || head === 'users') continue;
      const own = ownCaptures(step).includes(head);
      const sameBatch =
        step.batch !== undefined &&
        p.steps.some((s, k) => k !== i && s.batch === step.batch && ownCaptures(s).includes(head));
      const later = own || sameBatch || p.steps.slice(i + 1).some((s) => ownCaptures(s).includes(head));
      const why = own
        ? `"${head}" is this step's own capture, set only once it is answered: use it in a later step`
        : sameBatch
          ? `"${head}" is captured in the same batch, whose requests are all rendered before any is sent: use it after the batch`
          : later
            ? `"${head}" is captured only by a later step`
            : p.elsewhere.has(head)
              ? `"${head}" is captured in the load's flows, not here`
              : `nothing captures "${head}" before this step`;
      problems.push(
        `${where}: {{${path.join('.')}}} names no value: ${why}${later ? '' : suggestion(head, [...p.roots, ...captured])}`,
      );
    }
    // add: { m: { capture: x } } reads the iteration after the step's own captures are taken (a batch sibling's may
    // not be there yet): the step's captures and the earlier ones.
    for (const [metric, path] of addedCaptures(step)) {
      const head = path[0] as string;
      const where = `${p.where}.steps[${i}] "${stepName(step)}": add.${metric}: { capture: ${path.join('.')} }`;
      if (head === 'user' && path.length > 1) {
        const field = path[1] as string;
        if (p.userFields === null || p.userFields.has(field)) continue;
        problems.push(
          `${where} names a user field nothing sets (the user has ${[...p.userFields].sort().join(', ') || 'no fields'})${suggestion(field, p.userFields, (n) => `{ capture: user.${n} }`)}`,
        );
        continue;
      }
      const available = [...captured, ...ownCaptures(step)];
      if (available.includes(head)) continue;
      const later = p.steps.slice(i + 1).some((s) => ownCaptures(s).includes(head)) || pending.includes(head);
      const why = later
        ? `"${head}" is captured only by a later step or another request of the batch`
        : `nothing captures "${head}" by this step`;
      problems.push(
        `${where} names no value: ${why}, so nothing is ever added${later ? '' : suggestion(head, available, (n) => `{ capture: ${n} }`)}`,
      );
    }
    pending.push(...ownCaptures(step));
  });
}

/** Problems of a scenario's templates, each naming the step and the name (and the nearest existing one); [] when all resolve. */
export function templateNameProblems(s: ScenarioShape): string[] {
  const problems: string[] = [];
  const rows = s.users ?? [];
  const setupSteps = s.setup?.users?.steps ?? [];
  const checked = setupSteps.length > 0 || rows.length > 0;
  const base = new Set<string>(['index', ...rows.flatMap((r) => Object.keys(r))]);
  const fromSetup = setupSteps.flatMap((st) => [...ownCaptures(st), ...userCaptures(st)]);
  const fromLoad = s.flows.flatMap((f) => f.steps.flatMap(userCaptures));
  const loadCaptures = new Set(s.flows.flatMap((f) => f.steps.flatMap(ownCaptures)));
  if (setupSteps.length > 0) {
    const setupFields = new Set(base);
    // A setup step sees the user as the earlier steps left it; checkPart adds captures as it goes, so give it all
    // setup captures for user.X (their order matters little: a field captured later is an obvious slip to see).
    for (const f of fromSetup) setupFields.add(f);
    checkPart(
      {
        where: 'setup.users',
        steps: setupSteps,
        roots: [...PER_REQUEST, 'i'],
        userFields: setupFields,
        elsewhere: loadCaptures,
      },
      problems,
    );
  }
  const loadFields = checked ? new Set([...base, ...fromSetup, ...fromLoad]) : null;
  s.flows.forEach((f, i) =>
    checkPart(
      {
        where: `flows[${i}] (${f.name})`,
        steps: f.steps,
        roots: PER_REQUEST,
        userFields: loadFields,
        elsewhere: new Set(),
      },
      problems,
    ),
  );
  const teardownSteps = s.teardown?.users?.steps ?? [];
  if (teardownSteps.length > 0) {
    const tdFields = loadFields === null ? null : new Set([...loadFields, ...teardownSteps.flatMap(userCaptures)]);
    checkPart(
      {
        where: 'teardown.users',
        steps: teardownSteps,
        roots: [...PER_REQUEST, 'i'],
        userFields: tdFields,
        elsewhere: loadCaptures,
      },
      problems,
    );
  }
  return problems;
}
