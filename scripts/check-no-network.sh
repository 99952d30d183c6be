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
# 2. Dynamic (when strace is installed): a scan of the embedded demo tree,
#    traced, opens no IPv4/IPv6 socket at all.
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

DB_DRIVERS=(postgres mysql redis)
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

if command -v strace >/dev/null; then
  bin=${TIZIM_BIN:-}
  if [[ -z "$bin" ]]; then
    cargo build --quiet --bin tizim
    bin="${CARGO_TARGET_DIR:-target}/debug/tizim"
  fi
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  mkdir "$work/tree"
  printf 'user ivan.petrov@mail.kz iin 850315300128 phone +7 701 234 56 78\n' >"$work/tree/app.log"
  printf 'ФИО;ИИН;E-mail\nИванов Иван;850315300128;ivan@mail.kz\n' >"$work/tree/clients.csv"
  gzip -c "$work/tree/app.log" >"$work/tree/old.log.gz"
  # Every output format, so report code is traced too; -j 2 for the walker threads.
  for format in table ndjson json csv markdown html sarif junit; do
    strace -f -qq -e trace=socket,connect,sendto,sendmsg -o "$work/trace.$format" \
      "$bin" scan -j 2 --format "$format" "$work/tree" >"$work/out.$format" 2>"$work/err.$format" || true
    if [[ ! -s "$work/out.$format" ]]; then
      echo "check-no-network: traced scan (--format $format) printed nothing; stderr:" >&2
      cat "$work/err.$format" >&2
      exit 1
    fi
    if grep -E 'AF_INET6?|AF_PACKET|AF_NETLINK' "$work/trace.$format"; then
      echo "check-no-network: tizim opened a network socket (above) with --format $format" >&2
      exit 1
    fi
  done
  echo "check-no-network: traced scans in every format opened no network socket"
else
  echo "check-no-network: strace not installed; dynamic check skipped" >&2
fi
