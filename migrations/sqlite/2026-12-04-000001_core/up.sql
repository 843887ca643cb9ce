-- Herald's core tables. Portable types only, so one diesel schema serves SQLite and
-- PostgreSQL: ids are TEXT (UUID strings), instants BIGINT unix milliseconds, JSON TEXT,
-- secrets TEXT (vault envelopes `v1.<key id>.<base64url>`), flags BOOLEAN.

CREATE TABLE agencies (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    created_at BIGINT NOT NULL
);
CREATE INDEX users_agency_id ON users (agency_id);

CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);

CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT
);
CREATE INDEX invitations_agency_id ON invitations (agency_id);

CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    archived_at BIGINT
);
CREATE INDEX tenants_agency_id ON tenants (agency_id);

CREATE TABLE connect_links (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX connect_links_tenant_id ON connect_links (tenant_id);

CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connect_link_id TEXT REFERENCES connect_links (id) ON DELETE CASCADE,
    login_kind TEXT NOT NULL CHECK (login_kind IN ('facebook', 'instagram')),
    pkce_verifier TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX oauth_states_tenant_id ON oauth_states (tenant_id);

CREATE TABLE meta_connections (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    login_kind TEXT NOT NULL CHECK (login_kind IN ('facebook', 'instagram')),
    meta_user_id TEXT NOT NULL,
    user_token TEXT NOT NULL,
    expires_at BIGINT,
    scopes TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'reauth_required', 'disconnected')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, login_kind, meta_user_id)
);
CREATE INDEX meta_connections_tenant_id ON meta_connections (tenant_id);
CREATE INDEX meta_connections_expires_at ON meta_connections (expires_at);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    connection_id TEXT NOT NULL REFERENCES meta_connections (id) ON DELETE CASCADE,
    network TEXT NOT NULL CHECK (network IN ('facebook', 'instagram')),
    external_id TEXT NOT NULL,
    name TEXT NOT NULL,
    username TEXT,
    linked_page_id TEXT,
    page_token TEXT,
    status TEXT NOT NULL CHECK (status IN ('active', 'reauth_required', 'disconnected')),
    throttled_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (tenant_id, network, external_id)
);
CREATE INDEX accounts_tenant_id ON accounts (tenant_id);
CREATE INDEX accounts_connection_id ON accounts (connection_id);

CREATE TABLE media (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    facts TEXT NOT NULL,
    storage_path TEXT NOT NULL,
    source_url TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (tenant_id, sha256)
);
CREATE INDEX media_tenant_id ON media (tenant_id);

CREATE TABLE posts (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    caption TEXT NOT NULL,
    spec TEXT NOT NULL,
    publish_at BIGINT NOT NULL,
    state TEXT NOT NULL,
    checkpoint TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT,
    external_id TEXT,
    permalink TEXT,
    last_error TEXT,
    idempotency_key TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    claimed_by TEXT,
    lease_epoch BIGINT,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX posts_tenant_id ON posts (tenant_id, publish_at, id);
CREATE INDEX posts_account_id ON posts (account_id);
CREATE INDEX posts_state_publish_at ON posts (state, publish_at);
CREATE INDEX posts_state_next_attempt_at ON posts (state, next_attempt_at);

CREATE TABLE post_events (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    post_id TEXT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX post_events_tenant_id ON post_events (tenant_id);
CREATE INDEX post_events_post_id ON post_events (post_id, at);

CREATE TABLE outbox_events (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    dispatched_at BIGINT
);
CREATE INDEX outbox_events_tenant_id ON outbox_events (tenant_id);
CREATE INDEX outbox_events_agency_id ON outbox_events (agency_id);
CREATE INDEX outbox_events_pending ON outbox_events (dispatched_at, created_at);

CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_expires_at BIGINT,
    event_types TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    failing_since BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX webhook_endpoints_agency_id ON webhook_endpoints (agency_id);
CREATE INDEX webhook_endpoints_tenant_id ON webhook_endpoints (tenant_id);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id TEXT NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'abandoned')),
    http_status INTEGER,
    latency_ms BIGINT,
    response_start TEXT,
    error TEXT,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT
);
CREATE INDEX webhook_deliveries_tenant_id ON webhook_deliveries (tenant_id);
CREATE INDEX webhook_deliveries_endpoint_id ON webhook_deliveries (endpoint_id, created_at);
CREATE INDEX webhook_deliveries_event_id ON webhook_deliveries (event_id);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    tenant_id TEXT REFERENCES tenants (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX api_keys_agency_id ON api_keys (agency_id);
CREATE INDEX api_keys_tenant_id ON api_keys (tenant_id);

CREATE TABLE idempotency_keys (
    agency_id TEXT NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    idempotency_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response_status INTEGER,
    response_body TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (agency_id, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE TABLE inbound_meta_events (
    id TEXT PRIMARY KEY NOT NULL,
    dedup_key TEXT NOT NULL UNIQUE,
    object TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    processed_at BIGINT
);
CREATE INDEX inbound_meta_events_pending ON inbound_meta_events (processed_at, received_at);

CREATE TABLE nodes (
    id TEXT PRIMARY KEY NOT NULL,
    started_at BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL
);

CREATE TABLE tenant_leases (
    tenant_id TEXT PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    node_id TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX tenant_leases_node_id ON tenant_leases (node_id);
