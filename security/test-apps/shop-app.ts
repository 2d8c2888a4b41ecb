import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { reviewsRouter } from './shop-reviews.ts';
import type { Review } from './shop-reviews.ts';

/**
 * A DELIBERATELY VULNERABLE SHOP, for the scanner's own tests only — never
 * deploy it. Shaped like the real apps a scan meets: a single-page front end
 * whose server answers every unknown GET with its index page, no OpenAPI
 * document, a cookie session (the token is also accepted as a bearer), a
 * basket id that only the login response carries.
 *
 * Planted flaws (`hardened: false`): SQL injection in the login (a
 * tautology or "email'--" logs in), a UNION-injectable product search (9 columns),
 * BOLA on baskets (any user reads any basket by the captured id, and adds
 * items to it by naming it in the body of POST /api/BasketItems), PUT
 * /api/Products/{id} open to every user (GET is public by design), stored
 * XSS on the feedback board, `Access-Control-Allow-Origin: *`, the password
 * hash inside the JWT, rate limits keyed on X-Forwarded-For (the API's and the password reset's, 5 tries
 * a minute, whose route only a lazily loaded chunk names, after a variable), no brute-force
 * limit, Prometheus metrics exposed, X-Powered-By.
 * `hardened: true` is the twin with each flaw fixed: a scan must find nothing ≥ medium.
 *
 * Not flaws (traps for a status-only scanner): /rest/user/whoami answers
 * `200 {"user":{}}` to anyone without a session; /.env, /.git/config and
 * every made-up path answer 200 with the index page.
 *
 * Data the scan did not create, which must survive it unchanged: a customer
 * (alice) with her basket, her feedback and her reviews, the admin's review,
 * the products. `crashOnReviews` plants a request that kills the server
 * (see shop-reviews.ts).
 */
interface User {
  id: number;
  email: string;
  passwordHash: string;
  role: 'admin' | 'customer';
  basketId: number;
}
interface Feedback {
  id: number;
  userId: number;
  comment: string;
  rating: number;
}

const md5 = (s: string) => createHash('md5').update(s).digest('hex');
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const SHOP_ADMIN = { email: 'admin@shop.test', password: 'admin-Pa55word' };
export const SHOP_CUSTOMER = { email: 'alice@shop.test', password: 'alice-Pa55word' };

const INDEX =
  '<!doctype html><html><head><title>Rampart Shop</title><script src="/main.js" defer></script></head><body><app-root></app-root><a href="/#/search">Search</a></body></html>';
const MAIN_JS = `class Api{constructor(http){this.http=http}
login(c){return this.http.post("/rest/user/login",c)} register(c){return this.http.post("/rest/user/register",c)}
whoami(){return this.http.get("/rest/user/whoami")} products(){return this.http.get("/api/Products")}
product(id){return this.http.get(\`/api/Products/\${id}\`)} update(id,p){return this.http.put(\`/api/Products/\${id}\`,p)}
basket(bid){return this.http.get(\`/rest/basket/\${bid}\`)} search(q){return this.http.get("/rest/products/search?q="+q)}
feedback(f){return this.http.post("/api/Feedbacks",f)} board(){return this.http.get("/rest/feedback/board")}
reviews(id){return this.http.get(\`/rest/products/\${id}/reviews\`)} review(id,m){return this.http.post(\`/rest/products/\${id}/reviews\`,{message:m})}
editReview(id,m){return this.http.patch("/rest/products/reviews",{id:id,message:m})}
addToBasket(b,p){return this.http.post("/api/BasketItems",{BasketId:b,ProductId:p,quantity:1})}
track(){return this.http.get("/rest/track-order-and-delivery-status")} help(t){return this.http.get(\`/help/\${t}\`)}
account(){return import("./chunk-account.js")} upgrade(k){return this.http.post("/rest/web3/submitKey",{key:k})}}`;
/** A lazily loaded chunk whose routes start with a variable, as an Angular service writes them. */
const ACCOUNT_CHUNK = `class AccountService{constructor(http){this.http=http;this.hostServer=environment.hostServer}
resetPassword(p){return this.http.post(\`\${this.hostServer}/rest/user/reset-password\`,p)}}`;

