import { Router } from 'express';
import type { AppDeps } from '../platform/deps.ts';

export function adminRouter(_deps: AppDeps): Router {
  const router = Router();
  return router;
}
