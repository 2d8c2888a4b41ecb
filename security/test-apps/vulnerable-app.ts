import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { vulnerableOpenApiFor } from './vulnerable-openapi.ts';

/**
 * A DELIBERATELY VULNERABLE API, for the scanner's own tests only — never
 * deploy it. Planted flaws: BOLA on notes (read, change, delete, pin), JWT alg "none" accepted, mass
 * assignment on register and profile update, password hash in responses,
 * other users' emails in public profiles, no security headers and
 * X-Powered-By, CORS reflecting any origin with credentials, reflected XSS on
 * /v1/search, SQL error text and a stack trace from /v1/notes?q=', no admin
 * check on /v1/admin/users, tokens still valid after logout, no rate or
 * brute-force limit, a 10 MB body limit, and an undocumented /v1/debug/env.
 */
interface User {
  id: string;
  email: string;
  handle: string;
  role: string;
  passwordHash: string;
  [k: string]: unknown;
}
interface Note {
  id: string;
  ownerId: string;
  title: string;
  body: string;
}

const secret = randomBytes(32);
const b64 = (v: object) => Buffer.from(JSON.stringify(v)).toString('base64url');
const sign = (data: string) => createHmac('sha256', secret).update(data).digest('base64url');
const fakeHash = (pw: string) =>
  `$argon2id$v=19$m=65536,t=3,p=4$${randomBytes(8).toString('base64url')}$${createHmac('sha256', 'salt').update(pw).digest('base64url')}`;

/**
 * `custom` moves the auth contract elsewhere (POST /accounts/signup {mail, secret, nick},
 * POST /accounts/session answering the token in an x-session-token header, tokens sent
 * raw in x-api-token), to prove an unknown API is scanned by writing --auth-config alone.
 */
export type AuthStyle = 'default' | 'custom';

