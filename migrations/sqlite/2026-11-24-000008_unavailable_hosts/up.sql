-- Servers that failed every delivery until the retry schedule gave up.
-- Nothing more is sent to them until they talk to us again (any signed
-- activity from them) or accept a delivery.
CREATE TABLE unavailable_hosts (
    host TEXT PRIMARY KEY NOT NULL,
    since BIGINT NOT NULL,
    last_error TEXT NOT NULL
);
