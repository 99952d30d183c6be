#!/usr/bin/env bash
# PDF throughput (issue 12): tizim against poppler's pdftotext on the same
# 200-page PDF, runs alternating, medians of wall time.
#
#   scripts/bench-pdf.sh [RUNS]        (default 5)
#
# Needs soffice (libreoffice-writer, to make the PDF once with
# fixtures/pdf/make.sh bench), pdftotext (poppler-utils) and a release
# build. The PDF goes to bench-corpus/pdf/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
dir=bench-corpus/pdf
pdf=$dir/bench-200.pdf
[[ -f $pdf ]] || sh fixtures/pdf/make.sh bench "$dir"
cargo build --release --quiet
bin=target/release/tizim
size=$(stat -c %s "$pdf")
pages=$(pdfinfo "$pdf" | awk '/^Pages:/ {print $2}')
now() { date +%s.%N; }
t_tizim=() t_poppler=()
"$bin" scan --quiet --format ndjson "$pdf" >/dev/null || true # warm-up
pdftotext "$pdf" /dev/null
for ((i = 0; i < runs; i++)); do
  s=$(now); "$bin" scan --quiet --format ndjson "$pdf" >/dev/null || true; e=$(now)
  t_tizim+=("$(echo "$e - $s" | bc)")
  s=$(now); pdftotext "$pdf" /dev/null; e=$(now)
  t_poppler+=("$(echo "$e - $s" | bc)")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mt=$(median "${t_tizim[@]}")
mp=$(median "${t_poppler[@]}")
findings=$("$bin" scan --quiet --format ndjson "$pdf" | wc -l || true)
echo "pdf: $pdf, $pages pages, $size bytes; $findings findings"
echo "tizim scan:  median $mt s, $(echo "scale=2; $size / $mt / 1048576" | bc) MiB/s (runs: ${t_tizim[*]})"
echo "pdftotext:   median $mp s, $(echo "scale=2; $size / $mp / 1048576" | bc) MiB/s (runs: ${t_poppler[*]})"
echo "ratio tizim/pdftotext wall time: $(echo "scale=2; $mt / $mp" | bc)"
