import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { currentUser } from '../platform/locals.ts';
import { featureDeps } from '../platform/feature-deps.ts';
import { createPostBody, idempotencyHeaders, idParams, listPostsQuery, updatePostBody } from './schemas.ts';
import * as posts from './service.ts';

/** /v1/posts — thin: validate, call the domain, respond. */
export function postsRouter(app: AppDeps): Router {
  const deps = featureDeps(app);
  const router = Router();
  router.use(app.guards.requireAuth);

  router.post('/', async (req, res) => {
    const user = currentUser(res);
    const input = validate(createPostBody, req.body);
    const rawKey = req.get('idempotency-key');
    const key =
      rawKey === undefined
        ? undefined
        : validate(idempotencyHeaders, { 'idempotency-key': rawKey }, 'headers')['idempotency-key'];
    const out = await posts.createPost(deps, user, input, key);
    if (out.replayed) res.setHeader('Idempotent-Replayed', 'true');
    res.status(out.status).location(`/v1/posts/${out.body.id}`).json(out.body);
  });

  router.get('/', async (req, res) => {
    const q = validate(listPostsQuery, req.query, 'query');
    if (q.cursor === undefined && q.authorId === undefined) {
      const out = await posts.listLatestPage(deps, currentUser(res), q.limit);
      res.setHeader('X-Cache', out.source);
      res.type('json').send(out.json);
      return;
    }
    res.json(await posts.listPosts(deps, currentUser(res), q));
  });

  router.get('/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    res.json(await posts.getPost(deps, currentUser(res), id));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    const patch = validate(updatePostBody, req.body);
    res.json(await posts.updatePost(deps, currentUser(res), id, patch));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = validate(idParams, req.params, 'params');
    await posts.deletePost(deps, currentUser(res), id);
    res.status(204).end();
  });

  return router;
}
