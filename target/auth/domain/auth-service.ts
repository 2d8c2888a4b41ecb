import { randomUUID } from 'node:crypto';
import type { TargetConfig } from '../../config.ts';
import type { Database } from '../../platform/db.ts';
import {
  ConflictError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
} from '../../platform/http-errors.ts';
import type { AuthUser } from '../../platform/locals.ts';
import type { Limiter } from '../../platform/rate-limit.ts';
import type { UserRecord, UsersRepo } from '../../users/index.ts';
import type { DenyList } from '../data-access/deny-list.ts';
import type { createPasswordResetsRepo } from '../data-access/password-resets-repo.ts';
import type { RefreshTokensRepo } from '../data-access/refresh-tokens-repo.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { Passwords } from './passwords.ts';
import { hashToken, newOpaqueToken } from './secrets.ts';

/** Auth use cases. Never sees req/res: routes pass plain values in and get plain values back. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface AuthServiceDeps {
  config: TargetConfig;
  db: Database;
  users: UsersRepo;
  refreshTokens: RefreshTokensRepo;
  resets: ReturnType<typeof createPasswordResetsRepo>;
  passwords: Passwords;
  tokens: AccessTokens;
  denyList: DenyList;
  loginFailuresByAccount: Limiter;
  loginFailuresByIp: Limiter;
}

const RESET_TTL_MS = 30 * 60_000;

function isUniqueViolation(err: unknown): err is { code: string; constraint?: string } {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === '23505';
}

export function createAuthService(d: AuthServiceDeps) {
  async function issuePair(
    user: { id: string; role: UserRecord['role'] },
    familyId: string,
    q: Parameters<RefreshTokensRepo['insert']>[0],
  ): Promise<TokenPair> {
    const refresh = newOpaqueToken();
    await d.refreshTokens.insert(q, {
      familyId,
      userId: user.id,
      tokenHash: refresh.hash,
      expiresAt: new Date(Date.now() + d.config.refreshTokenTtlMs),
    });
    const access = await d.tokens.sign(user);
    return { accessToken: access.token, refreshToken: refresh.token, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  return {
    async register(input: { email: string; password: string; handle: string }): Promise<UserRecord> {
      const passwordHash = await d.passwords.hash(input.password);
      try {
        return await d.users.insert({ email: input.email.toLowerCase(), handle: input.handle, passwordHash });
      } catch (err) {
        if (isUniqueViolation(err)) {
          if (err.constraint?.includes('handle')) throw new ConflictError('That handle is taken.', 'HANDLE_TAKEN');
          throw new ConflictError('An account with that email already exists.', 'EMAIL_TAKEN');
        }
        throw err;
      }
    },

    /** 429 once an account or an IP has too many recent failures; 401 on bad credentials (same answer for unknown email). */
    async login(input: { email: string; password: string; ip: string }): Promise<TokenPair> {
      const accountKey = input.email.toLowerCase();
      const [byAccount, byIp] = await Promise.all([
        d.loginFailuresByAccount.peek(accountKey),
        d.loginFailuresByIp.peek(input.ip),
      ]);
      for (const [limiter, state] of [
        [d.loginFailuresByAccount, byAccount],
        [d.loginFailuresByIp, byIp],
      ] as const) {
        if (state && state.remaining <= 0 && state.resetSeconds > 0) {
          throw new TooManyRequestsError(
            state.resetSeconds,
            `Too many failed logins (${limiter.name}); retry after ${state.resetSeconds} s.`,
            'LOGIN_THROTTLED',
          );
        }
      }
      const user = await d.users.findByEmailWithHash(accountKey);
      const ok = user
        ? await d.passwords.verify(user.passwordHash, input.password)
        : (await d.passwords.burn(input.password), false);
      if (!user || !ok) {
        await Promise.all([d.loginFailuresByAccount.consume(accountKey), d.loginFailuresByIp.consume(input.ip)]);
        throw new UnauthorizedError('Wrong email or password.', 'INVALID_CREDENTIALS');
      }
      await d.loginFailuresByAccount.reset(accountKey);
      return issuePair(user, randomUUID(), null);
    },

    /** Rotates: the presented token is spent and a new one issued in the same family. Reuse of a spent token revokes the family. */
    async refresh(refreshToken: string): Promise<TokenPair> {
      const hash = hashToken(refreshToken);
      const outcome = await d.db.transaction(async (tx) => {
        const rec = await d.refreshTokens.findForUpdate(tx, hash);
        if (!rec) return { kind: 'unknown' as const };
        if (rec.revokedAt || rec.usedAt) {
          await d.refreshTokens.revokeFamily(tx, rec.familyId);
          return { kind: 'reused' as const };
        }
        if (rec.expiresAt.getTime() <= Date.now()) return { kind: 'expired' as const };
        const { rows } = await tx.query<{ id: string; role: UserRecord['role'] }>(
          'SELECT id, role FROM users WHERE id = $1',
          [rec.userId],
        );
        const user = rows[0];
        if (!user) return { kind: 'unknown' as const };
        await d.refreshTokens.markUsed(tx, rec.id);
        return { kind: 'ok' as const, pair: await issuePair(user, rec.familyId, tx) };
      }, 'auth');
      switch (outcome.kind) {
        case 'ok':
          return outcome.pair;
        case 'reused':
          throw new UnauthorizedError(
            'This refresh token was already used; every session of its family has been revoked. Log in again.',
            'REFRESH_TOKEN_REUSED',
          );
        case 'expired':
          throw new UnauthorizedError('The refresh token has expired. Log in again.', 'REFRESH_TOKEN_EXPIRED');
        default:
          throw new UnauthorizedError('The refresh token is invalid.', 'REFRESH_TOKEN_INVALID');
      }
    },

    /**
     * The access token is deny-listed in Redis first (so it dies at once on
     * every worker); if Redis is down this throws 503 and nothing changed.
     * Then the refresh token's family (when given and the caller's) is revoked.
     */
    async logout(user: AuthUser, refreshToken: string | undefined): Promise<void> {
      await d.denyList.add(user.tokenId, user.tokenExp);
      if (!refreshToken) return;
      const rec = await d.refreshTokens.findByHash(hashToken(refreshToken));
      if (rec && rec.userId === user.id) await d.refreshTokens.revokeFamily(null, rec.familyId);
    },

    /** Always succeeds (no account enumeration). For a known account, the mail goes to the outbox with the reset row. */
    async requestPasswordReset(email: string): Promise<void> {
      const user = await d.users.findByEmailWithHash(email.toLowerCase());
      if (!user) return;
      const { token, hash } = newOpaqueToken();
      await d.db.transaction(async (tx) => {
        await d.resets.insertWithMail(tx, {
          userId: user.id,
          tokenHash: hash,
          expiresAt: new Date(Date.now() + RESET_TTL_MS),
          mail: {
            to: user.email,
            subject: 'Reset your SocialConnect password',
            text: `Someone asked to reset the password of @${user.handle}. Use this code within 30 minutes: ${token}\nIf it was not you, ignore this mail.`,
            token,
          },
        });
      }, 'auth');
    },

    /** Sets the new password and revokes every refresh token of the account. */
    async confirmPasswordReset(token: string, newPassword: string): Promise<void> {
      const passwordHash = await d.passwords.hash(newPassword);
      const done = await d.db.transaction(async (tx) => {
        const userId = await d.resets.consume(tx, hashToken(token));
        if (!userId) return false;
        await d.users.setPassword(tx, userId, passwordHash);
        await d.refreshTokens.revokeAllForUser(tx, userId);
        return true;
      }, 'auth');
      if (!done) throw new UnprocessableError('token', 'is invalid, expired or already used', 'RESET_TOKEN_INVALID');
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
