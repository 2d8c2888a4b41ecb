import type { Queryable } from '../../platform/db.ts';

/** Password-reset tokens (hashed) and the mail they send, written to the outbox in the same transaction. */
export const RESET_MAIL_TOPIC = 'mail.password-reset';

export function createPasswordResetsRepo() {
  return {
    async insertWithMail(
      tx: Queryable,
      r: {
        userId: string;
        tokenHash: string;
        expiresAt: Date;
        mail: { to: string; subject: string; text: string; token: string };
      },
    ): Promise<void> {
      await tx.query('INSERT INTO password_resets (user_id, token_hash, expires_at) VALUES ($1, $2, $3)', [
        r.userId,
        r.tokenHash,
        r.expiresAt,
      ]);
      await tx.query('INSERT INTO outbox (topic, recipient, payload) VALUES ($1, $2, $3)', [
        RESET_MAIL_TOPIC,
        r.mail.to,
        JSON.stringify({
          to: r.mail.to,
          subject: r.mail.subject,
          text: r.mail.text,
          resetToken: r.mail.token,
          userId: r.userId,
        }),
      ]);
    },
    /** Consumes a valid, unused, unexpired token; returns its user or null. */
    async consume(tx: Queryable, tokenHash: string): Promise<string | null> {
      const { rows } = await tx.query<{ user_id: string }>(
        'UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id',
        [tokenHash],
      );
      return rows[0]?.user_id ?? null;
    },
  };
}