export function createVulnerableApp(style: AuthStyle = 'default'): express.Express {
  const paths =
    style === 'default'
      ? { register: '/v1/auth/register', login: '/v1/auth/login', logout: '/v1/auth/logout' }
      : { register: '/accounts/signup', login: '/accounts/session', logout: '/accounts/session/end' };
  const field =
    style === 'default'
      ? { email: 'email', password: 'password', handle: 'handle' }
      : { email: 'mail', password: 'secret', handle: 'nick' };
  const users = new Map<string, User>();
  const notes = new Map<string, Note>();
  // Data the scan did not create (a real user and her note): it must survive any scan unchanged.
  const bob: User = {
    id: randomUUID(),
    email: 'bob@notes.test',
    handle: 'bob',
    role: 'user',
    passwordHash: fakeHash('bob-Pa55word'),
  };
  users.set(bob.id, bob);
  const bobsNote: Note = { id: randomUUID(), ownerId: bob.id, title: 'groceries', body: 'milk, eggs' };
  notes.set(bobsNote.id, bobsNote);
  const app = express(); // X-Powered-By left on, no helmet: planted.
  app.locals.state = { users, notes };
  app.use((req, res, next) => {
    if (req.headers.origin) {
      res.setHeader('access-control-allow-origin', req.headers.origin); // planted: reflects any origin
      res.setHeader('access-control-allow-credentials', 'true');
    }
    next();
  });
  app.use(express.json({ limit: '10mb' }));

  const auth = (req: Request, res: Response, next: NextFunction) => {
    const token =
      style === 'default'
        ? /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
        : (req.headers['x-api-token'] as string | undefined);
    const [h = '', p = '', s = ''] = (token ?? '').split('.');
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
      const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { sub: string; exp: number };
      const valid = header.alg === 'none' || (s === sign(`${h}.${p}`) && payload.exp > Date.now() / 1000); // planted: alg none
      const user = users.get(payload.sub);
      if (valid && user) {
        res.locals.vulnUser = user;
        next();
        return;
      }
    } catch {
      /* fall through */
    }
    res.status(401).json({ title: 'unauthorized' });
  };

  app.get('/openapi.json', (_req, res) => void res.json(vulnerableOpenApiFor(style)));
  app.post(paths.register, (req, res) => {
    const {
      [field.email]: email,
      [field.password]: password,
      [field.handle]: handle,
      ...rest
    } = req.body as Record<string, string>;
    if (typeof email !== 'string' || typeof password !== 'string' || typeof handle !== 'string')
      return void res.status(422).json({ title: 'invalid' });
    const user: User = { id: randomUUID(), email, handle, role: 'user', ...rest, passwordHash: fakeHash(password) }; // planted: mass assignment
    users.set(user.id, user);
    res.status(201).json(style === 'default' ? { user } : { account: { ...user, uid: user.id } }); // planted: hash leaked
  });
  app.post(paths.login, (req, res) => {
    const { [field.email]: email, [field.password]: password } = req.body as Record<string, string>;
    const user = [...users.values()].find((u) => u.email === email);
    if (
      !user ||
      typeof password !== 'string' ||
      !user.passwordHash.endsWith(createHmac('sha256', 'salt').update(password).digest('base64url'))
    ) {
      return void res.status(401).json({ title: 'bad credentials' }); // planted: no brute-force limit
    }
    const h = b64({ alg: 'HS256', typ: 'JWT' });
    const p = b64({ sub: user.id, exp: Math.floor(Date.now() / 1000) + 900 });
    const token = `${h}.${p}.${sign(`${h}.${p}`)}`;
    if (style === 'custom') return void res.setHeader('x-session-token', token).json({});
    res.json({ accessToken: token, refreshToken: randomUUID() });
  });
  app.post(paths.logout, auth, (_req, res) => void res.status(204).end()); // planted: nothing revoked
  app.get('/v1/users/me', auth, (_req, res) => void res.json(res.locals.vulnUser));
  app.patch('/v1/users/me', auth, (req, res) => void res.json(Object.assign(res.locals.vulnUser as User, req.body))); // planted: mass assignment
  app.get('/v1/users/:id', auth, (req, res) => {
    const u = users.get(String(req.params.id));
    if (!u) return void res.status(404).json({ title: 'not found' });
    res.json({ id: u.id, handle: u.handle, email: u.email }); // planted: PII in a public profile
  });
  app.get('/v1/notes', auth, (req, res) => {
    const q = typeof req.query.q === 'string' ? req.query.q : '';
    if (q.includes("'")) {
      // planted: the "query" breaks and the raw error with its stack goes to the client
      const err = new Error(`syntax error at or near "${q.slice(q.indexOf("'"))}"`);
      return void res.status(500).type('text/plain').send(`error: ${err.message}\n${err.stack}`);
    }
    res.json({
      items: [...notes.values()].filter((n) => n.ownerId === (res.locals.vulnUser as User).id && n.title.includes(q)),
    });
  });
  app.post('/v1/notes', auth, (req, res) => {
    const { title, body } = req.body as Record<string, unknown>;
    if (typeof title !== 'string' || typeof body !== 'string') return void res.status(422).json({ title: 'invalid' });
    const n: Note = { id: randomUUID(), ownerId: (res.locals.vulnUser as User).id, title, body };
    notes.set(n.id, n);
    res.status(201).json(n);
  });
  // planted: BOLA — no ownership check on read, change or delete
  app.get('/v1/notes/:id', auth, (req, res) => {
    const n = notes.get(String(req.params.id));
    return void (n ? res.json(n) : res.status(404).json({ title: 'not found' }));
  });
  app.patch('/v1/notes/:id', auth, (req, res) => {
    const n = notes.get(String(req.params.id));
    return void (n ? res.json(Object.assign(n, req.body)) : res.status(404).json({ title: 'not found' }));
  });
  app.post('/v1/notes/:id/pins', auth, (req, res) => {
    const n = notes.get(String(req.params.id)); // planted: pins anyone's note, private or not
    const position: unknown = (req.body as Record<string, unknown> | undefined)?.position;
    // planted: the integer position goes into the SQL text unchecked, so a quote breaks the statement
    if (typeof position === 'string' && position.includes("'"))
      return void res
        .status(500)
        .type('text/plain')
        .send(`error: syntax error at or near "${position.slice(position.indexOf("'"))}"`);
    return void (n ? res.status(201).json({ noteId: n.id }) : res.status(404).json({ title: 'not found' }));
  });
  app.delete(
    '/v1/notes/:id',
    auth,
    (req, res) => void res.status(notes.delete(String(req.params.id)) ? 204 : 404).end(),
  );
  app.get(
    '/v1/search',
    (req, res) => void res.type('html').send(`<html><body><h1>Results for ${String(req.query.q)}</h1></body></html>`),
  ); // planted: reflected XSS
  app.get('/v1/admin/users', auth, (_req, res) => void res.json({ items: [...users.values()] })); // planted: BFLA
  app.get('/v1/debug/env', (_req, res) => void res.json({ node: process.version })); // planted: undocumented
  // planted: errors (malformed JSON included) answered with their stack trace
  app.use((err: Error & { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
    res
      .status(err.status ?? 500)
      .type('text/plain')
      .send(`${err.name}: ${err.message}\n${err.stack ?? ''}`);
  });
  return app;
}

export interface VulnerableApp {
  url: string;
  /** The app's data, for tests that compare it before and after a scan. */
  state: { users: Map<string, User>; notes: Map<string, Note> };
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function startVulnerableApp(style: AuthStyle = 'default'): Promise<VulnerableApp> {
  const app = createVulnerableApp(style);
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, state: app.locals.state as VulnerableApp['state'], stop, [Symbol.asyncDispose]: stop };
}
