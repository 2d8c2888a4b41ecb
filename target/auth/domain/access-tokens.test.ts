import { describe, expect, it } from 'vitest';
import { createAccessTokens } from './access-tokens.ts';

const secret = 'x'.repeat(48);
const user = { id: '3f6c1a52-8d0e-4a8b-9a55-0c1f3c2d4e5f', role: 'user' as const };

describe('access tokens', () => {
  it('a token verified once is accepted again from memory, and refused once it has expired', async () => {
    let now = Date.now();
    const tokens = createAccessTokens(secret, 60_000, { now: () => now });
    const { token } = await tokens.sign(user);
    const first = await tokens.verify(token);
    expect(first).toMatchObject({ id: user.id, role: 'user' });
    expect(await tokens.verify(token)).toBe(first);
    now += 61_000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    // Forgotten on expiry: the next look goes through jose, which refuses it too.
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('a token altered after its original was verified is refused (memory is by exact string)', async () => {
    const tokens = createAccessTokens(secret, 60_000);
    const { token } = await tokens.sign(user);
    await tokens.verify(token);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), role: 'admin' }),
    ).toString('base64url');
    await expect(tokens.verify(`${h}.${forgedPayload}.${sig}`)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
    const otherKey = createAccessTokens('y'.repeat(48), 60_000);
    await expect(otherKey.verify(token)).rejects.toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it("without memory (memoSize 0) expiry is jose's", async () => {
    let now = Date.now();
    const tokens = createAccessTokens(secret, 1000, { memoSize: 0, now: () => now });
    const { token } = await tokens.sign(user);
    await expect(tokens.verify(token)).resolves.toMatchObject({ id: user.id });
    now += 2000;
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });
});
