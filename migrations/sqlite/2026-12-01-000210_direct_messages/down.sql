DROP TABLE direct_messages;
