#!/usr/bin/env bash
# Regenerates the committed seed corpora under fuzz/seeds/<target>/: small
# hand-made samples of every format and encoding tizim reads. Needs gzip,
# bzip2, xz, zstd, zip, tar and iconv. The fuzzer only reads seeds, so
# rerunning this is needed only when a sample is added or changed.
#
# The files under ../fixtures/ are not copied here: fixture-seeds.sh sorts
# them into seed directories at fuzz time (scripts/fuzz-ci.sh calls it), so
# fixtures/ stays their one source.
set -euo pipefail
cd "$(dirname "$0")"
S=seeds
rm -rf "$S"
mkdir -p $S/{sql,csv,json,archive,decode,plain_text,detect}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# ---- SQL dumps ------------------------------------------------------------
cat >$S/sql/pg_dump.sql <<'X'
--
-- PostgreSQL database dump
--
SET client_encoding = 'UTF8';
CREATE TABLE public.clients (
    id integer NOT NULL,
    full_name text,
    iin character varying(12),
    phone text,
    email text
);
COPY public.clients (id, full_name, iin, phone, email) FROM stdin;
1	Иванов Иван Иванович	850315300128	+7 701 234 56 78	ivan@mail.kz
2	Петрова\tАнна	\N	8 (727) 355-66-77	anna\\petrova@mail.kz
3	Line\nbreak	000229500038	\N	\N
\.
INSERT INTO public.clients VALUES (4, 'O''Brien', '050722600456', NULL, 'x@y.kz');
INSERT INTO public.clients (id, iin) VALUES (5, '850315300128'), (6, NULL);
X
cat >$S/sql/mysqldump.sql <<'X'
-- MySQL dump 10.13
/*!40101 SET NAMES utf8mb4 */;
DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `fio` varchar(255) DEFAULT NULL,
  `iin` char(12) DEFAULT NULL,
  `card_number` varchar(19) DEFAULT NULL,
  `photo` blob,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB;
LOCK TABLES `users` WRITE;
INSERT INTO `users` VALUES (1,'Сейткали Айгерим','850315300128','4400430000000009',_binary 'ab\0c'),(2,'O\'Neil','000229500038',NULL,NULL),(3,'a\\b','050722600456','',0x00FF);
UNLOCK TABLES;
X
cat >$S/sql/sqlite.sql <<'X'
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE contacts(id INTEGER PRIMARY KEY, "e-mail" TEXT, phone TEXT);
INSERT INTO contacts VALUES(1,'a@b.kz','+77012345678');
INSERT INTO "contacts" VALUES(2,'c@d.kz','87012345678');
COMMIT;
X
head -c 700 $S/sql/pg_dump.sql >$S/sql/truncated_copy.sql
printf "INSERT INTO \`t\` VALUES (1,'unterminated 850315300128" >$S/sql/unbalanced_quote.sql

# ---- CSV / TSV ------------------------------------------------------------
printf 'ФИО;ИИН;Телефон;E-mail\r\nИванов Иван;850315300128;+7 701 234 56 78;ivan@mail.kz\r\n"Петров; Пётр";000229500038;"8 (727)\n355-66-77";p@mail.kz\r\n' >$S/csv/semicolon_ru.csv
printf 'id\tiin\tphone\n1\t850315300128\t87012345678\n2\t\t\n' >$S/csv/tab.tsv
printf 'name|card_number|iban\nA|4400 4300 0000 0009|KZ86125KZT5004100100\n' >$S/csv/pipe.csv
printf '850315300128,ivan@mail.kz,+77012345678\n050722600456,a@b.kz\n' >$S/csv/no_header.csv
printf 'a,b,c\n1,"unbalanced,850315300128\n3,4,5\n' >$S/csv/unbalanced.csv
printf 'аты-жөні,ЖСН\n"Ахметов ""Аха""",850315300128\n' >$S/csv/kazakh_quotes.csv

