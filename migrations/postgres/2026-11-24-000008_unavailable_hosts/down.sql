DROP TABLE unavailable_hosts;
