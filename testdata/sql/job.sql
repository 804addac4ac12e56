-- counts per key
CREATE TABLE src (k INT, v BIGINT) WITH ('connector' = 'datagen', 'rows-per-second' = '100', 'fields.k.min' = '0', 'fields.k.max' = '9');
CREATE TABLE snk (k INT, c BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO snk SELECT k, COUNT(*) FROM src GROUP BY k;
