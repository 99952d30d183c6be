#!/usr/bin/env bash
# Speed and memory of `tizim scan`, measured against ripgrep in the same run.
#
#   scripts/bench.sh [all|compare|sources|threads|bigfile|structured|startup] [RUNS]
#
#   compare     tizim --format ndjson vs `rg -c -z -o` with a union of regexes
#               for the same five kinds (IIN/BIN, phone, e-mail, card, IBAN),
#               alternating runs; wall-time ratio and peak RSS of each; then
#               tizim's output volume, and ripgrep with the regexes against
#               ripgrep only reading and decompressing (a literal never found)
#               CORPUS=DIR compares on another tree (e.g. bench-corpus/mixed/var)
#   sources     tizim on a real source tree (TIZIM_BENCH_SOURCES=DIR, default the Rust
#               sources of the dependencies, ~/.cargo/registry/src) vs ripgrep
#               searching it for a literal that never occurs
#   threads     tizim -j1 vs -j2, alternating; the speed-up
#   bigfile     peak RSS and throughput on one 2 GiB log (BIG_MIB to change)
#   structured  structured vs --no-structure on the same SQL dump and CSV file
#   startup     CPU (user+sys) of a one-file scan, as a pre-commit hook runs it:
#               tizim -q --format ndjson one.txt vs ripgrep with the union
#               regex on the same file, and `true` (process start alone);
#               medians of STARTUP_RUNS (default 11) alternating runs
#
# The corpus (~150 MB: logs, rotated .gz logs, SQL dumps, CSV, a .tar.gz, 2000
# small files) is generated once under bench-corpus/ (git-ignored) by
# examples/bench_corpus.rs. Needs ripgrep and GNU time:
#   apt-get install -y ripgrep time
# Times are medians of RUNS (default 5) alternating runs, after one warm-up
# of each command, with the corpus in the page cache.
set -euo pipefail

MODE=${1:-all}
RUNS=${2:-5}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
# TIZIM=path measures another build (e.g. a baseline) with the same script.
TIZIM=${TIZIM:-$CARGO_TARGET_DIR/release/tizim}
CORPUS=${CORPUS:-bench-corpus/mixed}
BIG=bench-corpus/big
BIG_MIB=${BIG_MIB:-2048}

for tool in rg /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install -y ripgrep time" >&2; exit 2; }
done

cargo build --release --quiet --bin tizim --example bench_corpus
if [ "$MODE" != startup ] && [ ! -d "$CORPUS" ]; then
    echo "generating $CORPUS ..." >&2
    "$CARGO_TARGET_DIR/release/examples/bench_corpus" "$CORPUS"
fi

# The same five kinds of value tizim looks for.
RG_PATTERNS=(
    -e '\b[0-9]{12}\b'                                                     # IIN / BIN
    -e '(?:\+7|\b8)[ (-]*7[0-9]{2}[ )-]*[0-9]{3}[ -]*[0-9]{2}[ -]*[0-9]{2}\b' # phone
    -e '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'                    # e-mail
    -e '\b[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}[ -]?[0-9]{4}\b'               # card
    -e '\bKZ[0-9]{2}[0-9A-Z]{16}\b'                                        # IBAN
)

# measure NAME CMD...: one run; appends "NAME wall_seconds max_rss_kib
# cpu_seconds" to $RESULTS (CPU: user + sys, children included; on a shared
# machine it says more than wall time).
measure() {
    local name=$1; shift
    local stats
    stats=$(mktemp)
    /usr/bin/time -f '%e %M %U %S' -o "$stats" "$@" >/dev/null 2>&1 || true
    # GNU time puts "Command exited with non-zero status" first when it did.
    echo "$name $(tail -n 1 "$stats" | awk '{print $1, $2, $3 + $4}')" >>"$RESULTS"
    rm -f "$stats"
}

median() { # NAME FIELD(2=wall, 3=rss, 4=cpu)
    awk -v n="$1" -v f="$2" '$1==n {print $f}' "$RESULTS" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
}

# alternate NAME_A "CMD_A" NAME_B "CMD_B": warm-up, then RUNS alternating pairs.
alternate() {
    local na=$1 ca=$2 nb=$3 cb=$4
    RESULTS=$(mktemp)
    eval "$ca" >/dev/null 2>&1 || true
    eval "$cb" >/dev/null 2>&1 || true
    for _ in $(seq "$RUNS"); do
        eval "measure $na $ca"
        eval "measure $nb $cb"
    done
    local wa wb ra rb ca cb
    wa=$(median "$na" 2); wb=$(median "$nb" 2)
    ra=$(median "$na" 3); rb=$(median "$nb" 3)
    ca=$(median "$na" 4); cb=$(median "$nb" 4)
    printf '%-22s median wall %7.2f s   CPU %7.2f s   peak RSS %7.1f MiB\n' "$na" "$wa" "$ca" "$(echo "$ra/1024" | bc -l)"
    printf '%-22s median wall %7.2f s   CPU %7.2f s   peak RSS %7.1f MiB\n' "$nb" "$wb" "$cb" "$(echo "$rb/1024" | bc -l)"
    printf '%-22s wall %.3f   CPU %.3f\n' "ratio $na/$nb" "$(echo "$wa/$wb" | bc -l)" "$(echo "$ca/$cb" | bc -l)"
    rm -f "$RESULTS"
}

corpus_info() {
    echo "corpus: $(du -sb "$CORPUS" | cut -f1) bytes on disk, $(find "$CORPUS" -type f | wc -l) files; $(nproc) cores; $(rg --version | sed -n 1p)"
}

