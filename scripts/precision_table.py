#!/usr/bin/env python3
# Tabulates a `tizim scan --format ndjson` output for PRECISION.md: findings by
# category and confidence, medium+ by detector, and medium+ non-e-mail
# findings by file.  Usage: scripts/precision_table.py OUT.ndjson [PATH_PREFIX_TO_EXCLUDE]
import json,collections,sys
# usage: tab.py FILE.ndjson [excluded path prefix]
path=sys.argv[1]; excl=sys.argv[2] if len(sys.argv)>2 else None
conf=collections.Counter(); det=collections.Counter(); files=collections.Counter(); other=0
for l in open(path):
    d=json.loads(l)
    if excl and d['path'].startswith(excl): continue
    conf[(d['category'],d['confidence'])]+=1
    if d['confidence'] in ('medium','high'):
        det[(d['category'],d['detector'])]+=1
        if d['category']!='email':
            files[(d['path'],d['category'])]+=1

        if d['category'] not in ('email','phone'): other+=1
print("| category | low | medium | high |\n|---|---:|---:|---:|")
for c in sorted({k[0] for k in conf}):
    print(f"| {c} | {conf[(c,'low')]} | {conf[(c,'medium')]} | {conf[(c,'high')]} |")
print("\n| medium+ by detector | findings |\n|---|---:|")
for k,v in det.most_common(): print(f"| {k[1]} ({k[0]}) | {v} |")
print("\n| file (medium+, not e-mail) | category | findings |\n|---|---|---:|")
for k,v in files.most_common(40): print(f"| {k[0]} | {k[1]} | {v} |")
