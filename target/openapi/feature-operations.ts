import { z } from 'zod';
import { commentSchema, createCommentBody } from '../comments/index.ts';
import { likeStateSchema } from '../likes/index.ts';
import { notificationSchema } from '../notifications/index.ts';
import { pageQuery } from '../platform/pagination.ts';
import { postSchemas } from '../posts/index.ts';
import { trendingItemSchema } from '../trending/index.ts';
import { errorResponse, toSchema } from './builder.ts';
import type { OperationSpec } from './builder.ts';

/** The feature routes, described from the zod schemas their handlers validate with. */
const { createPostBody, updatePostBody, idParams, listPostsQuery, postSchema, pageOf, idempotencyKeyHeader } =
  postSchemas;
const xCache = { 'X-Cache': { type: 'string', enum: ['hit', 'miss', 'stale', 'bypass'] } };

export const featureOperations: OperationSpec[] = [
  {
    method: 'post',
    path: '/v1/posts',
    operationId: 'createPost',
    summary: 'Create a post (Idempotency-Key honoured)',
    tag: 'posts',
    auth: true,
    headers: [
      {
        name: 'Idempotency-Key',
        required: false,
        description:
          'Same key + same body → the same 201 replayed, nothing new created; same key + different body → 422.',
        schema: toSchema(idempotencyKeyHeader, 'input'),
      },
    ],
    body: createPostBody,
    responses: {
      201: {
        description: 'Created (or replayed: Idempotent-Replayed: true)',
        schema: postSchema,
        headers: { Location: { type: 'string' } },
      },
    },
  },
  {
    method: 'get',
    path: '/v1/posts',
    operationId: 'listPosts',
    summary: 'Public posts, newest first (an author’s own include private)',
    tag: 'posts',
    auth: true,
    query: listPostsQuery,
    responses: {
      200: {
        description: 'A page of posts (the first page of public posts is cached for up to 1 s: X-Cache)',
        schema: pageOf(postSchema),
        headers: xCache,
      },
    },
  },
  {
    method: 'get',
    path: '/v1/posts/{id}',
    operationId: 'getPost',
    summary: 'One post',
    tag: 'posts',
    auth: true,
    params: idParams,
    responses: { 200: { description: 'The post', schema: postSchema }, 404: errorResponse(404) },
  },
  {
    method: 'patch',
    path: '/v1/posts/{id}',
    operationId: 'updatePost',
    summary: 'Edit a post (author, editor or admin)',
    tag: 'posts',
    auth: true,
    params: idParams,
    body: updatePostBody,
    responses: {
      200: { description: 'The edited post', schema: postSchema },
      403: errorResponse(403),
      404: errorResponse(404),
    },
  },
  {
    method: 'delete',
    path: '/v1/posts/{id}',
    operationId: 'deletePost',
    summary: 'Delete a post (author, editor or admin)',
    tag: 'posts',
    auth: true,
    params: idParams,
    responses: { 204: { description: 'Deleted' }, 403: errorResponse(403), 404: errorResponse(404) },
  },
  {
    method: 'post',
    path: '/v1/posts/{id}/like',
    operationId: 'likePost',
    summary: 'Like (idempotent)',
    tag: 'likes',
    auth: true,
    params: idParams,
    responses: { 200: { description: 'Liked', schema: likeStateSchema }, 404: errorResponse(404) },
  },
  {
    method: 'delete',
    path: '/v1/posts/{id}/like',
    operationId: 'unlikePost',
    summary: 'Unlike (idempotent)',
    tag: 'likes',
    auth: true,
    params: idParams,
    responses: { 200: { description: 'Not liked', schema: likeStateSchema }, 404: errorResponse(404) },
  },
  {
    method: 'post',
    path: '/v1/posts/{id}/comments',
    operationId: 'addComment',
    summary: 'Comment on a post',
    tag: 'comments',
    auth: true,
    params: idParams,
    body: createCommentBody,
    responses: { 201: { description: 'Created', schema: commentSchema }, 404: errorResponse(404) },
  },
  {
    method: 'get',
    path: '/v1/posts/{id}/comments',
    operationId: 'listComments',
    summary: 'Comments, oldest first',
    tag: 'comments',
    auth: true,
    params: idParams,
    query: pageQuery,
    responses: { 200: { description: 'A page of comments', schema: pageOf(commentSchema) }, 404: errorResponse(404) },
  },
  {
    method: 'get',
    path: '/v1/feed',
    operationId: 'getFeed',
    summary: 'Posts of followed users, newest first (cached)',
    tag: 'feed',
    auth: true,
    query: pageQuery,
    responses: { 200: { description: 'A page of the feed', schema: pageOf(postSchema), headers: xCache } },
  },
  {
    method: 'get',
    path: '/v1/trending',
    operationId: 'getTrending',
    summary: 'Most liked recent posts (cached)',
    tag: 'feed',
    auth: true,
    query: pageQuery,
    responses: {
      200: { description: 'A page of trending posts', schema: pageOf(trendingItemSchema), headers: xCache },
    },
  },
  {
    method: 'get',
    path: '/v1/notifications',
    operationId: 'listNotifications',
    summary: 'The caller’s notifications, newest first',
    tag: 'notifications',
    auth: true,
    query: pageQuery,
    responses: { 200: { description: 'A page of notifications', schema: pageOf(notificationSchema) } },
  },
  {
    method: 'get',
    path: '/openapi.json',
    operationId: 'openapi',
    summary: 'This document',
    tag: 'docs',
    plain: true,
    responses: { 200: { description: 'OpenAPI 3.1', schema: { type: 'object' } } },
  },
  {
    method: 'get',
    path: '/docs',
    operationId: 'docs',
    summary: 'Interactive documentation (offline Swagger UI)',
    tag: 'docs',
    plain: true,
    responses: { 200: { description: 'HTML page', schema: { type: 'string' }, contentType: 'text/html' } },
  },
  {
    method: 'get',
    path: '/docs/init.js',
    operationId: 'docsInit',
    summary: 'Swagger UI initializer of the docs page',
    tag: 'docs',
    plain: true,
    responses: { 200: { description: 'JavaScript', schema: { type: 'string' }, contentType: 'text/javascript' } },
  },
  {
    method: 'get',
    path: '/docs/assets/{file}',
    operationId: 'docsAsset',
    summary: 'Swagger UI files (served from swagger-ui-dist, no CDN)',
    tag: 'docs',
    plain: true,
    params: z.object({
      file: z.enum(['swagger-ui.css', 'swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'favicon-32x32.png']),
    }),
    responses: { 200: { description: 'The file' }, 404: errorResponse(404) },
  },
];
