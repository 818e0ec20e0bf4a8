DROP TABLE "groups";
DROP TABLE instance_keys;
