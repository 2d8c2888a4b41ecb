/**
 * The files `rampart init` writes, as text: a load suite for the user's API, an slo.yaml that judges it,
 * a drill file and a GitHub Actions job that gates on them. Sized so that a healthy API's verdict is
 * conclusive: 20 arrivals/s for 30 s is 600 requests, enough for the 95 % bounds of p95 < 300 ms (59
 * requests) and of < 1 % errors (299 requests) with room to spare; the drill's windows hold 150 requests
 * each against the 59 that p95 and 95 % availability need.
 */
export interface StarterInput {
  /** The API's base URL, as --target will be given. */
  target: string;
  /** GET paths to load (at least one). */
  paths: string[];
  /** Where the paths come from, said in the suite's comment. */
  source: string;
}

/** Where each file goes, relative to the working directory. */
export const starterFiles = {
  suite: 'rampart/api.yaml',
  drill: 'rampart/api-freeze.yaml',
  slo: 'slo.yaml',
  workflow: '.github/workflows/rampart.yml',
} as const;

export type StarterFile = keyof typeof starterFiles;

/** The suite's (and its scenario's) name, which slo.yaml and the drill refer to. */
export const SUITE_NAME = 'api';
export const DRILL_NAME = 'api-freeze';
const P95_MS = 300;

const q = (s: string) => JSON.stringify(s);

function suite(i: StarterInput): string {
  const flows = i.paths
    .map((p) =>
      [
        `      - name: ${q(`GET ${p}`)}`,
        '        steps:',
        `          - { name: ${q(`GET ${p}`)}, path: ${q(p)} }`,
      ].join('\n'),
    )
    .join('\n');
  return `# yaml-language-server: $schema=../node_modules/rampart/schemas/scenario.schema.json
# A starter load suite written by \`rampart init\` for ${i.target}; its routes: ${i.source}.
# Run it:   npx rampart run ${starterFiles.suite} --target ${i.target}
# Add routes, bodies, headers, checks and captures as docs/engine.md of rampart describes.
name: ${SUITE_NAME}
description: ${q(`Each route at an even share of 20 arrivals a second (${i.paths.join(', ')})`)}
scenarios:
  - name: ${SUITE_NAME}
    executor: constant-arrival-rate
    rate: 20                 # arrivals per second, spread over the flows below
    duration: 30s            # 600 requests: enough for the 95 % bounds of p95 and of a 1 % error budget
    maxVUs: 50
    requestTimeout: 5s
    flows:
${flows}
    thresholds:              # k6 syntax; \`rampart run\` judges these, \`rampart gate\` also judges slo.yaml
      http_req_duration: ["p(95)<${P95_MS}"]
      http_req_failed: ["rate<0.01"]
profiles:
  full: { ${SUITE_NAME}: { duration: 2m } }
`;
}

function slo(i: StarterInput): string {
  return `# What \`rampart gate\` holds the API at ${i.target} to (found as ./slo.yaml where rampart runs).
# Objective kinds and fields: docs/reports.md of rampart. Ratios are judged on a one-sided 95 % bound,
# so a claim needs enough requests to be shown: < 1 % errors needs at least 299, p95 at least 59.
apiVersion: rampart/v1
kind: SloSpec
service: api
objectives:
  - name: ${SUITE_NAME} p95
    kind: latency
    scenario: ${SUITE_NAME}
    percentile: 95
    lessThanMs: ${P95_MS}
    window: 0            # judged over the whole run

  - name: ${SUITE_NAME} errors
    kind: error-rate
    scenario: ${SUITE_NAME}
    max: 0.01

  - name: ${SUITE_NAME} thresholds
    kind: threshold
    scenario: ${SUITE_NAME}

  # Judged when the gate runs the drill (--drills ${starterFiles.drill}); "not run" otherwise.
  - name: drill ${DRILL_NAME}
    kind: drill-passed
    drill: ${DRILL_NAME}
`;
}

function drill(): string {
  return `# yaml-language-server: $schema=../node_modules/rampart/schemas/drill.schema.json
# A starter failure drill written by \`rampart init\`: the API's process is frozen for 10 s while the load
# of ${SUITE_NAME}.yaml runs; once it is resumed it must answer as before within 10 s. APP_PID is the process
# id of the API (the one listening on its port). Other faults (a Toxiproxy toxic, an HTTP call and its undo):
# docs/chaos.md of rampart.
#   APP_PID=$(lsof -t -sTCP:LISTEN -i tcp:8080) npx rampart drill ${starterFiles.drill} --target http://127.0.0.1:8080
name: ${DRILL_NAME}
description: The API process is frozen (SIGSTOP) for 10 s; it answers as before within 10 s of being resumed
load: { suite: ${SUITE_NAME}.yaml, rate: 10 }
steadyState: { duration: 15s, objectives: [{ tag: all, availability: 95%, p95: ${P95_MS}ms }] }
method:
  - name: api frozen
    command: { run: "kill -STOP {{env.APP_PID}}", rollback: "kill -CONT {{env.APP_PID}}" }
    duration: 10s
after: { duration: 15s, objectives: [{ tag: all, availability: 95%, p95: ${P95_MS}ms }] }
recovery: { within: 10s }
`;
}

function workflow(i: StarterInput): string {
  const port = new URL(i.target).port || (i.target.startsWith('https:') ? '443' : '80');
  return `# The release gate written by \`rampart init\`: the load suite, the drill and slo.yaml, judged on every push.
# Replace "start the API" with how your API starts; the report is the job's summary and an artifact.
name: rampart
on: [push, pull_request]
jobs:
  gate:
    runs-on: ubuntu-latest
    env:
      TARGET_URL: ${i.target}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with: { node-version: 20, cache: npm }
      - run: npm ci
      - name: start the API
        run: |
          nohup npm start > api.log 2>&1 &
          for i in $(seq 1 60); do curl -fsS -o /dev/null "$TARGET_URL" && break; sleep 1; done
          echo "APP_PID=$(lsof -t -sTCP:LISTEN -i tcp:${port} | head -1)" >> "$GITHUB_ENV"
      - name: rampart gate
        run: npx rampart gate --target "$TARGET_URL" --suites ${starterFiles.suite} --drills ${starterFiles.drill} --no-scan --out reports/out/gate --step-summary
      - uses: actions/upload-artifact@v4
        if: always()
        with: { name: rampart-report, path: reports/out/gate }
`;
}

/** Every starter file's text, keyed as starterFiles. */
export function renderStarter(i: StarterInput): Record<StarterFile, string> {
  return { suite: suite(i), drill: drill(), slo: slo(i), workflow: workflow(i) };
}
