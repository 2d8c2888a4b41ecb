import { z } from 'zod';
import { UnprocessableError } from '../platform/http-errors.ts';

/**
 * Opaque keyset cursors: base64url of a small JSON tuple. Clients must not
 * parse them; a tampered cursor is a 422 naming `query.cursor`.
 */
export interface KeysetCursor {
  /** The last item's created_at as PostgreSQL prints it (created_at::text keeps microseconds). */
  t: string;
  id: string;
}

const PG_TIMESTAMP = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A real calendar time (PostgreSQL would reject 2026-02-30 with an error, not a 422). */
function isRealTime(t: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(t);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1970 && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d && h < 24 && mi < 60 && se < 60;
}
const cursorShape = z.object({ t: z.string().regex(PG_TIMESTAMP).refine(isRealTime), id: z.string().regex(UUID) });

export function encodeCursor(c: KeysetCursor): string {
  return Buffer.from(JSON.stringify([c.t, c.id])).toString('base64url');
}

export function decodeCursor(raw: string | undefined): KeysetCursor | null {
  if (raw === undefined) return null;
  try {
    const arr = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown;
    if (!Array.isArray(arr)) throw new Error('not a tuple');
    const parsed = cursorShape.parse({ t: arr[0], id: arr[1] });
    return parsed;
  } catch {
    throw new UnprocessableError('query.cursor', 'is not a cursor this API issued');
  }
}

/** Offset cursors for ranked lists (trending). */
export function encodeOffsetCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeOffsetCursor(raw: string | undefined): number {
  if (raw === undefined) return 0;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { o?: unknown };
    if (typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 && v.o <= 10_000) return v.o;
  } catch {
    // fall through
  }
  throw new UnprocessableError('query.cursor', 'is not a cursor this API issued');
}

/** `?limit=&cursor=` shared by every list. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});
export type PageQuery = z.infer<typeof pageQuery>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Rows fetched with LIMIT n+1: the extra row says whether a next page exists. */
export function toPage<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => KeysetCursor): Page<T> {
  const more = rows.length > limit;
  const slice = more ? rows.slice(0, limit) : rows;
  const last = slice[slice.length - 1];
  return { items: slice.map(map), nextCursor: more && last ? encodeCursor(key(last)) : null };
}
