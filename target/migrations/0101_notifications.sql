-- Notifications written by the stream consumers, deduplicated by event id.

CREATE TABLE notifications (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  event_id   text NOT NULL,
  type       text NOT NULL,
  actor_id   uuid,
  post_id    uuid,
  comment_id uuid,
  created_at timestamptz NOT NULL DEFAULT now(),
  read_at    timestamptz,
  -- At-least-once delivery: a redelivered event cannot notify the same user twice.
  UNIQUE (event_id, user_id)
);
-- GET /v1/notifications: newest first, keyset (created_at, id).
CREATE INDEX notifications_user_created_idx ON notifications (user_id, created_at DESC, id DESC);

-- Every stream event handled, recorded in the same transaction as its effects.
CREATE TABLE processed_events (
  event_id     text PRIMARY KEY,
  type         text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_processed_at_idx ON processed_events (processed_at);

-- Event relay (transactional outbox for stream events): a write stores its event here in the
-- same transaction; after commit the event is XADDed and the row deleted. When Redis is down the
-- row stays and a relay loop in every worker publishes it once Redis is back.
CREATE TABLE event_relay (
  event_id   text PRIMARY KEY,
  payload    jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_relay_created_idx ON event_relay (created_at);
