import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';
import { validate } from '../platform/validate.ts';
import { requireAuth } from './guards.ts';
import { currentUser } from '../platform/locals.ts';
import { registerBody, loginBody, refreshBody, logoutBody, resetRequestBody, resetConfirmBody } from './schemas.ts';
import { authServicesFor } from './services.ts';

/** /v1/auth: thin — validate, call the domain, answer. */
export function authRouter(deps: AppDeps): Router {
  const { service } = authServicesFor(deps);
  const router = Router();

  router.post('/register', async (req, res) => {
    const user = await service.register(validate(registerBody, req.body));
    res
      .status(201)
      .location(`/v1/users/${user.id}`)
      .json({ user: { id: user.id, email: user.email, handle: user.handle, role: user.role } });
  });

  router.post('/login', async (req, res) => {
    const body = validate(loginBody, req.body);
    res.json(await service.login({ ...body, ip: req.ip ?? req.socket.remoteAddress ?? 'unknown' }));
  });

  router.post('/refresh', async (req, res) => {
    res.json(await service.refresh(validate(refreshBody, req.body).refreshToken));
  });

  router.post('/logout', requireAuth, async (req, res) => {
    await service.logout(currentUser(res), validate(logoutBody, req.body).refreshToken);
    res.status(204).end();
  });

  router.post('/password-reset/request', async (req, res) => {
    await service.requestPasswordReset(validate(resetRequestBody, req.body).email);
    res.status(202).json({ status: 'accepted', detail: 'If the account exists, a reset code has been sent.' });
  });

  router.post('/password-reset/confirm', async (req, res) => {
    const body = validate(resetConfirmBody, req.body);
    await service.confirmPasswordReset(body.token, body.newPassword);
    res.status(204).end();
  });

  return router;
}
