#!/usr/bin/env bash
# Scan a fleet of hosts with tizim and merge the results into one report.
#
#   examples/fleet/fleet.sh HOSTS_FILE OUT_DIR [-- MERGE_ARGS...]
#
# HOSTS_FILE has one host a line: the host, then the paths to scan on it
# (blank lines and # comments are skipped):
#
#   db1.example.kz   /var/lib/exports /var/log/app
#   web3.example.kz  /srv/www
#
# Each host runs `tizim scan --location-prefix HOST: --format partial` over
# ssh (tizim must be installed there: set TIZIM_REMOTE to its path), and its
# part is written to OUT_DIR/parts/HOST.ndjson. Then, here:
#
#   tizim merge OUT_DIR/parts MERGE_ARGS...
#
# e.g. `-- --policy tizim.toml --format html -o fleet.html`. Hosts run
# FLEET_PARALLEL (default 8) at a time. A host that fails is listed and
# left out; the exit code is then 2 (whatever the merge says).
#
# Fingerprints from different hosts are counted together only if every host
# used the same key: give it with TIZIM_SCAN_ARGS="--fingerprint-key-file
# /etc/tizim/key" (a file that exists on each host). Otherwise the merge
# refuses the parts.
#
# SSH (default: ssh -o BatchMode=yes) is the command that runs a command on a
# host: `$SSH HOST COMMAND...`. The test (tests/scale_out.rs) sets it to a
# script that runs the command locally, to simulate hosts as directories.
set -euo pipefail

if (($# < 2)); then
  sed -n '2,30p' "$0" >&2
  exit 2
fi
hosts_file=$1
out=$2
shift 2
if (($#)) && [[ $1 == -- ]]; then shift; fi

SSH=${SSH:-ssh -o BatchMode=yes}
TIZIM_REMOTE=${TIZIM_REMOTE:-tizim}
TIZIM_LOCAL=${TIZIM_LOCAL:-tizim}
FLEET_PARALLEL=${FLEET_PARALLEL:-8}
read -r -a scan_args <<<"${TIZIM_SCAN_ARGS:-}"

mkdir -p "$out/parts" "$out/logs"
failed=()
pids=()
hosts=()

scan_host() {
  local host=$1
  shift
  # shellcheck disable=SC2086 # $SSH is a command line by design
  $SSH "$host" "$TIZIM_REMOTE" scan --quiet --fail-on none --format partial \
    --location-prefix "$host:" "${scan_args[@]}" "$@" \
    >"$out/parts/$host.ndjson.tmp" 2>"$out/logs/$host.log"
  mv "$out/parts/$host.ndjson.tmp" "$out/parts/$host.ndjson"
}

wait_one() {
  local i=$1
  if ! wait "${pids[$i]}"; then
    failed+=("${hosts[$i]}")
    rm -f "$out/parts/${hosts[$i]}.ndjson.tmp"
  fi
}

running=0
while read -r host paths; do
  [[ -z $host || $host == \#* ]] && continue
  read -r -a path_list <<<"$paths"
  scan_host "$host" "${path_list[@]}" &
  pids+=($!)
  hosts+=("$host")
  running=$((running + 1))
  if ((running >= FLEET_PARALLEL)); then
    wait_one $((${#pids[@]} - running))
    running=$((running - 1))
  fi
done <"$hosts_file"
for ((i = ${#pids[@]} - running; i < ${#pids[@]}; i++)); do
  wait_one "$i"
done

status=0
"$TIZIM_LOCAL" merge "$out/parts" "$@" || status=$?
if ((${#failed[@]})); then
  printf 'fleet: %d host(s) failed, left out of the report (see %s/logs): %s\n' \
    "${#failed[@]}" "$out" "${failed[*]}" >&2
  exit 2
fi
exit "$status"
