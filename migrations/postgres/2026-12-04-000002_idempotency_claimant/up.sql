-- Which server process claimed a key still in progress: a claim whose process died
-- before it answered (a crash) can then be taken over instead of blocking retries.
ALTER TABLE idempotency_keys ADD COLUMN claimed_by TEXT;
