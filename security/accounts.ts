import { isRampartError } from '../common/index.ts';
import type { AuthConfig } from './auth-config.ts';
import { anonymousUser, createUser, loginExisting, staticUser } from './auth.ts';
import type { ScanUser } from './auth.ts';
import type { ScanHttpClient } from './http.ts';
import type { Ledger } from './ledger.ts';

/**
 * How the scan holds accounts on the API, as the API is:
 * - `registered`: it registered its own users (the default contract, or `register` in --auth-config);
 * - `supplied`: the user gave them in `users` (existing accounts logged in with `login`, or ready sessions:
 *   a token, static headers, cookies), for an API with login but no registration, or none at all;
 * - `anonymous`: no account (`register: null` and no `users`, or registering failed): only the probes
 *   that need none run, on the operations an anonymous caller may use.
 */
export type AccountMode = 'registered' | 'supplied' | 'anonymous';

/** What a probe needs of the accounts to run at all. */
export type AccountNeed = 'none' | 'login' | 'one' | 'two' | 'fresh-session' | 'registration' | 'spare';

export interface ScanAccounts {
  mode: AccountMode;
  a: ScanUser;
  b: ScanUser;
  /** Distinct accounts the scan holds (0 anonymous, 1 when one session was supplied). */
  count: number;
  pool: ScanUser[];
  /** A session the token-after-logout probe may end (null: none the scan may throw away). */
  logoutUser: ScanUser | null;
  /** Who spends a per-user rate limit in the burst: never A (null when the only account supplied is A). */
  rateUser: ScanUser | null;
  /** Why the scan holds the accounts it holds, for the notes. */
  why: string;
}

/** Registers (or logs in, or takes as given) the accounts the scan works with. */
export async function establishAccounts(
  client: ScanHttpClient,
  auth: AuthConfig,
  poolSize: number,
  ledger: Ledger,
): Promise<ScanAccounts> {
  if (auth.users.length > 0) return supplied(client, auth);
  if (auth.register === null) {
    return anonymous('the auth config has register: null and no users');
  }
  let a: ScanUser;
  try {
    a = await createUser(client, auth, 'A');
  } catch (err) {
    // An API without registration (or whose contract the config does not describe) is still scanned: anonymously.
    // A register that answered but a login that did not give the configured token is a wrong config: it stops the scan.
    if (!isRampartError(err) || err.code !== 'RAMPART_SCAN_AUTH_FAILED' || err.details?.step !== 'register') throw err;
    return anonymous(
      `${err.message.split('\n')[0]} (fix: ${err.hint ?? 'check --auth-config'}; or give users in --auth-config)`,
    );
  }
  ledger.users.push(a);
  const mk = async (label: string) => {
    const u = await createUser(client, auth, label);
    ledger.users.push(u);
    return u;
  };
  const b = await mk('B');
  const pool: ScanUser[] = [];
  for (let i = 1; i <= poolSize; i += 1) pool.push(await mk(`P${i}`));
  const logoutUser = await mk('L');
  const rateUser = await mk('R');
  return {
    mode: 'registered',
    a,
    b,
    count: 2,
    pool,
    logoutUser,
    rateUser,
    why: `registered with ${auth.register.method} ${auth.register.path}`,
  };
}

function anonymous(why: string): ScanAccounts {
  const anon = anonymousUser();
  return { mode: 'anonymous', a: anon, b: anon, count: 0, pool: [], logoutUser: null, rateUser: anon, why };
}

async function supplied(client: ScanHttpClient, auth: AuthConfig): Promise<ScanAccounts> {
  const labels = ['A', 'B', ...Array.from({ length: 8 }, (_, i) => `P${i + 1}`)];
  const users: ScanUser[] = [];
  for (const [i, u] of auth.users.entries()) {
    const label = labels[i] as string;
    if (u.email !== undefined && u.password !== undefined) {
      const user = await loginExisting(client, auth, label, u.email, u.password);
      users.push({
        ...user,
        ...(u.id ? { id: u.id } : {}),
        ...(u.headers ? { headers: u.headers } : {}),
        cookies: { ...u.cookies, ...user.cookies },
      });
    } else {
      users.push(staticUser(label, u));
    }
  }
  const a = users[0] as ScanUser;
  const b = users[1] ?? a;
  // Token after logout ends a session: only one the scan opened itself (a fresh login of A), never a supplied token.
  const first = auth.users[0];
  const logoutUser =
    first?.email !== undefined && first.password !== undefined && auth.logout
      ? await loginExisting(client, auth, 'L', first.email, first.password)
      : null;
  const kinds = auth.users.map((u) =>
    u.email !== undefined ? 'logged in with its e-mail and password' : 'a session as given',
  );
  // The burst spends a per-user limit: not A's, whose objects the clean-up deletes as their creator right after;
  // with one account supplied there is no one else, and the burst is not run.
  const rateUser = users.length > 1 ? (users.at(-1) ?? null) : null;
  return {
    mode: 'supplied',
    a,
    b,
    count: Math.min(users.length, 2),
    pool: users.slice(2),
    logoutUser,
    rateUser,
    why: `${users.length} account(s) from the auth config's users (${[...new Set(kinds)].join(', ')})`,
  };
}

/** Does the scan hold what a probe needs? null when it does, else why not. */
export function lacking(accounts: ScanAccounts, need: AccountNeed, auth: AuthConfig): string | null {
  switch (need) {
    case 'none':
      return null;
    case 'login':
      return auth.login ? null : 'no login step';
    case 'one':
      return accounts.count >= 1 ? null : 'needs an account';
    case 'two':
      return accounts.count >= 2 ? null : 'needs two accounts';
    case 'fresh-session':
      return accounts.logoutUser
        ? null
        : 'needs a session the scan may end (a registered user, or a supplied e-mail and password with a logout step)';
    case 'registration':
      return accounts.mode === 'registered'
        ? null
        : 'needs accounts the scan registered itself (it would change or lock a real account)';
    case 'spare':
      return accounts.rateUser
        ? null
        : 'needs an account other than A to rate-limit (A, the only account supplied, deletes its objects right after)';
  }
}
