/**
 * `npm run bench:scan` — what a quick scan finds, what it gets wrong, and how
 * long it takes, side by side in one run:
 *   - the bundled shop (no document, cookie session, SPA catch-all): planted
 *     flaws found, and findings ≥ medium that are not planted (false positives);
 *   - its hardened twin: every finding ≥ medium is a false positive;
 *   - SocialConnect on the managed stack (2 workers): findings ≥ medium (goal 0), time;
 *   - the in-process notes app as the time peer;
 *   - the shop with its planted crash: is the death noticed, named, and does the scan stop?
 *   - a catalogue API without registration or document, scanned with no accounts (anonymous) and its hardened twin;
 * Two columns for every row: "data changed" counts rows the scan did not create
 * that differ after it (compared row by row where the app's data is readable),
 * "left" the items the notes list as left on the target (all tagged "rampart").
 */
import os from 'node:os';
import { loadEnvConfig, repoPath } from '../common/index.ts';
import type { Finding } from '../reports/index.ts';
import { startStack } from '../stack/index.ts';
import { failingFindings, loadAuthConfig, runScan } from '../security/index.ts';
import { startCatalogApp, startShopApp, startVulnerableApp } from '../security/testing.ts';
import type { ShopApp } from '../security/testing.ts';

/** The shop's planted flaws a discovery scan (no document, cookie session) must report. */
const PLANTED = [
  // PUT /api/Products/{id} (BFLA) needs --allow-destructive: the product is not the scan's

  'rampart-api1-bola-read GET /rest/basket/{id}',
  'rampart-inj-sql-auth-bypass POST /rest/user/login',
  'rampart-inj-sql-union GET /rest/products/search',
  'rampart-inj-sql-boolean GET /rest/products/search',
  'rampart-api8-cors-wildcard GET /rest/user/whoami',
  'rampart-api2-jwt-sensitive-claims POST /rest/user/login',
  'rampart-api4-rate-limit-bypass GET /rest/user/whoami',
  'rampart-api9-undocumented-sensitive-route GET /metrics',
  'rampart-api4-rate-limit-bypass POST /rest/user/reset-password',
  'rampart-api2-no-bruteforce-limit POST /rest/user/login',
  'rampart-inj-sql-error GET /rest/products/search',
  'rampart-api8-sql-error GET /rest/products/search',
];

/** Rows of the app's data, as JSON per row, keyed by table and id (what the scan did not create must survive). */
type Rows = Map<string, string>;
function shopRows(app: ShopApp): Rows {
  const s = app.state;
  return new Map<string, string>([
    ...s.users.map((u) => [`user ${u.email}`, JSON.stringify(u)] as const),
    ...[...s.feedback.values()].map((f) => [`feedback ${f.id}`, JSON.stringify(f)] as const),
    ...s.reviews.map((r) => [`review ${r.id}`, JSON.stringify(r)] as const),
    ...s.products.map((p) => [`product ${p.id}`, JSON.stringify(p)] as const),
  ]);
}
function notesAppRows(app: Awaited<ReturnType<typeof startVulnerableApp>>): Rows {
  return new Map<string, string>([
    ...[...app.state.users.values()].map((u) => [`user ${u.id}`, JSON.stringify(u)] as const),
    ...[...app.state.notes.values()].map((n) => [`note ${n.id}`, JSON.stringify(n)] as const),
  ]);
}

