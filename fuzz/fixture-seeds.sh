#!/usr/bin/env bash
# Copies the repository's fixtures/ into seed directories sorted by fuzz
# target, at fuzz time, so that fixtures/ stays their one source:
#
#   fuzz/fixture-seeds.sh [DEST]     (default: fuzz/fixture-seeds, git-ignored)
#
# Each file up to 256 KiB goes to DEST/<target>/fixture-<path with / as _>,
# the target chosen by its type, and to DEST/decode/ as well (every fixture
# is a decoding sample). DEST is emptied first. scripts/fuzz-ci.sh passes
# DEST/<target> to libFuzzer beside the committed seeds/<target>.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
fixtures="$here/../fixtures"
dest=${1:-$here/fixture-seeds}

[[ -d $fixtures ]] || { echo "fixture-seeds: no $fixtures" >&2; exit 1; }
rm -rf "$dest"
mkdir -p "$dest"/{sql,csv,json,archive,decode,plain_text,pdf,mail,spreadsheet,document,rtf}
while IFS= read -r -d '' f; do
  size=$(stat -c %s "$f")
  ((size <= 262144)) || continue # big fixtures slow the fuzzer down
  base=$(basename "$f")
  case "${base,,}" in
    *.sql|*.sql.*) target=sql ;;
    *.csv|*.tsv) target=csv ;;
    *.json|*.ndjson|*.jsonl) target=json ;;
    *.xlsx|*.xlsm|*.xlsb|*.xls|*.ods) target=spreadsheet ;;
    *.docx|*.odt|*.pptx|*.odp) target=document ;;
    *.rtf) target=rtf ;;
    *.gz|*.tgz|*.bz2|*.xz|*.zst|*.zip|*.tar) target=archive ;;
    *.log|*.txt|*.md|*.yaml|*.yml|*.conf) target=plain_text ;;
    *.pdf) target=pdf ;;
    *.eml|*.mbox|*:2,*) target=mail ;;
    *) target=decode ;;
  esac
  name="fixture-$(echo "${f#"$fixtures"/}" | tr '/' '_')"
  cp "$f" "$dest/$target/$name"
  [[ $target == decode ]] || cp "$f" "$dest/decode/$name"
done < <(find "$fixtures" -type f -print0 | sort -z)
for t in sql csv json archive decode plain_text pdf mail spreadsheet document rtf; do
  echo "fixture-seeds: $t: $(find "$dest/$t" -type f | wc -l) files"
done
