DROP TABLE late_notices;
DROP TABLE reply_notices;
