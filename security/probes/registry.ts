import type { AccountNeed, ScanAccounts } from '../accounts.ts';
import { runFuzz } from '../fuzz/run-fuzz.ts';
import type { ScanContext } from '../scan-context.ts';
import { setupObjects } from '../setup-objects.ts';
import { probeBfla, probeBola } from './access-control.ts';
import { probeBruteForce, probeLogout, probeTokens } from './authentication.ts';
import { probeBodyBola } from './bola-body.ts';
import { probeCors } from './cors.ts';
import { probeInjection } from './injection.ts';
import { probeInventory } from './inventory.ts';
import { probeJwtClaims } from './jwt-claims.ts';
import { checkErrorLeaks, probeHeaders } from './misconfiguration.ts';
import { probeNoSqlUpdate } from './nosql-update.ts';
import { checkLeaks, probeMassAssignment } from './properties.ts';
import { probeLimitedRoutes } from './rate-limit-bypass.ts';
import { probeOversizedBody, probeRateLimit, probeUnboundedLimit } from './resources.ts';
import { probeSqlAuthBypass } from './sql-auth-bypass.ts';
import { probeSqlUnion } from './sql-union.ts';
import { probeStoredXss } from './stored-xss.ts';
import { probeTransport } from './transport.ts';

/** One step of a scan: a probe (or the setup and fuzzing between them), run when the accounts meet its need. */
export interface ScanStep {
  /** Shown in progress, in the "tested / not tested" note and in a skipped step's note ("API8 CORS"). */
  readonly name: string;
  /** The accounts it needs (`lacking` in accounts.ts): a step whose need is not met is listed as not tested. */
  readonly need: AccountNeed;
  /** Adds findings to `ctx.sink`; a throw skips the step with a note (a TargetDownError ends the scan). */
  run(ctx: ScanContext, accounts: ScanAccounts): Promise<void> | void;
}

/** Every step of a scan, in the order it runs (the clean-up of what the scan created runs after the last). */
export const scanSteps: readonly ScanStep[] = [
  { name: 'transport', need: 'none', run: (ctx) => probeTransport(ctx) },
  { name: 'objects of user A', need: 'one', run: (ctx) => setupObjects(ctx) },
  { name: 'API1 BOLA', need: 'two', run: (ctx) => probeBola(ctx) },
  { name: 'API1 BOLA through the body', need: 'two', run: (ctx) => probeBodyBola(ctx) },
  { name: 'API5 BFLA', need: 'one', run: (ctx) => probeBfla(ctx) },
  { name: 'API2 forged tokens', need: 'one', run: (ctx) => probeTokens(ctx) },
  { name: 'API2 token claims', need: 'one', run: (ctx) => probeJwtClaims(ctx) },
  {
    name: 'API2 token after logout',
    need: 'fresh-session',
    run: (ctx, { logoutUser }) => (logoutUser ? probeLogout(ctx, logoutUser) : undefined),
  },
  { name: 'API3 mass assignment', need: 'registration', run: (ctx) => probeMassAssignment(ctx) },
  { name: 'API8 headers', need: 'none', run: (ctx) => probeHeaders(ctx) },
  { name: 'API8 CORS', need: 'none', run: (ctx) => probeCors(ctx) },
  { name: 'injection: SQL login bypass', need: 'login', run: (ctx) => probeSqlAuthBypass(ctx) },
  { name: 'injection', need: 'none', run: (ctx) => probeInjection(ctx) },
  { name: 'injection: UNION', need: 'none', run: (ctx) => probeSqlUnion(ctx) },
  { name: 'injection: stored XSS', need: 'none', run: (ctx) => probeStoredXss(ctx) },
  { name: 'fuzzing', need: 'none', run: async (ctx) => void (await runFuzz(ctx)) },
  { name: 'injection: NoSQL operators on updates', need: 'none', run: (ctx) => probeNoSqlUpdate(ctx) },
  { name: 'API9 inventory', need: 'none', run: (ctx) => probeInventory(ctx) },
  { name: 'API4 page size', need: 'none', run: (ctx) => probeUnboundedLimit(ctx) },
  { name: 'API4 body size', need: 'none', run: (ctx) => probeOversizedBody(ctx) },
  {
    name: 'API4 rate limit',
    need: 'spare',
    run: (ctx, { rateUser }) => (rateUser ? probeRateLimit(ctx, rateUser) : undefined),
  },
  {
    name: 'API2 brute force',
    need: 'registration',
    run: (ctx, { logoutUser }) => (ctx.readOnly || !logoutUser ? undefined : probeBruteForce(ctx, logoutUser)),
  },
  { name: 'API4 rate-limit bypass on limited routes', need: 'none', run: (ctx) => probeLimitedRoutes(ctx) },
  {
    name: 'API3/API8 passive checks',
    need: 'none',
    run: (ctx) => {
      checkLeaks(ctx);
      checkErrorLeaks(ctx);
    },
  },
];
