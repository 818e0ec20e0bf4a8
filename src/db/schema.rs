// Written by hand to match both migrations/sqlite and migrations/postgres.

diesel::table! {
    instance_keys (id) {
        id -> BigInt,
        private_key_pem -> Text,
        public_key_pem -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    instance_identity (id) {
        id -> BigInt,
        base_url -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    groups (id) {
        id -> BigInt,
        name -> Text,
        display_name -> Text,
        summary -> Text,
        private_key_pem -> Text,
        public_key_pem -> Text,
        created_at -> BigInt,
        leak_guard -> Text,
        deleted_at -> Nullable<BigInt>,
        icon_url -> Nullable<Text>,
        rules -> Text,
        question -> Text,
        welcome -> Bool,
        posting -> Text,
        replies -> Text,
    }
}

diesel::table! {
    remote_actors (id) {
        id -> BigInt,
        uri -> Text,
        key_id -> Text,
        public_key_pem -> Text,
        inbox -> Text,
        shared_inbox -> Nullable<Text>,
        username -> Text,
        domain -> Text,
        also_known_as -> Text,
        fetched_at -> BigInt,
        followers -> Nullable<Text>,
        software -> Nullable<Text>,
    }
}

diesel::table! {
    memberships (id) {
        id -> BigInt,
        group_id -> BigInt,
        actor_uri -> Text,
        follow_id -> Text,
        follow_json -> Text,
        state -> Text,
        created_at -> BigInt,
        updated_at -> BigInt,
        role -> Text,
        answer -> Nullable<Text>,
    }
}

diesel::table! {
    allows (id) {
        id -> BigInt,
        group_id -> BigInt,
        pattern -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    blocks (id) {
        id -> BigInt,
        pattern -> Text,
        created_at -> BigInt,
        reason -> Text,
    }
}

diesel::table! {
    inbox_activities (id) {
        id -> BigInt,
        activity_id -> Text,
        kind -> Text,
        actor_uri -> Text,
        group_id -> Nullable<BigInt>,
        body -> Text,
        received_at -> BigInt,
        processed_at -> Nullable<BigInt>,
        outcome -> Nullable<Text>,
        locked_until -> BigInt,
        claim_token -> Text,
        attempts -> Integer,
        last_error -> Nullable<Text>,
        failed_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    outgoing_activities (id) {
        id -> BigInt,
        group_id -> BigInt,
        activity_id -> Text,
        body -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    deliveries (id) {
        id -> BigInt,
        activity_id -> BigInt,
        inbox -> Text,
        host -> Text,
        recipient -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> BigInt,
        locked_until -> BigInt,
        last_status -> Nullable<Integer>,
        last_error -> Nullable<Text>,
        created_at -> BigInt,
        updated_at -> BigInt,
        sync_digest -> Nullable<Text>,
        after_delivery -> Nullable<BigInt>,
        chain -> Nullable<Text>,
        claim_token -> Text,
    }
}

diesel::table! {
    group_blocks (id) {
        id -> BigInt,
        group_id -> BigInt,
        actor_uri -> Text,
        block_id -> Text,
        block_json -> Text,
        created_at -> BigInt,
    }
}

diesel::table! {
    edit_marks (object_id) {
        object_id -> Text,
        mark -> BigInt,
    }
}

diesel::table! {
    undone_follows (id) {
        id -> BigInt,
        follow_id -> Text,
        actor_uri -> Text,
        undone_at -> BigInt,
    }
}

diesel::table! {
    deleted_originals (id) {
        id -> BigInt,
        original_id -> Text,
        author_uri -> Text,
        deleted_at -> BigInt,
    }
}

diesel::table! {
    posts (id) {
        id -> BigInt,
        group_id -> BigInt,
        note_id -> Text,
        create_id -> Text,
        original_id -> Text,
        author_uri -> Text,
        in_reply_to -> Nullable<BigInt>,
        context_id -> Text,
        note_json -> Text,
        published_at -> BigInt,
        updated_at -> BigInt,
        deleted_at -> Nullable<BigInt>,
    }
}

diesel::table! {
    unavailable_hosts (host) {
        host -> Text,
        since -> BigInt,
        last_error -> Text,
        probes -> Integer,
        next_probe_at -> BigInt,
    }
}

diesel::table! {
    invites (id) {
        id -> BigInt,
        group_id -> BigInt,
        code -> Text,
        uses_left -> Nullable<BigInt>,
        expires_at -> Nullable<BigInt>,
        revoked -> Bool,
        uses -> BigInt,
        created_at -> BigInt,
    }
}

diesel::table! {
    direct_messages (id) {
        id -> BigInt,
        group_id -> BigInt,
        recipient_uri -> Text,
        note_id -> Text,
        create_id -> Text,
        content -> Text,
        created_at -> BigInt,
    }
}

diesel::joinable!(invites -> groups (group_id));
diesel::table! {
    audit_log (id) {
        id -> BigInt,
        group_id -> Nullable<BigInt>,
        actor -> Text,
        command -> Text,
        outcome -> Text,
        result -> Text,
        activity_id -> Nullable<Text>,
        created_at -> BigInt,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        group_id -> BigInt,
        activity_id -> Text,
        reporter_uri -> Text,
        comment -> Text,
        posts_json -> Text,
        accounts_json -> Text,
        created_at -> BigInt,
        resolved_at -> Nullable<BigInt>,
    }
}

diesel::joinable!(posts -> groups (group_id));
diesel::joinable!(memberships -> groups (group_id));
diesel::joinable!(allows -> groups (group_id));
diesel::joinable!(deliveries -> outgoing_activities (activity_id));
diesel::joinable!(outgoing_activities -> groups (group_id));
diesel::joinable!(group_blocks -> groups (group_id));
diesel::joinable!(audit_log -> groups (group_id));
diesel::joinable!(reports -> groups (group_id));

diesel::allow_tables_to_appear_in_same_query!(
    unavailable_hosts,
    groups,
    remote_actors,
    memberships,
    allows,
    blocks,
    inbox_activities,
    outgoing_activities,
    deliveries,
    posts,
    group_blocks,
    deleted_originals,
    edit_marks,
    undone_follows,
    invites,
    direct_messages,
    audit_log,
    reports,
    reply_notices,
    late_notices,
);

diesel::table! {
    reply_notices (id) {
        id -> BigInt,
        group_id -> BigInt,
        actor_uri -> Text,
        context_id -> Text,
        sent_at -> BigInt,
    }
}

diesel::table! {
    late_notices (id) {
        id -> BigInt,
        group_id -> BigInt,
        actor_uri -> Text,
        sent_at -> BigInt,
    }
}
