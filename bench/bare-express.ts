/**
 * The bench's framework floors: a bare Express 5 app (or, with `http`, bare
 * node:http) on node:cluster with the target's worker count, answering GET /page
 * with a page of 20 posts shaped and sized like a feed page (no database, no
 * Redis, no middleware). With `express-pg`, bare Express answering GET /posts
 * from PostgreSQL (the URL given after the kind) with the target's own page read: the same
 * cursor decoding, SQL text, named statement and page shaping (readPostsPage,
 * namedQuery from target/), on a pg.Pool of the target's default size — and
 * nothing else (no authentication, Redis, breaker, retry, validation or
 * middleware): the floor of a read that must ask PostgreSQL. Prints {"url": ...}
 * once every worker listens; stops on SIGTERM or when stdin ends.
 *
 *   node --import tsx bench/bare-express.ts [workers] [express|http|express-pg <postgres url>]
 */
import cluster from 'node:cluster';
import http from 'node:http';
import express from 'express';
import pg from 'pg';
import { namedQuery, readPostsPage } from '../target/index.ts';

const workers = Number(process.argv[2] ?? 2);
const kinds = ['express', 'http', 'express-pg'] as const;
const kind = kinds.find((k) => k === process.argv[3]) ?? 'express';
/** express-pg's PostgreSQL: an argument like the others (cluster workers get the primary's arguments). */
const databaseUrl = process.argv[4];

if (cluster.isPrimary) {
  // Workers listening on port 0 share one handle, so one random port for all of them.
  let listening = 0;
  cluster.on('listening', (_w, addr) => {
    listening += 1;
    if (listening === workers) process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${addr.port}` })}\n`);
  });
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.kill();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
} else {
  const now = new Date().toISOString();
  const page = {
    items: Array.from({ length: 20 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      authorId: '00000000-0000-4000-8000-000000000001',
      body: `post ${i} ${'lorem ipsum dolor sit amet '.repeat(8)}`,
      visibility: 'public',
      likeCount: i,
      commentCount: 1,
      createdAt: now,
      updatedAt: now,
    })),
    nextCursor: null,
  };
  if (kind === 'http') {
    http
      .createServer((req, res) => {
        if (req.method !== 'GET' || req.url !== '/page') {
          res.writeHead(404).end();
          return;
        }
        const body = JSON.stringify(page);
        res.writeHead(200, {
          'content-type': 'application/json; charset=utf-8',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      })
      .listen(0, '127.0.0.1');
  } else if (kind === 'express-pg') {
    const url = databaseUrl;
    if (!url || !/^postgres(ql)?:\/\//.test(url))
      throw new Error(
        `express-pg: give the PostgreSQL the target reads as a postgres:// URL after the kind (got ${url})`,
      );
    // The target's PG_POOL_MAX default (target/config.ts).
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    const q = {
      query: <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
        const named = namedQuery(text, values);
        return typeof named === 'string' ? pool.query<R>(named) : pool.query<R>(named);
      },
    };
    const app = express();
    app.set('query parser', 'simple');
    app.get('/posts', async (req, res) => {
      const cursor = typeof req.query.cursor === 'string' ? req.query.cursor : undefined;
      res.json(await readPostsPage(q, { includePrivate: false, cursor, limit: Number(req.query.limit ?? 20) }));
    });
    app.listen(0, '127.0.0.1');
  } else {
    const app = express();
    app.get('/page', (_req, res) => {
      res.json(page);
    });
    app.listen(0, '127.0.0.1');
  }
}
