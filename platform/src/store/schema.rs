//! The diesel schema, written by hand to match both `migrations/sqlite` and
//! `migrations/postgres`. Only portable SQL types appear here (Text, BigInt, Integer, Bool),
//! so one schema serves both backends through [`super::DbConnection`].

diesel::table! {
    agencies (id) {
        id -> Text,
        name -> Text,
        time_zone -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        agency_id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        created_at -> BigInt,
        last_seen_at -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::table! {
    invitations (id) {
        id -> Text,
        agency_id -> Text,
        email -> Text,
        role -> Text,
        token_hash -> Text,
        invited_by -> Nullable<Text>,
        created_at -> BigInt,
        expires_at -> BigInt,
        accepted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    tenants (id) {
        id -> Text,
        agency_id -> Text,
        name -> Text,
        created_at -> BigInt,
        archived_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    connect_links (id) {
        id -> Text,
        tenant_id -> Text,
        token_hash -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    oauth_states (state_hash) {
        state_hash -> Text,
        tenant_id -> Text,
        connect_link_id -> Nullable<Text>,
        login_kind -> Text,
        pkce_verifier -> Text,
        created_at -> BigInt,
        expires_at -> BigInt,
        used_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    meta_connections (id) {
        id -> Text,
        tenant_id -> Text,
        login_kind -> Text,
        meta_user_id -> Text,
        user_token -> Text,
        expires_at -> Nullable<BigInt>,
        scopes -> Text,
        status -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    accounts (id) {
        id -> Text,
        tenant_id -> Text,
        connection_id -> Text,
        network -> Text,
        external_id -> Text,
        name -> Text,
        username -> Nullable<Text>,
        linked_page_id -> Nullable<Text>,
        page_token -> Nullable<Text>,
        status -> Text,
        throttled_until -> Nullable<BigInt>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    media (id) {
        id -> Text,
        tenant_id -> Text,
        sha256 -> Text,
        facts -> Text,
        storage_path -> Text,
        source_url -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    posts (id) {
        id -> Text,
        tenant_id -> Text,
        account_id -> Text,
        kind -> Text,
        caption -> Text,
        spec -> Text,
        publish_at -> BigInt,
        state -> Text,
        checkpoint -> Nullable<Text>,
        attempts -> Integer,
        next_attempt_at -> Nullable<BigInt>,
        external_id -> Nullable<Text>,
        permalink -> Nullable<Text>,
        last_error -> Nullable<Text>,
        idempotency_key -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        claimed_by -> Nullable<Text>,
        lease_epoch -> Nullable<BigInt>,
    }
}

diesel::table! {
    post_events (id) {
        id -> Text,
        tenant_id -> Text,
        post_id -> Text,
        at -> BigInt,
        from_state -> Nullable<Text>,
        to_state -> Text,
        detail -> Text,
    }
}

diesel::table! {
    outbox_events (id) {
        id -> Text,
        agency_id -> Text,
        tenant_id -> Nullable<Text>,
        event_type -> Text,
        payload -> Text,
        created_at -> BigInt,
        dispatched_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        agency_id -> Text,
        tenant_id -> Nullable<Text>,
        url -> Text,
        description -> Text,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_expires_at -> Nullable<BigInt>,
        event_types -> Text,
        enabled -> Bool,
        disabled_reason -> Nullable<Text>,
        failing_since -> Nullable<BigInt>,
        created_at -> BigInt,
        updated_at -> BigInt,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        agency_id -> Text,
        tenant_id -> Nullable<Text>,
        endpoint_id -> Text,
        event_id -> Text,
        attempt -> Integer,
        status -> Text,
        http_status -> Nullable<Integer>,
        latency_ms -> Nullable<BigInt>,
        response_start -> Nullable<Text>,
        error -> Nullable<Text>,
        created_at -> BigInt,
        next_attempt_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        agency_id -> Text,
        tenant_id -> Nullable<Text>,
        prefix -> Text,
        hash -> Text,
        name -> Text,
        created_at -> BigInt,
        last_used_at -> Nullable<BigInt>,
        revoked_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    idempotency_keys (agency_id, idempotency_key) {
        agency_id -> Text,
        idempotency_key -> Text,
        request_hash -> Text,
        response_status -> Nullable<Integer>,
        response_body -> Nullable<Text>,
        created_at -> BigInt,
        claimed_by -> Nullable<Text>,
    }
}

diesel::table! {
    inbound_meta_events (id) {
        id -> Text,
        dedup_key -> Text,
        object -> Text,
        payload -> Text,
        received_at -> BigInt,
        processed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    nodes (id) {
        id -> Text,
        started_at -> BigInt,
        heartbeat_at -> BigInt,
    }
}

diesel::table! {
    tenant_leases (tenant_id) {
        tenant_id -> Text,
        node_id -> Text,
        epoch -> BigInt,
        expires_at -> BigInt,
    }
}

diesel::joinable!(users -> agencies (agency_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(invitations -> agencies (agency_id));
diesel::joinable!(tenants -> agencies (agency_id));
diesel::joinable!(connect_links -> tenants (tenant_id));
diesel::joinable!(oauth_states -> tenants (tenant_id));
diesel::joinable!(meta_connections -> tenants (tenant_id));
diesel::joinable!(accounts -> meta_connections (connection_id));
diesel::joinable!(media -> tenants (tenant_id));
diesel::joinable!(posts -> accounts (account_id));
diesel::joinable!(post_events -> posts (post_id));
diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_deliveries -> outbox_events (event_id));
diesel::joinable!(api_keys -> agencies (agency_id));
diesel::joinable!(tenant_leases -> tenants (tenant_id));

diesel::allow_tables_to_appear_in_same_query!(
    agencies,
    users,
    sessions,
    invitations,
    tenants,
    connect_links,
    oauth_states,
    meta_connections,
    accounts,
    media,
    posts,
    post_events,
    outbox_events,
    webhook_endpoints,
    webhook_deliveries,
    api_keys,
    idempotency_keys,
    inbound_meta_events,
    nodes,
    tenant_leases,
);