export function createShopApp(opts: {
  hardened: boolean;
  log?: string[];
  crash?: () => void;
  reviewsIgnoreBodyId?: boolean;
}): express.Express {
  const hard = opts.hardened;
  const secret = randomBytes(32);
  const sign = (d: string) => createHmac('sha256', secret).update(d).digest('base64url');
  const users: User[] = [];
  const feedback = new Map<number, Feedback>();
  const basketItems: { id: number; BasketId: number; ProductId: number; quantity: number }[] = [];
  const products = [
    { id: 1, name: 'Apple Juice', price: 1.99 },
    { id: 2, name: 'Orange Juice', price: 2.99 },
    { id: 3, name: 'Lemon Juice', price: 3.49 },
  ];
  let nextId = 1;
  const addUser = (email: string, password: string, role: User['role']) => {
    const u: User = { id: nextId++, email, passwordHash: md5(password), role, basketId: 0 };
    u.basketId = 1000 + u.id;
    users.push(u);
    return u;
  };
  addUser(SHOP_ADMIN.email, SHOP_ADMIN.password, 'admin');
  // Data the scan did not create: it must be exactly as it was after any scan.
  const alice = addUser(SHOP_CUSTOMER.email, SHOP_CUSTOMER.password, 'customer');
  for (const comment of ['Fast delivery, great juice', 'The lemon one is too sour']) {
    const f: Feedback = { id: nextId++, userId: alice.id, comment, rating: 4 };
    feedback.set(f.id, f);
  }
  let nextReview = 1;
  const reviews: Review[] = [
    { id: nextReview++, productId: 1, author: alice.email, message: 'Best apple juice in town' },
    { id: nextReview++, productId: 2, author: alice.email, message: 'Fresh and sweet' },
    { id: nextReview++, productId: 1, author: SHOP_ADMIN.email, message: 'Our bestseller' },
  ];
  const tokenFor = (u: User) => {
    const h = b64({ alg: 'HS256', typ: 'JWT' });
    const claims = hard
      ? { sub: u.id, role: u.role }
      : { data: { id: u.id, email: u.email, password: u.passwordHash, role: u.role } }; // planted: hash in the JWT
    const p = b64({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 });
    return `${h}.${p}.${sign(`${h}.${p}`)}`;
  };
  const userOf = (token: string | undefined): User | undefined => {
    const [h = '', p = '', s = ''] = (token ?? '').split('.');
    if (!token || s !== sign(`${h}.${p}`)) return undefined;
    try {
      const c = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
        sub?: number;
        data?: { id: number };
        exp: number;
      };
      return c.exp > Date.now() / 1000 ? users.find((u) => u.id === (c.sub ?? c.data?.id)) : undefined;
    } catch {
      return undefined;
    }
  };
  const cookieToken = (req: Request) => /(?:^|;\s*)token=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
  const session = (req: Request) =>
    userOf(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? cookieToken(req));

  const app = express();
  if (hard) app.disable('x-powered-by');
  app.use((req, _res, next) => {
    opts.log?.push(`${req.method} ${req.path}`);
    next();
  });
  // State a test can read: what the scan left behind.
  app.locals.shop = { products, feedback, users, reviews };
  app.use((_req, res, next) => {
    if (hard)
      res.set({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'content-security-policy': "frame-ancestors 'none'",
      });
    else res.set('access-control-allow-origin', '*'); // planted: CORS *
    next();
  });
  // Rate limit: 100 requests/minute. Planted: keyed on X-Forwarded-For when sent. Hardened: the user (or the socket), never a header.
  const hits = new Map<string, { n: number; reset: number }>();
  const limit =
    (max: number, name = '', perClient = false) =>
    (req: Request, res: Response, next: NextFunction) => {
      const who = perClient ? undefined : session(req);
      const key =
        name +
        (hard
          ? `${who ? `u${who.id}` : req.socket.remoteAddress}`
          : String(req.headers['x-forwarded-for'] ?? (who ? `u${who.id}` : req.socket.remoteAddress)));
      const now = Date.now();
      const e =
        hits.get(key) && (hits.get(key)?.reset ?? 0) > now
          ? (hits.get(key) as { n: number; reset: number })
          : { n: 0, reset: now + 60_000 };
      e.n += 1;
      hits.set(key, e);
      if (e.n > max) return void res.status(429).set('retry-after', '60').json({ error: 'too many requests' });
      next();
    };
  app.use(express.json({ limit: '100kb' }));
  app.get('/', (_req, res) => void res.type('html').send(INDEX));
  app.get('/main.js', (_req, res) => void res.type('application/javascript').send(MAIN_JS));
  app.get('/chunk-account.js', (_req, res) => void res.type('application/javascript').send(ACCOUNT_CHUNK));
  // Password reset by security answer, 5 tries a minute. Planted: the limit is keyed on X-Forwarded-For when sent.
  app.post('/rest/user/reset-password', limit(5, 'reset:', true), (req, res) => {
    const { email, answer } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof email !== 'string' || typeof answer !== 'string')
      return void res.status(400).json({ error: 'email and answer required' });
    res.status(401).json({ error: 'wrong answer to the security question' });
  });
  if (!hard)
    app.get(
      '/metrics',
      (_req, res) =>
        void res
          .type('text/plain')
          .send(
            `# HELP shop_orders_total Orders.\n# TYPE shop_orders_total counter\nshop_orders_total ${users.length}\n`,
          ),
    );

  const failed = new Map<string, number>();
  // A CAPTCHA before registering (the answer is in the challenge, as in many shops: an auth-config pre-step reads it).
  const captchas = new Map<string, number>();
  app.get('/rest/captcha', (_req, res) => {
    const [x, y] = [Math.floor(Math.random() * 9) + 1, Math.floor(Math.random() * 9) + 1];
    const captchaId = randomBytes(6).toString('hex');
    captchas.set(captchaId, x + y);
    res.json({ captchaId, captcha: `${x}+${y}`, answer: String(x + y) });
  });
  app.post('/rest/user/register', (req, res) => {
    const { email, password, captchaId, captcha } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof captchaId !== 'string' || String(captchas.get(captchaId)) !== String(captcha))
      return void res.status(400).json({ error: 'wrong CAPTCHA answer' });
    captchas.delete(captchaId);
    if (typeof email !== 'string' || typeof password !== 'string' || !email.includes('@') || password.length < 8)
      return void res.status(400).json({ error: 'email and password (8+) required' });
    if (users.some((u) => u.email === email)) return void res.status(409).json({ error: 'exists' });
    const u = addUser(email, password, 'customer');
    res.status(201).json({ data: { id: u.id, email: u.email } });
  });
  app.post('/rest/user/login', (req, res) => {
    const { email, password } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof email !== 'string' || typeof password !== 'string')
      return void res.status(400).json({ error: 'email and password required' });
    let user: User | undefined;
    if (hard) {
      if ((failed.get(email) ?? 0) >= 10)
        return void res.status(429).set('retry-after', '60').json({ error: 'too many failed logins' });
      user = users.find((u) => u.email === email && u.passwordHash === md5(password));
    } else {
      // planted: the query is built from the input: ... WHERE email = '<email>' AND password = '<md5>'
      const quote = email.indexOf("'");
      const comment = quote < 0 ? -1 : email.slice(quote).search(/--|#|\/\*/);
      if (quote >= 0 && comment >= 0) {
        const live = email.slice(0, quote + comment);
        user = /\bOR\b\s*'?1'?\s*=\s*'?1'?/i.test(live)
          ? users[0]
          : users.find((u) => u.email === live.slice(0, quote)); // password check commented out
      } else if (quote >= 0 && (email.match(/'/g) ?? []).length % 2 === 1) {
        return void res.status(500).json({ error: `SQLITE_ERROR: unrecognized token: "${email.slice(quote)}"` });
      } else user = users.find((u) => u.email === email && u.passwordHash === md5(password));
    }
    if (!user) {
      failed.set(email, (failed.get(email) ?? 0) + 1);
      return void res.status(401).json({ error: 'Invalid email or password.' });
    }
    const token = tokenFor(user);
    res.cookie('token', token, { httpOnly: hard, sameSite: 'lax' });
    res.json({ authentication: { token, bid: user.basketId, umail: user.email } });
  });
  // Not a flaw: answers an empty user to anyone without a session (a status-only scanner calls this "auth bypass").
  app.get('/rest/user/whoami', limit(100), (req, res) => {
    const u = userOf(cookieToken(req));
    res.json({ user: u ? { id: u.id, email: u.email } : {} });
  });
  const auth = (req: Request, res: Response, next: NextFunction) => {
    const u = session(req);
    if (!u) return void res.status(401).json({ error: 'No Authorization header was found' });
    res.locals.shopUser = u;
    next();
  };
  const api = express.Router();
  if (hard) api.use(limit(100));
  api.get('/api/Products', (_req, res) => void res.json({ data: products }));
  api.get('/api/Products/:id', (req, res) => {
    const p = products.find((x) => x.id === Number(req.params.id));
    return void (p ? res.json({ data: p }) : res.status(404).json({ error: 'not found' }));
  });
  api.put('/api/Products/:id', auth, (req, res) => {
    if (hard && (res.locals.shopUser as User).role !== 'admin')
      return void res.status(403).json({ error: 'admins only' }); // planted (soft): no role check
    const p = products.find((x) => x.id === Number(req.params.id));
    if (!p) return void res.status(404).json({ error: 'not found' });
    const { name, price } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof name === 'string') p.name = name;
    if (typeof price === 'number') p.price = price;
    res.json({ data: p });
  });
  api.get('/rest/products/search', (req, res) => {
    const q = String(req.query.q ?? '');
    if (hard)
      return void res.json({ data: products.filter((p) => p.name.toLowerCase().includes(q.toLowerCase())), query: q });
    // planted: SELECT * FROM Products WHERE name LIKE '%<q>%' (9 columns)
    const union = /'\s*UNION\s+SELECT\s+(.+?)\s*(--|#|$)/i.exec(q);
    if (union) {
      const cols = (union[1] ?? '').split(',').map((c) => c.trim().replace(/^'|'$/g, ''));
      // The table has 9 columns (id, name, description, price, deluxePrice, image, createdAt, updatedAt, deletedAt): a deep UNION.
      if (cols.length !== 9)
        return void res.status(500).json({
          error: 'SQLITE_ERROR: SELECTs to the left and right of UNION do not have the same number of result columns',
        });
      return void res.json({ data: [{ id: cols[0], name: cols[1], description: cols[2], price: cols[3] }] });
    }
    const cut = q.search(/--|#|\/\*/);
    const live = cut >= 0 ? q.slice(0, cut) : q;
    if (((live.match(/'/g) ?? []).length + (cut >= 0 ? 1 : 0)) % 2 === 1)
      return void res.status(500).json({ error: `SQLITE_ERROR: near "${q}": syntax error` });
    if (/' OR '?1'?\s*=\s*'?1/i.test(live)) return void res.json({ data: products });
    if (live.includes("'")) return void res.json({ data: [] });
    res.json({ data: products.filter((p) => p.name.toLowerCase().includes(q.toLowerCase())) });
  });
  api.get('/rest/basket/:id', auth, (req, res) => {
    const owner = users.find((u) => u.basketId === Number(req.params.id));
    if (!owner || (hard && owner.id !== (res.locals.shopUser as User).id))
      return void res.status(404).json({ error: 'not found' }); // planted: no owner check
    res.json({
      data: {
        id: owner.basketId,
        UserId: owner.id,
        coupon: null,
        Products: basketItems.filter((b) => b.BasketId === owner.basketId),
      },
    });
  });
  // planted: the basket is named in the body and never checked against the caller (B fills A's basket)
  api.post('/api/BasketItems', auth, (req, res) => {
    const { BasketId, ProductId, quantity } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof BasketId !== 'number' || typeof ProductId !== 'number' || !products.some((p) => p.id === ProductId))
      return void res.status(400).json({ error: 'BasketId, ProductId (numbers) required' });
    if (hard && BasketId !== (res.locals.shopUser as User).basketId)
      return void res.status(403).json({ error: 'not your basket' });
    const item = { id: nextId++, BasketId, ProductId, quantity: typeof quantity === 'number' ? quantity : 1 };
    basketItems.push(item);
    res.status(201).json({ data: item });
  });
  api.post('/api/Feedbacks', auth, (req, res) => {
    const { comment, rating } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof comment !== 'string' || comment.length > 500 || (rating !== undefined && typeof rating !== 'number'))
      return void res.status(400).json({ error: 'comment (string) and rating (number)' });
    const f: Feedback = {
      id: nextId++,
      userId: (res.locals.shopUser as User).id,
      comment,
      rating: Number(rating ?? 5),
    };
    feedback.set(f.id, f);
    res.status(201).json({ data: f });
  });
  api.get('/api/Feedbacks', (_req, res) => void res.json({ data: [...feedback.values()] }));
  api.delete('/api/Feedbacks/:id', auth, (req, res) => {
    const f = feedback.get(Number(req.params.id));
    if (!f || f.userId !== (res.locals.shopUser as User).id) return void res.status(404).json({ error: 'not found' });
    feedback.delete(f.id);
    res.status(204).end();
  });
  api.get('/rest/feedback/board', (_req, res) => {
    const items = [...feedback.values()]
      .slice(-50)
      .map((f) => `<li>${hard ? esc(f.comment) : f.comment}</li>`)
      .join(''); // planted: unescaped
    res.type('html').send(`<!doctype html><html><body><h1>Customer feedback</h1><ul>${items}</ul></body></html>`);
  });
  api.use(
    reviewsRouter({
      hardened: hard,
      reviews,
      nextId: () => nextReview++,
      auth,
      ...(opts.crash ? { crash: opts.crash } : {}),
      ignoresBodyId: opts.reviewsIgnoreBodyId === true,
    }),
  );
  app.use(api);
  app.use((req, res, next) => {
    // As the real shop: an unknown /rest path, any method, is a 500 naming it (a catch-all of its own, not a route).
    if (!hard && req.path.startsWith('/rest/'))
      return void res.status(500).json({ error: `Unexpected path: ${req.path}` });
    if (req.method !== 'GET') return void res.status(404).json({ error: 'not found' });
    if (req.path.startsWith('/api/') || req.path.startsWith('/rest/'))
      return void res.status(404).json({ error: 'not found' });
    res.type('html').send(INDEX); // the SPA's catch-all: every other GET gets the index page
    void next;
  });
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res.status(err.status ?? 500).json({ error: hard ? 'bad request' : `${err.name}: ${err.message}` });
  });
  return app;
}

export interface ShopApp {
  url: string;
  /** "METHOD /path" of every request received. */
  log: string[];
  state: {
    products: { id: number; name: string; price: number }[];
    feedback: Map<number, Feedback>;
    users: User[];
    reviews: Review[];
  };
  /** The planted crash happened: the server stopped answering. */
  crashed: boolean;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * `crashOnReviews`: the planted crash (a non-numeric product id in the reviews route closes the server).
 * `reviewsIgnoreBodyId`: the review update changes the caller's own reviews whatever the body's id (benign).
 */
export async function startShopApp(opts: {
  hardened: boolean;
  crashOnReviews?: boolean;
  reviewsIgnoreBodyId?: boolean;
}): Promise<ShopApp> {
  const log: string[] = [];
  const out = { crashed: false } as ShopApp;
  const crash = () => {
    out.crashed = true;
    srv.close();
    srv.closeAllConnections();
  };
  const app = createShopApp({
    hardened: opts.hardened,
    log,
    ...(opts.crashOnReviews ? { crash } : {}),
    reviewsIgnoreBodyId: opts.reviewsIgnoreBodyId === true,
  });
  const srv = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = srv.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      srv.closeAllConnections();
      if (!srv.listening) return resolve();
      srv.close(() => resolve());
    });
  return Object.assign(out, {
    url,
    log,
    state: app.locals.shop as ShopApp['state'],
    stop,
    [Symbol.asyncDispose]: stop,
  });
}
