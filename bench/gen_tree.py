#!/usr/bin/env python3
"""Deterministic benchmark tree: COUNT files of 1-8 KB, about 100 per directory, a few odd names, all with an mtime
of 2026-01-01 (so "changed in the last minute" filters see only what a scenario changes).
usage: gen_tree.py DIR COUNT [SEED]
With MANIFEST=FILE in the environment it also writes path,parent,size of every file as CSV (to seed a state database)."""
import csv
import os
import random
import sys

root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
manifest = csv.writer(open(os.environ["MANIFEST"], "w", newline="", encoding="utf-8")) if os.environ.get("MANIFEST") else None
if manifest:
    manifest.writerow(["PATH", "PARENT", "SIZE"])
odd = ["with space", "日本語", "plus+sign", "percent%20"]
for i in range(count):
    d = os.path.join(root, f"d{i // 100:05d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    name = f"{odd[(i // 1000) % len(odd)]} {i}.dat" if i % 1000 == 999 else f"f{i:07d}.dat"
    path = os.path.join(d, name)
    size = rng.randint(1024, 8192)
    with open(path, "wb") as f:
        f.write(rng.randbytes(size))
    if manifest:
        manifest.writerow([f"d{i // 100:05d}/{name}", f"d{i // 100:05d}", size])
    os.utime(path, (1767225600, 1767225600))
