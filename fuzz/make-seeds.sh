#!/usr/bin/env bash
# Derives the seeds that cannot be written by hand under fuzz/seeds/<target>/:
# the re-encoded (decode/), compressed and archived (archive/) and truncated
# ones, from the hand-written text seeds committed beside them (sql/, csv/,
# json/, plain_text/, detect/), which are their one source. Needs gzip,
# bzip2, xz, zstd, zip, tar and iconv. The fuzzer only reads seeds, so
# rerunning this is needed only when a text seed is added or changed.
#
# The files under ../fixtures/ are not copied here: fixture-seeds.sh sorts
# them into seed directories at fuzz time (scripts/fuzz-ci.sh calls it), so
# fixtures/ stays their one source.
set -euo pipefail
cd "$(dirname "$0")"
S=seeds
rm -rf "$S/decode" "$S/archive"
mkdir -p $S/{decode,archive}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- truncated copies -----------------------------------------------------
head -c 700 $S/sql/pg_dump.sql >$S/sql/truncated_copy.sql

# ---- decoders ---------------------------------------------------------------
cp $S/plain_text/app.log $S/decode/utf8.log
printf 'ФИО: Иванов, ИИН 850315300128\n' | iconv -f UTF-8 -t CP1251 >$S/decode/cp1251.txt
{ printf '\xff\xfe'; printf 'Тел +77012345678\n' | iconv -f UTF-8 -t UTF-16LE; } >$S/decode/utf16le_bom.txt
{ printf '\xfe\xff'; printf 'email a@b.kz\n' | iconv -f UTF-8 -t UTF-16BE; } >$S/decode/utf16be_bom.txt
printf 'no bom 850315300128\n' | iconv -f UTF-8 -t UTF-16LE >$S/decode/utf16le_nobom.txt
{ printf '\xff\xfe'; printf 'truncated' | iconv -f UTF-8 -t UTF-16LE; printf '\x41'; } >$S/decode/utf16_truncated.txt
printf 'valid \xc3\xa9 invalid \xc3\x28 \xf0\x28\x8c\xbc ivan@mail.kz\n' >$S/decode/invalid_utf8.txt
printf 'ELF\0\0\0binary 850315300128' >$S/decode/binary.bin
printf '\xef\xbb\xbfBOM utf-8 a@b.kz\r\n' >$S/decode/utf8_bom.txt

# ---- archives and compressed streams ---------------------------------------
mkdir -p "$work/tree/logs"
cp $S/plain_text/app.log "$work/tree/logs/app.log"
cp $S/csv/semicolon_ru.csv "$work/tree/clients.csv"
gzip -9nc $S/plain_text/app.log >$S/archive/app.log.gz
bzip2 -9c $S/plain_text/app.log >$S/archive/app.log.bz2
xz -9c $S/plain_text/app.log >$S/archive/app.log.xz
zstd -q -19 -c $S/plain_text/app.log >$S/archive/app.log.zst
# Fixed times, so that rerunning this changes no bytes.
find "$work/tree" -exec touch -d 2024-01-01T00:00:00Z {} +
(cd "$work/tree" && zip -qr -X "$work/tree.zip" .)
cp "$work/tree.zip" $S/archive/tree.zip
tar -C "$work/tree" --owner=0 --group=0 --mtime=2024-01-01 -cf $S/archive/tree.tar .
gzip -9nc $S/archive/tree.tar >$S/archive/tree.tar.gz
zstd -q -c $S/archive/tree.tar >$S/archive/tree.tar.zst
mkdir -p "$work/nest" && cp "$work/tree.zip" "$work/nest/inner.zip"
touch -d 2024-01-01T00:00:00Z "$work/nest/inner.zip"
tar -C "$work/nest" --owner=0 --group=0 --mtime=2024-01-01 -cf - inner.zip | gzip -9n >$S/archive/nested.tar.gz
head -c 300 $S/archive/tree.tar.gz >$S/archive/truncated.tar.gz
: >$S/archive/empty.zip

for t in sql csv json archive decode plain_text detect; do
  echo "$t: $(ls $S/$t | wc -l) seeds"
done
