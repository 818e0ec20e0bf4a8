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
    groups (id) {
        id -> BigInt,
        name -> Text,
        display_name -> Text,
        summary -> Text,
        private_key_pem -> Text,
        public_key_pem -> Text,
        created_at -> BigInt,
    }
}
