import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';

export function authRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
