#!/usr/bin/env python3
"""Deterministic benchmark tree: COUNT files of 1-8 KB, about 100 per directory, a few odd names, all with an mtime
of 2026-01-01 (so "changed in the last minute" filters see only what a scenario changes).
usage: gen_tree.py DIR COUNT [SEED]"""
import os
import random
import sys

root, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
odd = ["with space", "日本語", "plus+sign", "percent%20"]
for i in range(count):
    d = os.path.join(root, f"d{i // 100:05d}")
    if i % 100 == 0:
        os.makedirs(d, exist_ok=True)
    name = f"{odd[(i // 1000) % len(odd)]} {i}.dat" if i % 1000 == 999 else f"f{i:07d}.dat"
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(rng.randbytes(rng.randint(1024, 8192)))
    os.utime(path, (1767225600, 1767225600))
