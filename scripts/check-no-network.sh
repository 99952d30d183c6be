#!/usr/bin/env bash
# tizim reads files and writes reports; it must never talk to the network.
# Two checks, run by .ci/run:
#
# 1. Static: no crate that opens sockets, speaks HTTP or does TLS is in the
#    *normal* dependency tree (what ships in the binary; dev- and build-only
#    crates are not linked in). The denylist is the crates through which Rust
#    programs reach the network: HTTP clients and servers, TLS stacks, async
#    runtimes' network layers, socket helpers, DNS resolvers, mail, SSH and
#    the network halves of git libraries. `std::net` exists in every binary,
#    so it is covered by the dynamic check instead.
#    The database drivers (live databases, README "Databases") are the one
#    way in: they connect to the URLs given on the command line and nowhere
#    else, so the tree is checked with them pruned, and a network crate that
#    comes by any other path fails the check.
# 2. Dynamic (strace; required when CI is set): scans traced with their
#    children open no IPv4/IPv6 socket at all: a tree in every output format,
#    and --git, --since and --staged on a partial clone whose remote is an
#    http URL (a lazy fetch would connect). A scan of a database on this
#    machine would use `trace NAME --loopback-port PORT -- ...`.
set -euo pipefail
cd "$(dirname "$0")/.."

DENY=(
  # HTTP clients and servers
  reqwest hyper hyper-util hyper-tls hyper-rustls h2 h3 ureq isahc surf
  attohttpc curl curl-sys http-req minreq ehttp awc actix-web axum warp
  tiny_http tungstenite tokio-tungstenite tonic
  # TLS
  rustls rustls-webpki webpki webpki-roots tokio-rustls native-tls
  tokio-native-tls openssl openssl-sys schannel security-framework
  # async runtimes' network layers and socket helpers
  tokio mio socket2 async-std smol async-net async-io quinn quinn-proto
  # DNS, mail, SSH, remote git
  trust-dns-resolver hickory-resolver hickory-proto lettre ssh2
  libssh2-sys gix-transport git2 reqwest-middleware
)

# tokio-postgres-rustls and rustls: the TLS of that PostgreSQL connection
# (sslmode, src/source/db/tls.rs, the only code that names rustls).
DB_DRIVERS=(postgres tokio-postgres-rustls rustls rustls-native-certs mysql redis)
prune=()
for driver in "${DB_DRIVERS[@]}"; do
  if cargo tree -e normal --target all -i "$driver" >/dev/null 2>&1; then
    prune+=(--prune "$driver")
  fi
done
tree=$(cargo tree -e normal --target all --prefix none --format '{p}' "${prune[@]}")
names=$(printf '%s\n' "$tree" | awk '{print $1}' | sort -u)

found=()
for crate in "${DENY[@]}"; do
  if printf '%s\n' "$names" | grep -qx -- "$crate"; then
    found+=("$crate")
  fi
