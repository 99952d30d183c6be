#!/usr/bin/env bash
# Issue 20: the cost of the missing-blob pre-pass on `tizim scan --git`.
#
#   scripts/bench-partial-clone.sh [TIZIM_BINARY] [REPOSITORY]   (defaults: target/debug/tizim, .)
#
# Three clones of REPOSITORY's history, scanned in turn, three rounds:
# `full` (an ordinary clone: no pre-pass), `promisor` (the same objects,
# marked as a partial clone: the pre-pass runs and finds nothing missing)
# and `partial` (`--filter=blob:none`: old blobs missing, listed, not fetched).
set -euo pipefail
bin=$(realpath "${1:-target/debug/tizim}")
repo=$(realpath "${2:-.}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git clone -q --bare "$repo" "$work/origin.git"
git -C "$work/origin.git" config uploadpack.allowFilter true
git clone -q "$work/origin.git" "$work/full"
cp -a "$work/full" "$work/promisor"
git -C "$work/promisor" config core.repositoryformatversion 1
git -C "$work/promisor" config extensions.partialClone origin
git -C "$work/promisor" config remote.origin.promisor true
git clone -q --filter=blob:none "file://$work/origin.git" "$work/partial"
echo "commits: $(git -C "$work/full" rev-list --count --all)"
echo "missing in the partial clone: $(git -C "$work/partial" rev-list --objects --all --missing=print | grep -c '^?')"
TIMEFORMAT=%R
for round in 1 2 3; do
  for kind in full promisor partial; do
    s=$( { time "$bin" scan --git --format ndjson --fail-on none --quiet "$work/$kind" >"$work/out.$kind"; } 2>&1 )
    echo "round $round $kind ${s}s findings $(wc -l <"$work/out.$kind")"
  done
done
"$bin" scan --git --format json --fail-on none --quiet "$work/partial" | python3 -c 'import json,sys; d=json.load(sys.stdin); print("partial: notices missing", sum(1 for n in d["notices"] if n.get("reason")=="missing"), "stats.skipped", d["stats"]["skipped"])'
