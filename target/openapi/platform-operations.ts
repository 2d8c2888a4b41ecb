import { z } from 'zod';
import { authSchemas } from '../auth/index.ts';
import { userSchemas } from '../users/index.ts';
import { errorResponse } from './builder.ts';
import type { JsonSchema, OperationSpec } from './builder.ts';

const { loginBody, logoutBody, refreshBody, registerBody, resetConfirmBody, resetRequestBody } = authSchemas;
const { patchMeBody } = userSchemas;

/**
 * The platform's routes (auth, users, admin, health, metrics). Request bodies
 * come from the platform's own zod schemas; response shapes are written here
 * from its handlers (the conformance test checks real responses against them).
 */
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
const role = z.enum(['user', 'editor', 'admin']);
const user = z.object({ id: uuid, email: z.string(), handle: z.string(), role }).loose();
const ownUser = user
  .extend({
    displayName: z.string().nullable(),
    bio: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .loose();
const publicUser = z.object({ id: uuid, handle: z.string() }).loose();
const tokens = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    tokenType: z.literal('Bearer'),
    expiresIn: z.number().int(),
  })
  .loose();
const idParams = z.object({ id: uuid });
const anyObject: JsonSchema = { type: 'object' };

export const platformOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/auth/register',
    operationId: 'register',
    summary: 'Create an account',
    tag: 'auth',
    body: registerBody,
    responses: {
      201: { description: 'Created', schema: z.object({ user }) },
      409: errorResponse(409, 'The email (or handle) is taken.'),
    },
  },
  {
    method: 'post',
    path: '/v1/auth/login',
    operationId: 'login',
    summary: 'Exchange credentials for tokens',
    tag: 'auth',
    body: loginBody,
    responses: { 200: { description: 'Tokens', schema: tokens }, 401: errorResponse(401, 'Bad credentials.') },
  },
  {
    method: 'post',
    path: '/v1/auth/refresh',
    operationId: 'refresh',
    summary: 'Rotate a refresh token',
    tag: 'auth',
    body: refreshBody,
    responses: {
      200: { description: 'New tokens (the old refresh token is spent)', schema: tokens },
      401: errorResponse(401, 'Unknown, expired or reused refresh token (reuse revokes the family).'),
    },
  },
  {
    method: 'post',
    path: '/v1/auth/logout',
    operationId: 'logout',
    summary: 'Revoke the access token and the refresh token family',
    tag: 'auth',
    auth: true,
    body: logoutBody,
    responses: { 204: { description: 'Logged out' } },
  },
  {
    method: 'post',
    path: '/v1/auth/password-reset/request',
    operationId: 'requestPasswordReset',
    summary: 'Mail a reset token (to the outbox)',
    tag: 'auth',
    body: resetRequestBody,
    responses: {
      202: {
        description: 'Accepted (whether or not the account exists); the mail goes to the outbox',
        schema: z.object({ status: z.literal('accepted'), detail: z.string() }),
      },
    },
  },
  {
    method: 'post',
    path: '/v1/auth/password-reset/confirm',
    operationId: 'confirmPasswordReset',
    summary: 'Set a new password with a reset token',
    tag: 'auth',
    body: resetConfirmBody,
    responses: { 204: { description: 'Password changed' }, 400: errorResponse(400, 'Invalid or expired token.') },
  },
  {
    method: 'get',
    path: '/v1/users/me',
    operationId: 'getMe',
    summary: 'The caller',
    tag: 'users',
    auth: true,
    responses: {
      200: {
        description: 'The caller',
        schema: ownUser.extend({ followers: z.number().int(), following: z.number().int() }),
      },
    },
  },
  {
    method: 'patch',
    path: '/v1/users/me',
    operationId: 'updateMe',
    summary: 'Change the caller’s profile',
    tag: 'users',
    auth: true,
    body: patchMeBody,
    responses: { 200: { description: 'Updated', schema: ownUser }, 409: errorResponse(409, 'The handle is taken.') },
  },
  {
    method: 'get',
    path: '/v1/users/{id}',
    operationId: 'getUser',
    summary: 'A public profile (no sign-in needed)',
    tag: 'users',
    params: idParams,
    responses: { 200: { description: 'Public profile', schema: publicUser }, 404: errorResponse(404) },
  },
  {
    method: 'post',
    path: '/v1/users/{id}/follow',
    operationId: 'follow',
    summary: 'Follow a user (idempotent)',
    tag: 'users',
    auth: true,
    params: idParams,
    responses: {
      200: { description: 'Already following', schema: z.object({ following: z.literal(true), userId: uuid }) },
      201: { description: 'Now following', schema: z.object({ following: z.literal(true), userId: uuid }) },
      404: errorResponse(404),
    },
  },
  {
    method: 'delete',
    path: '/v1/users/{id}/follow',
    operationId: 'unfollow',
    summary: 'Unfollow a user (idempotent)',
    tag: 'users',
    auth: true,
    params: idParams,
    responses: { 204: { description: 'Not following' }, 404: errorResponse(404) },
  },
  {
    method: 'get',
    path: '/v1/admin/users',
    operationId: 'adminListUsers',
    summary: 'List users (admin)',
    tag: 'admin',
    auth: true,
    query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), cursor: z.string().optional() }),
    responses: {
      200: {
        description: 'A page of users',
        schema: z.object({ items: z.array(ownUser), nextCursor: z.string().nullable() }),
      },
      403: errorResponse(403),
    },
  },
  {
    method: 'post',
    path: '/v1/admin/users/{id}/role',
    operationId: 'adminSetRole',
    summary: 'Change a user’s role (admin)',
    tag: 'admin',
    auth: true,
    params: idParams,
    body: z.object({ role }),
    responses: {
      200: { description: 'Updated user', schema: z.object({ user: ownUser }) },
      403: errorResponse(403),
      404: errorResponse(404),
    },
  },
  {
    method: 'get',
    path: '/livez',
    operationId: 'livez',
    summary: 'The process answers',
    tag: 'health',
    plain: true,
    responses: { 200: { description: 'Alive', schema: anyObject } },
  },
  {
    method: 'get',
    path: '/readyz',
    operationId: 'readyz',
    summary: 'PostgreSQL and Redis reachable',
    tag: 'health',
    plain: true,
    responses: {
      200: { description: 'Ready', schema: anyObject },
      503: { description: 'Not ready; names what is down', schema: anyObject },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    operationId: 'metrics',
    summary: 'Prometheus metrics',
    tag: 'health',
    plain: true,
    responses: {
      200: { description: 'Prometheus text exposition', schema: { type: 'string' }, contentType: 'text/plain' },
    },
  },
];