async function timed(
  target: string,
  seed: number,
  authConfig?: Awaited<ReturnType<typeof loadAuthConfig>>,
  rows?: () => Rows,
) {
  const before = rows?.();
  const t0 = performance.now();
  const part = await runScan({
    target: new URL(target),
    profile: 'quick',
    seed,
    signal: AbortSignal.timeout(600_000),
    ...(authConfig ? { authConfig } : {}),
  });
  const s = (performance.now() - t0) / 1000;
  const after = rows?.();
  const notes = (part.notes ?? []).join('\n');
  const requests = Number(/security scan: (\d+) requests/.exec(notes)?.[1] ?? 0);
  const fallback = Number(/(\d+) probed path\(s\) got that page/.exec(notes)?.[1] ?? 0);
  const changed = before && after ? [...before].filter(([k, v]) => after.get(k) !== v).length : null;
  const left = Number(/left on the target \((\d+);/.exec(notes)?.[1] ?? 0);
  const crash = (part.findings ?? []).find((f) => f.ruleId === 'rampart-target-crashed');
  const crashedAt = Number(/stopped answering after request (\d+)/.exec(notes)?.[1] ?? NaN);
  return {
    s,
    requests,
    findings: part.findings ?? [],
    fallback,
    changed,
    left,
    crash,
    afterCrash: requests - crashedAt,
  };
}

const key = (f: Finding) => `${f.ruleId} ${f.endpoint}`;
const line = (name: string, r: Awaited<ReturnType<typeof timed>>, extra: string) =>
  console.log(
    `${name.padEnd(46)} ${r.s.toFixed(1).padStart(5)} s ${String(r.requests).padStart(8)} ${String(r.findings.length).padStart(8)}  ${(r.changed === null ? 'n/a' : String(r.changed)).padStart(12)} ${String(r.left).padStart(5)}  ${(r.crash ? 'yes' : 'no').padEnd(14)}  ${extra}`,
  );

const cookieAuth = await loadAuthConfig(repoPath('security/fixtures/shop-auth-cookie.yaml'));
const stack = await startStack({ env: loadEnvConfig(process.env), stateDir: null, workers: 2 });
try {
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}, node ${process.version}, ${new Date().toISOString()}`,
  );
  console.log(
    `${'scan'.padEnd(46)} ${'time'.padStart(7)} ${'requests'.padStart(8)} ${'findings'.padStart(8)}  ${'data changed'.padStart(12)} ${'left'.padStart(5)}  ${'crash detected'.padEnd(14)}  result`,
  );
  await using shop = await startShopApp({ hardened: false });
  const vulnerable = await timed(shop.url, 1, cookieAuth, () => shopRows(shop));
  const found = PLANTED.filter((p) => vulnerable.findings.some((f) => key(f) === p));
  const unplanted = failingFindings(vulnerable.findings, 'medium').filter((f) => !PLANTED.includes(key(f)));
  line(
    'shop, vulnerable (discovered, cookie session)',
    vulnerable,
    `planted found ${found.length}/${PLANTED.length}; ≥ medium not planted: ${unplanted.length}${unplanted.length ? ` (${unplanted.map(key).join(', ')})` : ''}; catch-all answers not reported: ${vulnerable.fallback}`,
  );
  for (const miss of PLANTED.filter((p) => !found.includes(p))) console.log(`  missed: ${miss}`);
  await using twin = await startShopApp({ hardened: true });
  const hardened = await timed(twin.url, 1, cookieAuth, () => shopRows(twin));
  const fp = failingFindings(hardened.findings, 'medium');
  line(
    'shop, hardened twin',
    hardened,
    `false positives ≥ medium: ${fp.length}${fp.length ? ` (${fp.map(key).join(', ')})` : ''}; catch-all answers not reported: ${hardened.fallback}`,
  );
  const target = await timed(stack.targetUrl, 1);
  const targetFailing = failingFindings(target.findings, 'medium');
  line(
    'SocialConnect (managed stack, 2 workers)',
    target,
    `≥ medium: ${targetFailing.length}${targetFailing.length ? ` (${targetFailing.map(key).join(', ')})` : ''} (goal 0)`,
  );
  await using notes = await startVulnerableApp();
  const peer = await timed(notes.url, 1, undefined, () => notesAppRows(notes));
  line(
    'notes app (peer, in-process)',
    peer,
    `${failingFindings(peer.findings, 'medium').length} ≥ medium (a deliberately vulnerable app)`,
  );
  await using fragile = await startShopApp({ hardened: false, crashOnReviews: true });
  const crash = await timed(fragile.url, 1, cookieAuth);
  line(
    'shop with a planted crash',
    crash,
    crash.crash
      ? `named: ${crash.crash.endpoint} (${crash.crash.severity}); requests after the death: ${crash.afterCrash} (liveness checks); the target really died: ${fragile.crashed}`
      : `NOT detected; the target died: ${fragile.crashed}`,
  );
  // An API as it is: no registration, no document, no accounts given: scanned anonymously (orders are its data).
  await using catalog = await startCatalogApp({ hardened: false });
  const orders = (app: typeof catalog) => () =>
    new Map([...app.orders].map(([k, v]) => [`order ${k}`, JSON.stringify(v)]));
  const anon = await timed(catalog.url, 1, undefined, orders(catalog));
  const anonFound = anon.findings.some((f) => key(f) === 'rampart-inj-sql-error GET /api/search');
  line(
    'catalog, no accounts (anonymous)',
    anon,
    `planted public injection found: ${anonFound ? 'yes' : 'NO'}; ≥ medium: ${failingFindings(anon.findings, 'medium').length}`,
  );
  await using catalogTwin = await startCatalogApp({ hardened: true });
  const anonTwin = await timed(catalogTwin.url, 1, undefined, orders(catalogTwin));
  const anonFp = failingFindings(anonTwin.findings, 'medium');
  line(
    'catalog hardened, no accounts (anonymous)',
    anonTwin,
    `false positives ≥ medium: ${anonFp.length}${anonFp.length ? ` (${anonFp.map(key).join(', ')})` : ''}`,
  );
  console.log(
    `ratio SocialConnect/peer: ${(target.s / peer.s).toFixed(1)}x time; goal: SocialConnect quick scan < 120 s -> ${target.s < 120 ? 'met' : 'NOT met'}`,
  );
} finally {
  await stack.stop();
}
