import express from 'express';
import type { NextFunction, Request, Response } from 'express';

export interface Review {
  id: number;
  productId: number;
  author: string;
  message: string;
}

/**
 * The shop's product reviews (a DELIBERATELY VULNERABLE part, tests only).
 * Planted (`hardened: false`): `PATCH /rest/products/reviews` takes the
 * review's id from the body without checking its author, and passes an
 * operator object through as a query would (`{"id": {"$ne": -1}}` rewrites
 * every review), and the review list is sent as a JSON string, which Express
 * serves as text/html (a stored markup payload runs in the browser). `crash`: a non-numeric product id in
 * `GET /rest/products/{id}/reviews` brings the whole server down, as an
 * unhandled rejection does in a process without a supervisor. `ignoresBodyId` (not a flaw): the update
 * changes the caller's own reviews whatever the body's id says, and answers them (a benign server the
 * NoSQL probe must not report: the marker comes back, but no operator was taken as a query).
 */
/** A document store's operators, as a query on one field would apply them. */
function matches(value: number, query: Record<string, unknown>): boolean {
  return Object.entries(query).every(([op, arg]) => {
    if (op === '$ne') return value !== arg;
    if (op === '$eq') return value === arg;
    if (op === '$in') return Array.isArray(arg) && arg.includes(value);
    if (op === '$nin') return Array.isArray(arg) && !arg.includes(value);
    if (op === '$gt') return typeof arg === 'number' && value > arg;
    if (op === '$lt') return typeof arg === 'number' && value < arg;
    return false;
  });
}

export function reviewsRouter(opts: {
  hardened: boolean;
  reviews: Review[];
  nextId: () => number;
  auth: (req: Request, res: Response, next: NextFunction) => void;
  crash?: () => void;
  ignoresBodyId?: boolean;
}): express.Router {
  const { reviews } = opts;
  const r = express.Router();
  r.get('/rest/products/:id/reviews', (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isInteger(id)) {
      if (opts.crash) return void opts.crash(); // planted: the server dies, no answer
      return void res.status(404).json({ error: 'not found' });
    }
    const data = reviews.filter((x) => x.productId === id);
    // planted: the JSON is sent as a string, which Express serves as text/html (stored XSS through JSON)
    if (opts.hardened) return void res.json({ data });
    res.send(JSON.stringify({ data }));
  });
  r.post('/rest/products/:id/reviews', opts.auth, (req, res) => {
    const { message } = (req.body ?? {}) as Record<string, unknown>;
    const productId = Number(req.params.id);
    if (!Number.isInteger(productId) || typeof message !== 'string' || message.length > 300)
      return void res.status(400).json({ error: 'message (string) required' });
    const review: Review = {
      id: opts.nextId(),
      productId,
      author: (res.locals.shopUser as { email: string }).email,
      message,
    };
    reviews.push(review);
    res.status(201).json({ data: review });
  });
  r.patch('/rest/products/reviews', opts.auth, (req, res) => {
    const { id, message } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof message !== 'string') return void res.status(400).json({ error: 'message (string) required' });
    const me = (res.locals.shopUser as { email: string }).email;
    let hit: Review[];
    if (opts.ignoresBodyId) hit = reviews.filter((x) => x.author === me);
    else if (opts.hardened) {
      if (typeof id !== 'number') return void res.status(400).json({ error: 'id (number) required' });
      hit = reviews.filter((x) => x.id === id && x.author === me);
    } else if (id && typeof id === 'object') {
      hit = reviews.filter((x) => matches(x.id, id as Record<string, unknown>)); // planted: the body is a query ({"$ne": -1} matches every review)
    } else hit = reviews.filter((x) => x.id === Number(id)); // planted: no author check
    for (const x of hit) x.message = message;
    res.json({ modified: hit.length, original: hit.map((x) => ({ ...x })) });
  });
  return r;
}
