/**
 * The bench's framework floors: a bare Express 5 app (or, with `http`, bare
 * node:http) on node:cluster with the target's worker count, answering GET /page
 * with a page of 20 posts shaped and sized like a feed page (no database, no
 * Redis, no middleware). Prints {"url": ...} once every worker listens; stops on
 * SIGTERM or when stdin ends.
 *
 *   node --import tsx bench/bare-express.ts [workers] [express|http]
 */
import cluster from 'node:cluster';
import http from 'node:http';
import express from 'express';

const workers = Number(process.argv[2] ?? 2);
const kind = process.argv[3] === 'http' ? 'http' : 'express';

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
  } else {
    const app = express();
    app.get('/page', (_req, res) => {
      res.json(page);
    });
    app.listen(0, '127.0.0.1');
  }
}
