-- Posts, comments, likes, idempotency keys (feature tables; users and follows come from 0001).

CREATE TABLE posts (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  author_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body          text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 5000),
  visibility    text NOT NULL DEFAULT 'public' CHECK (visibility IN ('public', 'private')),
  like_count    integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
  comment_count integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- GET /v1/posts: public timeline, keyset (created_at, id) descending.
CREATE INDEX posts_public_created_idx ON posts (created_at DESC, id DESC) WHERE visibility = 'public';
-- GET /v1/posts?authorId= and the feed (followees' posts, newest first).
CREATE INDEX posts_author_created_idx ON posts (author_id, created_at DESC, id DESC);

CREATE TABLE comments (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  author_id  uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body       text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2000),
  created_at timestamptz NOT NULL DEFAULT now()
);
-- GET /v1/posts/{id}/comments: oldest first, keyset (created_at, id).
CREATE INDEX comments_post_created_idx ON comments (post_id, created_at, id);
CREATE INDEX comments_author_idx ON comments (author_id);

CREATE TABLE likes (
  post_id    uuid NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (post_id, user_id)
);
-- Trending: likes in the recent window grouped by post (index-only scan on the window).
CREATE INDEX likes_created_post_idx ON likes (created_at DESC, post_id);
CREATE INDEX likes_user_idx ON likes (user_id);

-- POST /v1/posts with Idempotency-Key: one row per (user, key); the primary key is what makes
-- concurrent retries (on any worker) create exactly one post.
CREATE TABLE idempotency_keys (
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key          text NOT NULL,
  request_hash text NOT NULL,
  status       integer,
  response     jsonb,
  created_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, key)
);
-- Expiry sweep.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
