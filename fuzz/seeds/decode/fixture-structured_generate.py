#!/usr/bin/env python3
"""Writes the structured-source fixtures (tests/structured.rs reads them).

Run from anywhere: python3 fixtures/structured/generate.py
Output is deterministic; the files are committed, so tests need no Python.

Every IIN here passes the checksum (weights 1..11 mod 11; if 10, weights
3..11,1,2; if 10 again the number is invalid) and has a valid YYMMDD date
with a century/sex digit 1-6. Phones are Kazakh mobiles (700-708, 747,
771, 775-778), e-mails use real TLDs. None of them belongs to anyone we
know of: they are computed, not collected.
"""
import datetime
import hashlib
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))


def iin_check(digits11):
    d = [int(c) for c in digits11]
    s = sum(x * w for x, w in zip(d, range(1, 12))) % 11
    if s == 10:
        s = sum(x * w for x, w in zip(d, [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2])) % 11
        if s == 10:
            return None
    return s


def make_iin(date, sex_century, serial):
    body = date.strftime("%y%m%d") + str(sex_century) + "%04d" % serial
    c = iin_check(body)
    return None if c is None else body + str(c)


def valid_iins(rng, n):
    out = []
    while len(out) < n:
        year = rng.randint(1950, 2005)
        date = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
        century = (3 if year < 2000 else 5) + rng.randint(0, 1)
        iin = make_iin(date, century, rng.randint(1, 9999))
        if iin and iin not in out:
            out.append(iin)
    return out


# The issue's own vectors stay recognisable in the fixtures.
assert iin_check("85031530012") == 8
assert iin_check("05072260045") == 6
assert iin_check("00022950003") == 8

rng = random.Random(94)
IINS = ["850315300128", "050722600456", "000229500038"] + valid_iins(rng, 400)

SURNAMES = ["Иванов", "Ахметов", "Сейткали", "Нурланов", "Ким", "Петров", "Жумабаев", "Абенов"]
FEMALE = {"Иванов": "Иванова", "Ахметов": "Ахметова", "Нурланов": "Нурланова", "Петров": "Петрова",
          "Жумабаев": "Жумабаева", "Абенов": "Абенова", "Сейткали": "Сейткали", "Ким": "Ким"}
MALE_NAMES = ["Иван", "Асқар", "Ерлан", "Данияр", "Тимур"]
FEMALE_NAMES = ["Айгерим", "Ольга", "Динара", "Жанна", "Мадина"]
PREFIXES = ["701", "702", "705", "707", "708", "747", "771", "775", "777", "778"]


def person(i):
    iin = IINS[i]
    male = int(iin[6]) % 2 == 1
    s = SURNAMES[i % len(SURNAMES)]
    return ((s if male else FEMALE[s]) + " " + (MALE_NAMES if male else FEMALE_NAMES)[i % 5])


def birth(iin):
    century = {1: 1800, 2: 1800, 3: 1900, 4: 1900, 5: 2000, 6: 2000}[int(iin[6])]
    return "%04d-%s-%s" % (century + int(iin[:2]), iin[2:4], iin[4:6])


def phone(i, style):
    p = PREFIXES[i % len(PREFIXES)]
    n = "%07d" % ((i * 7919 + 1234567) % 10000000)
    if style == 0:
        return "+7 %s %s %s %s" % (p, n[:3], n[3:5], n[5:])
    if style == 1:
        return "8 (%s) %s-%s-%s" % (p, n[:3], n[3:5], n[5:])
    return "+7" + p + n


def translit(i):
    return ["ivan.ivanov", "askar.akhmetov", "aigerim.s", "d.nurlanov", "olga.kim",
            "t.petrov", "zhumabaev", "m.abenova"][i % 8] + str(i)


DOMAINS = ["mail.kz", "gmail.com", "inbox.ru", "kaspi.kz", "yandex.kz"]


def email(i):
    return "%s@%s" % (translit(i), DOMAINS[i % len(DOMAINS)])


