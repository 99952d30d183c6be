#!/usr/bin/env bash
# Cost and false positives of the decoding layers (issue 19), against a
# baseline binary built from main, in the same run.
#
#   scripts/bench-decode.sh cpu BASELINE [RUNS] [DIR...]
#       CPU seconds (user, and user+sys; GNU time) of `tizim scan -q -j1
#       --format ndjson DIR...` for the baseline, this build, and this build
#       with --max-decode-depth 0; RUNS (default 7) alternating runs after a
#       warm-up each, medians, and the ratios to the baseline.
#       DIR defaults to ~/.cargo/registry/src (real source trees).
#   scripts/bench-decode.sh fp BASELINE [DIR...]
#       Findings this build makes that the baseline does not (by path,
#       line, category and fingerprint): each is a new finding to judge.
#       DIR defaults to ~/.cargo/registry/src and /usr/share.
#
# BASELINE is a tizim binary built from main, e.g.:
#   git worktree add --detach ../tizim-base main
#   (cd ../tizim-base && cargo build --release) && cp ../tizim-base/target/release/tizim /tmp/tizim-main
set -euo pipefail

MODE=${1:?cpu or fp}
BASE=${2:?baseline binary}
shift 2
ROOT=$(cd "$(dirname "$0")/.." && pwd)
NEW=${TIZIM:-${CARGO_TARGET_DIR:-$ROOT/target}/release/tizim}
[ -x "$NEW" ] || { echo "build first: cargo build --release ($NEW)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "missing GNU time: apt-get install -y time" >&2; exit 2; }
# The same key for both, so fingerprints compare.
export TIZIM_FINGERPRINT_KEY=bench-decode-key-0123456789abcdef0123456789

case "$MODE" in
cpu)
    RUNS=${1:-7}
    shift || true
    DIRS=("$@")
    [ ${#DIRS[@]} -gt 0 ] || DIRS=("$HOME/.cargo/registry/src")
    RESULTS=$(mktemp)
    cpu() { # NAME BIN ARGS...
        local name=$1 bin=$2 stats
        shift 2
        stats=$(mktemp)
        /usr/bin/time -f '%U %S' -o "$stats" "$bin" scan -q -j1 --format ndjson "$@" "${DIRS[@]}" >/dev/null 2>&1 || true
        awk -v n="$name" 'END {print n, $1 + $2, $1}' "$stats" >>"$RESULTS"
        rm -f "$stats"
    }
    cpu warm "$BASE"; cpu warm "$NEW"; : >"$RESULTS"
    for _ in $(seq "$RUNS"); do
        cpu main "$BASE"
        cpu decode "$NEW"
        cpu depth0 "$NEW" --max-decode-depth 0
    done
    # median NAME COLUMN (2: user+sys, 3: user)
    median() { awk -v n="$1" -v c="$2" '$1==n {print $c}' "$RESULTS" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
    for col in 3 2; do
        m=$(median main $col); d=$(median decode $col); z=$(median depth0 $col)
        [ $col = 3 ] && what=user || what=user+sys
        echo "CPU seconds ($what), median of $RUNS alternating runs, ${DIRS[*]}"
        echo "  main ($BASE): $m"
        echo "  this build, default depth: $d  ratio $(echo "scale=3; $d / $m" | bc)"
        echo "  this build, --max-decode-depth 0: $z  ratio $(echo "scale=3; $z / $m" | bc)"
    done
    echo "  all runs (name, user+sys, user), in order:"; awk '{printf "    %s %s %s\n", $1, $2, $3}' "$RESULTS"
    rm -f "$RESULTS"
    ;;
fp)
    DIRS=("$@")
    [ ${#DIRS[@]} -gt 0 ] || DIRS=("$HOME/.cargo/registry/src" /usr/share)
    keys() { # BIN: path line category fingerprint evidence, one a line
        # Exit 1 means findings were made: not a failure here.
        { "$1" scan -q --format ndjson "${DIRS[@]}" 2>/dev/null || [ $? -le 1 ]; } |
            python3 -c 'import sys, json
for l in sys.stdin:
    f = json.loads(l)
    print(f["path"], f["line"], f["category"], f["fingerprint"], f["evidence"], f["masked"], sep="\t")' | sort
    }
    old=$(mktemp); new=$(mktemp)
    keys "$BASE" | cut -f1-4 | sort -u >"$old"
    keys "$NEW" >"$new"
    echo "findings: main $(wc -l <"$old"), this build $(wc -l <"$new")"
    echo "new in this build (path, line, category, fingerprint, evidence, mask):"
    awk -F'\t' 'NR==FNR {seen[$1 FS $2 FS $3 FS $4]=1; next} !(($1 FS $2 FS $3 FS $4) in seen)' "$old" "$new"
    rm -f "$old" "$new"
    ;;
*)
    echo "mode: cpu or fp" >&2
    exit 2
    ;;
esac