compare() {
    echo "== tizim vs ripgrep ($RUNS alternating runs)"
    corpus_info
    alternate tizim "$TIZIM scan --quiet --format ndjson $CORPUS" \
              rg "rg -c -z -o --no-messages ${RG_PATTERNS[*]@Q} $CORPUS"
    # What the ratio is up against: the volume tizim writes, and ripgrep's
    # own cost of merely reading and decompressing the corpus (a literal
    # that never occurs), which no scanner of these bytes can go below.
    echo "tizim output: $("$TIZIM" scan --quiet --format ndjson "$CORPUS" | wc -lc | awk '{printf "%d findings, %.0f MB of NDJSON", $1, $2/1e6}')"
    alternate rg-regexes "rg -c -z -o --no-messages ${RG_PATTERNS[*]@Q} $CORPUS" \
              rg-read-only "rg -c -z --no-messages -F tizim-never-occurs-q7 $CORPUS"
}

sources() {
    local tree=${TIZIM_BENCH_SOURCES:-$HOME/.cargo/registry/src}
    [ -d "$tree" ] || { echo "no source tree at $tree (cargo fetch, or TIZIM_BENCH_SOURCES=DIR)" >&2; exit 2; }
    echo "== real source tree: $tree, $(du -sb "$tree" | cut -f1) bytes, $(find "$tree" -type f | wc -l) files ($RUNS alternating runs)"
    alternate tizim-sources "$TIZIM scan --quiet --format ndjson $tree" \
              rg-read-only "rg -c -z --no-messages -F tizim-never-occurs-q7 $tree"
}

threads() {
    echo "== 1 vs 2 threads ($RUNS alternating runs)"
    alternate tizim-j1 "$TIZIM scan --quiet --format ndjson -j 1 $CORPUS" \
              tizim-j2 "$TIZIM scan --quiet --format ndjson -j 2 $CORPUS"
}

bigfile() {
    if [ ! -f "$BIG/big.log" ]; then
        echo "generating $BIG/big.log ($BIG_MIB MiB) ..." >&2
        "$CARGO_TARGET_DIR/release/examples/bench_corpus" "$BIG" --big-file "$BIG_MIB"
    fi
    echo "== one $(du -h "$BIG/big.log" | cut -f1) log"
    RESULTS=$(mktemp)
    measure tizim-big "$TIZIM" scan --quiet --format ndjson "$BIG/big.log"
    read -r _ wall rss _ <"$RESULTS"
    printf 'tizim-big              wall %7.2f s   peak RSS %7.1f MiB   %.0f MiB/s\n' \
        "$wall" "$(echo "$rss/1024" | bc -l)" "$(echo "$(stat -c %s "$BIG/big.log")/1048576/$wall" | bc -l)"
    rm -f "$RESULTS"
}

structured() {
    local sql csv
    sql=$(find "$CORPUS/backups" -name '*.sql' | sort | head -1)
    csv=$(find "$CORPUS/home/exports" -name '*.csv' | sort | head -1)
    echo "== structured vs --no-structure ($RUNS alternating runs)"
    alternate sql-structured "$TIZIM scan --quiet --format ndjson $sql" \
              sql-plain "$TIZIM scan --quiet --format ndjson --no-structure $sql"
    alternate csv-structured "$TIZIM scan --quiet --format ndjson $csv" \
              csv-plain "$TIZIM scan --quiet --format ndjson --no-structure $csv"
}

startup() {
    local one
    one=$(mktemp --suffix=.txt)
    # A small source file with one of each common finding.
    printf '%s\n' 'fn main() {' \
        '    // contact: +7 701 234 56 78, a.user@example.kz, IIN 900101300014' \
        '    println!("hello");' '}' >"$one"
    echo "== one-file start-up, CPU per run (median of ${STARTUP_RUNS:-11} alternating runs)"
    # Child CPU from wait4's rusage (microseconds); GNU time rounds to 10 ms.
    python3 - "$one" "${STARTUP_RUNS:-11}" "$TIZIM" "${RG_PATTERNS[@]}" <<'PY'
import os, statistics, subprocess, sys
one, runs, tizim, rg_patterns = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
cmds = {
    "tizim": [tizim, "scan", "-q", "--format", "ndjson", one],
    "rg": ["rg", "-c", "-o", *rg_patterns, one],
    "true": ["true"],
}
def cpu_ms(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, ru = os.wait4(p.pid, 0)
    return (ru.ru_utime + ru.ru_stime) * 1000
times = {name: [] for name in cmds}
for name, cmd in cmds.items():  # warm-up
    cpu_ms(cmd)
for _ in range(runs):
    for name, cmd in cmds.items():
        times[name].append(cpu_ms(cmd))
med = {name: statistics.median(t) for name, t in times.items()}
for name in cmds:
    print(f"{name:<22} median CPU {med[name]:7.2f} ms   (min {min(times[name]):.2f}, max {max(times[name]):.2f})")
print(f"{'ratio tizim/rg':<22} {med['tizim'] / med['rg']:.3f}")
print(f"{'target':<22} tizim <= 15 ms: {'met' if med['tizim'] <= 15 else 'NOT met'}")
PY
    rm -f "$one"
}

echo "tizim $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%dT%H:%MZ)"
case "$MODE" in
    compare) compare ;;
    sources) sources ;;
    threads) threads ;;
    bigfile) bigfile ;;
    structured) structured ;;
    startup) startup ;;
    all) startup; compare; sources; threads; structured; bigfile ;;
    *) echo "unknown mode $MODE" >&2; exit 2 ;;
esac
