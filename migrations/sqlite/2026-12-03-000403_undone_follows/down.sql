DROP TABLE undone_follows;
