#!/usr/bin/env bash
# BENCHMARKS.md, "Live databases": tizim on a generated 1M-row x 10-column PostgreSQL table, full
# read and sampled, and piicatcher's deep scan of the same database in the same run. Needs the local
# PostgreSQL (127.0.0.1:5432, trust, user postgres), a release build of tizim, and optionally
# piicatcher in $PIICATCHER_VENV (python3 -m venv DIR && DIR/bin/pip install piicatcher).
# Prints wall time and peak RSS (GNU time) of each run.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${TIZIM_BIN:-target/release/tizim}
db=tizim_bench_$$
psql=(psql -q -h 127.0.0.1 -U postgres)
"${psql[@]}" -d postgres -c "CREATE DATABASE $db"
trap '"${psql[@]}" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null' EXIT
"${psql[@]}" -d "$db" <<'SQL'
CREATE TABLE customers AS
SELECT g AS id,
       'Клиент ' || g AS full_name,
       lpad((850315300000 + g % 1000)::text, 12, '0') AS note,
       'user' || g || '@mail.kz' AS email,
       '+7701' || lpad((g % 10000000)::text, 7, '0') AS phone,
       md5(g::text) AS token,
       now() - (g % 1000) * interval '1 day' AS created_at,
       g % 100 AS score,
       'ул. Абая, ' || (g % 200) AS street,
       'comment ' || g AS comment
FROM generate_series(1, 1000000) g;
ANALYZE customers;
SQL
url="postgres://postgres@127.0.0.1:5432/$db"
run() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s wall, %M KiB peak RSS" "$@" >/dev/null 2>/tmp/bench-db.$$ || true
  grep -E "^$name:|rows read" /tmp/bench-db.$$ | sed 's/^tizim: //'
}
run "tizim full (--sample-rows 0)" "$bin" scan --format json --sample-rows 0 "$url"
run "tizim sampled (--sample-rows 10000)" "$bin" scan --format json --sample-rows 10000 "$url"
if [[ -n "${PIICATCHER_VENV:-}" ]]; then
  run "piicatcher deep scan" "$PIICATCHER_VENV/bin/piicatcher" --catalog-path /tmp/piicatcher-$$.db \
    detect postgresql --source-name bench --username postgres --password '' --uri 127.0.0.1 \
    --port 5432 --database "$db" --scan-type deep --sample-size 0
fi
rm -f /tmp/bench-db.$$