# ---- JSON / NDJSON --------------------------------------------------------
cat >$S/json/nested.json <<'X'
{"user":{"iin":"850315300128","contacts":{"phone":"+7 701 234 56 78","email":"ivan@mail.kz"},
"items":[{"iin":"000229500038"},{"card":"4400430000000009"}],"note":"ИИН 050722600456 \u0438 \"q\""}}
X
printf '{"ts":"2024-01-01","msg":"login","email":"a@b.kz"}\n{"ts":"2024-01-02","msg":"pay","user":{"phone":"87012345678"}}\n' >$S/json/logs.ndjson
printf '[{"iin":"850315300128"},{"iin":"0002295' >$S/json/truncated.json
printf '%0.s[' $(seq 1 300) >$S/json/deep.json
printf '{"a":1e400,"b":-0,"c":"\\ud800","d":[true,false,null],"e":{}}' >$S/json/odd_values.json

# ---- plain text -----------------------------------------------------------
cat >$S/plain_text/app.log <<'X'
2024-03-01 10:00:01 INFO user ivan.petrov@mail.kz logged in from 10.0.0.1
2024-03-01 10:00:02 INFO payment card=4400 4300 0000 0009 iin=850315300128
2024-03-01 10:00:03 WARN callback +7 (701) 234-56-78, ИИН: 000229500038
X
printf 'Ещё строка с ЖСН 050722600456 — и эмодзи 😀\r\nCRLF line\r\n\r\n' >$S/plain_text/cyrillic_crlf.txt
head -c 3000 /dev/zero | tr '\0' 'x' >$S/plain_text/long_line.txt
printf ' 850315300128\n' >>$S/plain_text/long_line.txt

# ---- detectors (first 3 bytes: first_line, context before, context after) --
{
  printf '\001\010\010'
  cat <<'X'
IIN 850315300128 050722600456 000229500038 bad 850315300129 990230300015 821214240092
BIN 140340014652 240740036857
phones +7 701 234 56 78, +7 (701) 234-56-78, +77012345678, 8 701 234 56 78, 8(701)234-56-78,
87012345678, +7-701-234-56-78, +7 (7172) 55-66-77, 8 (727) 355-66-77, +7 099 123 45 67, +998 90 123 45 67
email ivan@mail.kz ivan%40mail.kz logo@2x.png lodash@4.17.21 @scope/pkg
card 4400430000000009 4400 4300 0000 0009 4111111111111111 440043******1234 8501******34
iban KZ86125KZT5004100100 KZ86 125K ZT50 0410 0100 KZ87125KZT5004100100
X
} >$S/detect/all_kinds.txt
printf '\000\000\000%s' "1234567890123456789012345678901234567890" >$S/detect/digits.txt
printf '\002\100\100ИИН:850315300128;тел:87012345678;почта:a@b.kz' >$S/detect/context_ru.txt

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
gzip -9c $S/plain_text/app.log >$S/archive/app.log.gz
bzip2 -9c $S/plain_text/app.log >$S/archive/app.log.bz2
xz -9c $S/plain_text/app.log >$S/archive/app.log.xz
zstd -q -19 -c $S/plain_text/app.log >$S/archive/app.log.zst
(cd "$work/tree" && zip -qr -X "$work/tree.zip" .)
cp "$work/tree.zip" $S/archive/tree.zip
tar -C "$work/tree" --owner=0 --group=0 --mtime=2024-01-01 -cf $S/archive/tree.tar .
gzip -9nc $S/archive/tree.tar >$S/archive/tree.tar.gz
zstd -q -c $S/archive/tree.tar >$S/archive/tree.tar.zst
mkdir -p "$work/nest" && cp "$work/tree.zip" "$work/nest/inner.zip"
tar -C "$work/nest" --owner=0 --group=0 --mtime=2024-01-01 -czf $S/archive/nested.tar.gz inner.zip
head -c 300 $S/archive/tree.tar.gz >$S/archive/truncated.tar.gz
: >$S/archive/empty.zip

for t in sql csv json archive decode plain_text detect; do
  echo "$t: $(ls $S/$t | wc -l) seeds"
done
