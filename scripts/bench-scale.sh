#!/usr/bin/env bash
# Scale-out measurements (issue 16), each a ratio against a reference measured
# in the same run:
#   scripts/bench-scale.sh [TIZIM] [WORKDIR]
# 1. the Spark job in local[2] mode against one tizim process, same corpus;
# 2. merging 1,000 parts against scanning the same files in one process
#    (time and peak RSS);
# 3. bytes of partial report per finding, on a dense CSV of about 1M findings.
set -euo pipefail
tizim=$(realpath "${1:-target/release/tizim}")
work=${2:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
cd "$work"

[[ -d corpus ]] || python3 - <<'PY'
import os, random
random.seed(16)
def iin():
    while True:
        body = "%02d%02d%02d%d%04d" % (random.randrange(50, 99), random.randrange(1, 13),
                                      random.randrange(1, 29), random.choice([3, 4]),
                                      random.randrange(10000))
        d = [int(c) for c in body]
        c = sum(a * b for a, b in zip(d, range(1, 12))) % 11
        if c == 10:
            c = sum(a * b for a, b in zip(d, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
        if c < 10:
            return body + str(c)
os.makedirs("corpus", exist_ok=True)
for i in range(5000):
    d = "corpus/d%02d" % (i % 50)
    os.makedirs(d, exist_ok=True)
    with open("%s/f%05d.log" % (d, i), "w") as f:
        for j in range(20):
            f.write("2024-03-01 login user=%s mail=u%d_%d@mail.kz phone=+7 701 %03d %02d %02d\n"
                    % (iin(), i, j, random.randrange(1000), random.randrange(100), random.randrange(100)))
with open("dense.csv", "w") as f:
    f.write("id,iin,email,phone,note\n")
    for i in range(333334):
        f.write("%d,%s,c%d@mail.kz,+7 701 %03d %02d %02d,ok\n"
                % (i, iin(), i, random.randrange(1000), random.randrange(100), random.randrange(100)))
PY

# Wall time and peak RSS; exit 1 (a gate verdict) is not a failure here.
t() { /usr/bin/time -f "%e s, %M KiB" "$@" || (($? == 1)); }

echo "== 1. Spark local[2] vs one process (5,000 files)"
t "$tizim" scan "$PWD/corpus" -q --format json -o single.json --fail-on none
t python3 "$here/examples/spark/tizim_spark.py" --master 'local[2]' --partitions 4 \
  --tizim "$tizim" --format json -o spark.json "$PWD/corpus" 2>spark.log
python3 - <<'PY'
import json
a, b = (json.load(open(f)) for f in ("single.json", "spark.json"))
for d in (a, b):
    d["stats"].pop("elapsed_ms")
print("merged report equals the single scan:", a == b)
PY

echo "== 2. merge of 1,000 parts vs the one-process scan"
find corpus -type f | sort >all.txt
split -n r/1000 -d -a 4 all.txt list-
mkdir -p parts
for l in list-*; do "$tizim" scan --files-from "$l" -q --format partial --fail-on none >"parts/$l.ndjson"; done
t "$tizim" scan --files-from all.txt -q --format json -o single-list.json --fail-on none
t "$tizim" merge parts -q --format json -o merged.json --fail-on none

echo "== 3. partial report size per finding (dense CSV)"
"$tizim" scan dense.csv -q --format partial --fail-on none >dense.partial
"$tizim" scan dense.csv -q --format ndjson --fail-on none >dense.ndjson
findings=$(grep -c '^{"finding"' dense.partial)
echo "findings: $findings; partial: $(stat -c %s dense.partial) B ($(( $(stat -c %s dense.partial) / findings )) B a finding); ndjson: $(stat -c %s dense.ndjson) B"