def write(name, data, encoding="utf-8", bom=False):
    raw = data.encode(encoding)
    if bom:
        raw = {"utf-16-le": b"\xff\xfe", "utf-8": b"\xef\xbb\xbf"}[encoding] + raw
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(raw)


def hexdigest(i):
    """Stands in for a hashed or encrypted column."""
    return hashlib.sha256(b"tizim-fixture-%d" % i).hexdigest()


# --- PostgreSQL pg_dump (plain) ---------------------------------------------
pg = [
    "--", "-- PostgreSQL database dump", "--", "",
    "-- Dumped from database version 15.6", "-- Dumped by pg_dump version 15.6", "",
    "SET statement_timeout = 0;", "SET client_encoding = 'UTF8';",
    "SET standard_conforming_strings = on;", "", "SET default_tablespace = '';", "",
    "--", "-- Name: clients; Type: TABLE; Schema: public; Owner: crm", "--", "",
    "CREATE TABLE public.clients (",
    "    id integer NOT NULL,",
    "    full_name text NOT NULL,",
    "    iin character varying(12),",
    "    phone text,",
    "    email text,",
    "    birth_date date,",
    "    iin_hash character(64),",
    "    avatar_filename text,",
    "    note text",
    ");", "", "",
    "ALTER TABLE public.clients OWNER TO crm;", "",
    "CREATE TABLE public.orders (",
    "    id bigint NOT NULL,",
    "    client_id integer,",
    "    contact_phone text,",
    "    comment text",
    ");", "",
    "--", "-- Data for Name: clients; Type: TABLE DATA; Schema: public; Owner: crm", "--", "",
    "COPY public.clients (id, full_name, iin, phone, email, birth_date, iin_hash, avatar_filename, note) FROM stdin;",
]
for i in range(6):
    note = "\\N"
    if i == 2:
        note = "Звонить вечером\\nтел. " + phone(40, 1)
    if i == 4:
        note = "доп. почта: " + email(41)
    pg.append("\t".join([str(i + 1), person(i), IINS[i], phone(i, i % 3), email(i), birth(IINS[i]),
                         hexdigest(i), "avatar_%d.png" % i, note]))
pg += ["\\.", "", "",
       "--", "-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: crm", "--", ""]
for i in range(3):
    pg.append("INSERT INTO public.orders (id, client_id, contact_phone, comment) VALUES (%d, %d, '%s', %s);"
              % (1000 + i, i + 1, phone(10 + i, 0), "'Клиент''s order, email " + email(20 + i) + "'" if i == 1 else "NULL"))
pg += ["", "", "ALTER TABLE ONLY public.clients", "    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);", "",
       "--", "-- PostgreSQL database dump complete", "--", ""]
write("crm_pg.sql", "\n".join(pg))

# --- MySQL mysqldump with an extended INSERT --------------------------------
tuples = []
for i in range(200):
    name = person(i).replace("Ахметов", "Ахмет'ов") if i == 7 else person(i)
    name = name.replace("'", "\\'")
    enc = "_binary '%s'" % hexdigest(i)[:16]
    tuples.append("(%d,'%s','%s','%s','%s',%s,%s)" % (
        i + 1, name, IINS[i], phone(i, 2), email(i), enc, "NULL" if i % 2 else "'VIP клиент'"))
my = [
    "-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)", "--",
    "-- Host: localhost    Database: shop", "-- ------------------------------------------------------",
    "-- Server version\t8.0.36", "",
    "/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;",
    "/*!40101 SET NAMES utf8mb4 */;", "", "--", "-- Table structure for table `customers`", "--", "",
    "DROP TABLE IF EXISTS `customers`;",
    "/*!40101 SET @saved_cs_client     = @@character_set_client */;",
    "CREATE TABLE `customers` (",
    "  `id` int NOT NULL AUTO_INCREMENT,",
    "  `fio` varchar(255) NOT NULL,",
    "  `iin` char(12) DEFAULT NULL,",
    "  `msisdn` varchar(20) DEFAULT NULL,",
    "  `email` varchar(255) DEFAULT NULL,",
    "  `card_pan_enc` varbinary(64) DEFAULT NULL,",
    "  `comment` text,",
    "  PRIMARY KEY (`id`),",
    "  UNIQUE KEY `uk_iin` (`iin`),",
    "  KEY `idx_email` (`email`)",
    ") ENGINE=InnoDB AUTO_INCREMENT=201 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;",
    "/*!40101 SET character_set_client = @saved_cs_client */;", "", "--",
    "-- Dumping data for table `customers`", "--", "",
    "LOCK TABLES `customers` WRITE;",
    "/*!40000 ALTER TABLE `customers` DISABLE KEYS */;",
    "INSERT INTO `customers` VALUES " + ",".join(tuples) + ";",
    "/*!40000 ALTER TABLE `customers` ENABLE KEYS */;", "UNLOCK TABLES;", "",
    "-- Dump completed on 2024-03-01 12:00:00", "",
]
write("shop_mysql.sql", "\n".join(my))