done
if ((${#found[@]})); then
  echo "check-no-network: network crates in the normal dependency tree: ${found[*]}" >&2
  for crate in "${found[@]}"; do
    echo "--- why $crate:" >&2
    cargo tree -e normal --target all -i "$crate" >&2 || true
  done
  exit 1
fi
echo "check-no-network: $(printf '%s\n' "$names" | wc -l) normal dependencies, none of ${#DENY[@]} network crates"

# trace NAME [--loopback-port PORT] -- COMMAND...
# Runs COMMAND (in the current directory) under strace, following every child
# (the git tizim spawns too), with stdout to $work/out.NAME. Fails when it
# printed nothing, or opened an IPv4/IPv6/packet/netlink socket. With
# --loopback-port PORT (for a scan of a database URL on this machine) inet
# sockets are allowed, and every connect() must go to 127.0.0.1 or ::1 on
# PORT: no other address, no other port (DNS is port 53), no netlink.
trace() {
  local name=$1 port=
  shift
  if [[ $1 == --loopback-port ]]; then
    port=$2
    shift 2
  fi
  [[ $1 == -- ]] && shift
  local log="$work/trace.$name"
  strace -f -qq -e trace=socket,connect,sendto,sendmsg -o "$log" \
    "$@" >"$work/out.$name" 2>"$work/err.$name" || true
  if [[ ! -s "$work/out.$name" ]]; then
    echo "check-no-network: traced run '$name' printed nothing; stderr:" >&2
    cat "$work/err.$name" >&2
    exit 1
  fi
  local bad
  if [[ -z "$port" ]]; then
    bad=$(grep -E 'AF_INET6?|AF_PACKET|AF_NETLINK' "$log" || true)
  else
    # socket() calls only create; what matters is where they connect or send.
    bad=$(grep -E 'AF_INET6?|AF_PACKET|AF_NETLINK' "$log" |
      grep -vE '^[0-9]+ +socket\(AF_INET6?,' |
      grep -vE "sin6?_port=htons\($port\), (sin_addr=inet_addr\(\"127\.0\.0\.1\"\)|sin6_flowinfo=[^,]*, inet_pton\(AF_INET6, \"::1\")" ||
      true)
  fi
  if [[ -n "$bad" ]]; then
    printf '%s\n' "$bad" >&2
    echo "check-no-network: '$name' opened a network socket (above)${port:+ other than loopback port $port}" >&2
    exit 1
  fi
}

if ! command -v strace >/dev/null; then
  if [[ -n "${CI:-}" && "${CI}" != false && "${CI}" != 0 ]]; then
    echo "check-no-network: strace not installed, and CI may not skip the dynamic check" >&2
    exit 1
  fi
  echo "check-no-network: strace not installed; dynamic check skipped" >&2
  exit 0
fi

bin=${TIZIM_BIN:-}
if [[ -z "$bin" ]]; then
  cargo build --quiet --bin tizim
  bin="${CARGO_TARGET_DIR:-target}/debug/tizim"
fi
bin=$(realpath "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tree"
printf 'user ivan.petrov@mail.kz iin 850315300128 phone +7 701 234 56 78\n' >"$work/tree/app.log"
printf 'ФИО;ИИН;E-mail\nИванов Иван;850315300128;ivan@mail.kz\n' >"$work/tree/clients.csv"
gzip -c "$work/tree/app.log" >"$work/tree/old.log.gz"
# Every output format, so report code is traced too; -j 2 for the walker threads.
for format in table ndjson json csv markdown html sarif junit; do
  trace "$format" -- "$bin" scan -j 2 --format "$format" "$work/tree"
done
echo "check-no-network: traced scans in every format opened no network socket"

# The git modes, on a partial clone whose promisor remote is an http URL:
# fetching a missing blob would open a socket, which the trace would show.
git_quiet() { git -c user.name=t -c user.email=t@t -c init.defaultBranch=main "$@" >/dev/null; }
origin="$work/origin"
git_quiet init -q "$origin"
cp "$work/tree/app.log" "$work/tree/clients.csv" "$origin/"
git_quiet -C "$origin" add -A
git_quiet -C "$origin" commit -q -m one
printf 'mail anna.k@mail.kz\n' >>"$origin/app.log"
git_quiet -C "$origin" commit -q -am two
git_quiet clone -q --bare "$origin" "$work/origin.git"
git_quiet -C "$work/origin.git" config uploadpack.allowFilter true
git_quiet clone -q --filter=blob:none "file://$work/origin.git" "$work/clone"
git -C "$work/clone" remote set-url origin http://127.0.0.1:9/origin.git
printf 'staged aidos.b@mail.kz\n' >"$work/clone/staged.txt"
git_quiet -C "$work/clone" add staged.txt
missing=$(git -C "$work/clone" rev-list --objects --all --missing=print | grep -c '^?' || true)
if ((missing == 0)); then
  echo "check-no-network: the partial clone lacks no blob; the git check would prove nothing" >&2
  exit 1
fi
cd "$work/clone"
trace git -- "$bin" scan --format json --fail-on none --git .
trace since -- "$bin" scan --format json --fail-on none --since HEAD~1 .
trace staged -- "$bin" scan --format json --fail-on none --staged .
cd - >/dev/null
echo "check-no-network: --git, --since and --staged on a partial clone ($missing blobs missing, remote http) opened no network socket"

# Database URLs: a scan of a database on this machine may connect to it, on
# its port, and to nothing else.
db="tizim_nonet_$$"
psql_admin() { psql -q -h 127.0.0.1 -U postgres -d postgres "$@" >/dev/null; }
if ! psql_admin -c "CREATE DATABASE $db"; then
  if [[ -n ${CI:-} ]]; then
    echo "check-no-network: PostgreSQL on 127.0.0.1:5432 is needed with CI set" >&2
    exit 1
  fi
  echo "check-no-network: skipped the database case: no PostgreSQL on 127.0.0.1:5432" >&2
  exit 0
fi
trap 'psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
psql -q -h 127.0.0.1 -U postgres -d "$db" \
  -c "CREATE TABLE clients (id int, email text); INSERT INTO clients VALUES (1, 'anna.k@mail.kz');" >/dev/null
trace pg --loopback-port 5432 -- "$bin" scan --format json --fail-on none \
  "postgres://postgres@127.0.0.1:5432/$db"
# The same over TLS where the server offers it (sslmode: the system trust
# store is read from disk, never fetched).
ssl=$(psql -qAt -h 127.0.0.1 -U postgres -d postgres -c "SHOW ssl")
if [[ $ssl == on ]]; then
  trace pg-tls --loopback-port 5432 -- "$bin" scan --format json --fail-on none \
    "postgres://postgres@127.0.0.1:5432/$db?sslmode=require"
fi
echo "check-no-network: database scans connected to 127.0.0.1:5432 and nowhere else (TLS: $ssl)"

# Redis: the same, on its port. The key is the script's own and deleted after.
key="tizim_nonet_$$:user:1"
if ! redis-cli -h 127.0.0.1 -p 6379 SET "$key" anna.k@mail.kz >/dev/null 2>&1; then
  if [[ -n ${CI:-} ]]; then
    echo "check-no-network: Redis on 127.0.0.1:6379 (and redis-cli) is needed with CI set" >&2
    exit 1
  fi
  echo "check-no-network: skipped the Redis case: no Redis on 127.0.0.1:6379" >&2
  exit 0
fi
trap 'redis-cli -h 127.0.0.1 -p 6379 DEL "$key" >/dev/null; psql_admin -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
trace redis --loopback-port 6379 -- "$bin" scan --format json --fail-on none \
  --db-include 'tizim_nonet_*' redis://127.0.0.1:6379/0
if ! grep -q 'tizim_nonet_\*:user:\*' "$work/out.redis"; then
  echo "check-no-network: the traced Redis scan read nothing:" >&2
  cat "$work/out.redis" "$work/err.redis" >&2
  exit 1
fi
echo "check-no-network: a Redis scan connected to 127.0.0.1:6379 and nowhere else"
