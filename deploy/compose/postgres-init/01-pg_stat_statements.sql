-- /slowquery reads pg_stat_statements (运维手册 "查询慢查询"); the server preloads it (see docker-compose.yml).
CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
