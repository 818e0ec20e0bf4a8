DROP TABLE deliveries;
DROP TABLE outgoing_activities;
DROP TABLE inbox_activities;
DROP TABLE blocks;
DROP TABLE allows;
DROP TABLE memberships;
DROP TABLE remote_actors;