# --- A pg_dump cut off in the middle of a COPY row and an INSERT string -----
cut = [
    "-- PostgreSQL database dump", "",
    "CREATE TABLE public.leads (", "    id integer,", "    email text,", "    note text", ");", "",
    "INSERT INTO public.leads VALUES (1, '%s', 'ok');" % email(60),
    "INSERT INTO public.leads VALUES (2, '%s', 'unterminated note, call %s" % (email(61), phone(61, 0)),
    "and write to %s" % email(62),
]
write("truncated_pg.sql", "\n".join(cut))

# --- CSV in three encodings --------------------------------------------------
rows = [["ФИО", "ИИН", "Телефон", "E-mail", "Дата рождения"]]
for i in range(5):
    rows.append([person(i), IINS[i], phone(i, i % 3), email(i), birth(IINS[i])])
rows[3][0] = '"%s, мл."' % rows[3][0]  # a quoted field holding the delimiter... of the comma kind
csv_semicolon = "\r\n".join(";".join(r) for r in rows) + "\r\n"
write("clients_utf8.csv", csv_semicolon)
write("clients_cp1251.csv", csv_semicolon, "cp1251")
tsv = "\r\n".join("\t".join(c.strip('"') for c in r) for r in rows) + "\r\n"
write("clients_utf16le.txt", tsv, "utf-16-le", bom=True)

# No header: columns are numbered.
write("no_header.csv", "\n".join("%s,%s,%s" % (i + 1, email(70 + i), IINS[70 + i]) for i in range(4)) + "\n")

# A quoted field with an embedded newline and delimiter, then a ragged row.
ragged = ['id,email,comment',
          '1,%s,"first line, still the comment' % email(80),
          'second line of it"',
          '2,%s,plain' % email(81),
          'this row is ragged %s' % email(82),
          '3,%s,after the ragged row' % email(83)]
write("ragged.csv", "\n".join(ragged) + "\n")

# --- NDJSON and JSON ---------------------------------------------------------
events = []
for i in range(4):
    events.append('{"ts":"2024-03-0%dT10:00:00Z","event":"signup","user":{"id":%d,"contacts":{"phone":"%s","email":"%s"},"iin":"%s"},"items":[{"sku":"A-%d","qty":1}]}'
                  % (i + 1, 90 + i, phone(90 + i, 2), email(90 + i), IINS[90 + i], i))
events.insert(2, 'not json at all, but mentions %s' % email(95))
write("events.ndjson", "\n".join(events) + "\n")

doc = """{
  "export": "crm",
  "clients": [
    {
      "fullName": "%s",
      "iin": %s,
      "contact": {"email": "%s", "mobile": "%s"},
      "passport": "N%s"
    },
    {
      "fullName": "%s",
      "iin": "%s",
      "contact": {"email": "%s", "mobile": "%s"},
      "passport": null
    }
  ],
  "meta": {"by_user": {"%s": {"phone_hash": "%s"}}}
}
""" % (person(100), IINS[100], email(100), phone(100, 0), "%08d" % 12345678,
       person(101), IINS[101], email(101), phone(101, 1), email(102), hexdigest(7)[:32])
write("export.json", doc)
print("fixtures written to", HERE)
