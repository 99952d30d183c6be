#!/usr/bin/env bash
# Rows a second of a live-database scan, against a reference in the same run.
#
#   scripts/bench-db.sh [pg|mariadb|all] [RUNS]
#   TIZIM_BENCH_SSLMODE=disable scripts/bench-db.sh pg   (default: prefer, i.e. TLS)
#
# Generates a 1,000,000-row x 10-column table (TIZIM_BENCH_ROWS to change) in a database
# of its own on the local server (PostgreSQL 127.0.0.1:5432 user postgres;
# MariaDB 127.0.0.1:3306 root), then times, alternating, after a warm-up:
#   full       tizim scan --sample-rows 0 URL        (every row)
#   sampled    tizim scan URL                        (default: 10,000 rows)
#   reference  the server's own dump of the table piped to ripgrep with the
#              union of regexes scripts/bench.sh uses (psql \copy ... to
#              stdout | rg -c; mariadb --batch --quick -e 'SELECT * ...' | rg -c)
# Medians of RUNS (default 3) runs, wall time and peak RSS (GNU time); rows
# a second = rows read / wall time. The database is dropped at the end.
set -euo pipefail

MODE=${1:-pg}
RUNS=${2:-3}
ROWS=${TIZIM_BENCH_ROWS:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
TIZIM=${TIZIM:-$CARGO_TARGET_DIR/release/tizim}
DB=tizim_bench_$$

for tool in rg /usr/bin/time psql; do
    command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
[ -n "${TIZIM_BENCH_NO_BUILD:-}" ] || cargo build --release --quiet --bin tizim

RG_PATTERNS=(
    -e '\b[0-9]{12}\b'
    -e '(?:\+7|\b8)[ (-]*7[0-9]{2}[ )-]*[0-9]{3}[ -]*[0-9]{2}[ -]*[0-9]{2}\b'
    -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'
    -e '\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}\b'
    -e '\bKZ[0-9]{2}[0-9A-Z]{16}\b'
)
RG_ARGS=$(printf "'%s' " "${RG_PATTERNS[@]}")

measure() { # NAME CMD: appends "NAME wall rss_kib" to $RESULTS
    local name=$1 stats
    stats=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$stats" bash -c "$2" >/dev/null 2>&1 || true
    echo "$name $(tail -n 1 "$stats")" >>"$RESULTS"
    rm -f "$stats"
}
median() { # NAME FIELD
    awk -v n="$1" -v f="$2" '$1==n {print $f}' "$RESULTS" | sort -g |
        awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

# The table: ten columns, a mix of personal data (e-mail, phone, a 12-digit
# number where an IIN would be, a card-like number) and ordinary columns.
PG_TABLE="CREATE TABLE clients AS
SELECT i AS id,
       'Client ' || i AS full_name,
       'user' || i || '@mail.kz' AS email,
       '+7 701 ' || lpad((i % 10000000)::text, 7, '0') AS phone,
       lpad(((i::bigint * 7919) % 1000000000000)::text, 12, '0') AS iin,
       (ARRAY['Almaty','Astana','Shymkent','Karaganda'])[1 + i % 4] AS city,
       md5(i::text) AS note,
       (i % 100000) / 100.0 AS amount,
       now() - (i % 3650) * interval '1 day' AS created_at,
       CASE WHEN i % 3 = 0 THEN 'active' ELSE 'closed' END AS status
FROM generate_series(1, $ROWS) AS s(i);
ANALYZE clients;"

run_case() { # LABEL URL REFERENCE_CMD
    local label=$1 url=$2 reference=$3
    RESULTS=$(mktemp)
    # NDJSON streams findings out as they are found, as a big scan would be
    # run; `--format json` keeps every finding for one document (over 600
    # MiB for this table's 3M findings).
    local full="'$TIZIM' scan --format ndjson --fail-on none --sample-rows 0 '$url'"
    local sampled="'$TIZIM' scan --format ndjson --fail-on none '$url'"
    # Warm-up (server cache), and the rows each reads (from the summary on
    # stderr: "N database tables, R rows read of ~E").
    local full_rows sampled_rows
    rows_of() { eval "$1" 2>&1 >/dev/null | sed -n 's/.* \([0-9]*\) rows read of.*/\1/p'; }
    full_rows=$(rows_of "$full")
    sampled_rows=$(rows_of "$sampled")
    bash -c "$reference" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        measure full "$full"
        measure reference "$reference"
        measure sampled "$sampled"
    done
    local fw rw sw
    fw=$(median full 2); rw=$(median reference 2); sw=$(median sampled 2)
    echo "== $label: $ROWS rows x 10 columns, medians of $RUNS runs"
    printf '%-34s %8s s  %10s rows/s  peak RSS %6s MiB\n' \
        "tizim full (--sample-rows 0)" "$fw" "$(echo "$full_rows / $fw" | bc)" "$(($(median full 3) / 1024))"
    printf '%-34s %8s s  %10s rows/s  peak RSS %6s MiB\n' \
        "reference (dump | rg union)" "$rw" "$(echo "$ROWS / $rw" | bc)" "$(($(median reference 3) / 1024))"
    printf '%-34s %8s s  %10s rows/s  peak RSS %6s MiB  (%s rows read)\n' \
        "tizim sampled (default 10,000)" "$sw" "$(echo "$sampled_rows / $sw" | bc)" "$(($(median sampled 3) / 1024))" "$sampled_rows"
    echo "full / reference wall time: $(echo "scale=2; $fw / $rw" | bc)x"
    echo "sampled / full wall time:   $(echo "scale=3; $sw / $fw" | bc)x"
    rm -f "$RESULTS"
}

if [ "$MODE" = pg ] || [ "$MODE" = all ]; then
    psql_admin() { psql -q -h 127.0.0.1 -U postgres "$@" >/dev/null; }
    psql_admin -d postgres -c "CREATE DATABASE $DB"
    trap 'psql_admin -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"' EXIT
    psql_admin -d "$DB" -c "$PG_TABLE"
    # Both sides connect as libpq's default (sslmode=prefer): over TLS when
    # the server offers it. TIZIM_BENCH_SSLMODE=disable compares plain text.
    sslmode=${TIZIM_BENCH_SSLMODE:-prefer}
    run_case "PostgreSQL $(psql -h 127.0.0.1 -U postgres -Atc 'show server_version' postgres), sslmode=$sslmode" \
        "postgres://postgres@127.0.0.1:5432/$DB?sslmode=$sslmode" \
        "PGSSLMODE=$sslmode psql -h 127.0.0.1 -U postgres -d $DB -c '\\copy (SELECT * FROM clients) TO STDOUT' | rg -c $RG_ARGS"
    psql_admin -d postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)"
    trap - EXIT
fi

if [ "$MODE" = mariadb ] || [ "$MODE" = all ]; then
    my() { mysql -h 127.0.0.1 -P 3306 -u root "$@"; }
    my -e "CREATE DATABASE $DB"
    trap 'my -e "DROP DATABASE IF EXISTS $DB"' EXIT
    # The same rows, generated with a recursive CTE.
    # MariaDB bounds recursion with max_recursive_iterations (MySQL 8: cte_max_recursion_depth).
    my "$DB" -e "SET SESSION max_recursive_iterations = $((ROWS + 1));
CREATE TABLE clients (id BIGINT PRIMARY KEY, full_name VARCHAR(64), email VARCHAR(64),
  phone VARCHAR(32), iin CHAR(12), city VARCHAR(16), note CHAR(32), amount DECIMAL(10,2),
  created_at DATETIME, status VARCHAR(8));
INSERT INTO clients
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $ROWS)
SELECT i, CONCAT('Client ', i), CONCAT('user', i, '@mail.kz'),
       CONCAT('+7 701 ', LPAD(i % 10000000, 7, '0')), LPAD((i * 7919) % 1000000000000, 12, '0'),
       ELT(1 + i % 4, 'Almaty', 'Astana', 'Shymkent', 'Karaganda'), MD5(i), (i % 100000) / 100,
       NOW() - INTERVAL (i % 3650) DAY, IF(i % 3 = 0, 'active', 'closed')
FROM s;
ANALYZE TABLE clients;" >/dev/null
    run_case "MariaDB $(my -N -e 'SELECT VERSION()')" \
        "mysql://root@127.0.0.1:3306/$DB" \
        "mysql -h 127.0.0.1 -u root --batch --quick -N -e 'SELECT * FROM clients' $DB | rg -c $RG_ARGS"
    my -e "DROP DATABASE IF EXISTS $DB"
    trap - EXIT
fi
