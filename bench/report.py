#!/usr/bin/env python3
"""Tables and charts from bench/results/latest.csv. usage: report.py LATEST.csv OUT-DIR"""
import csv
import os
import subprocess
import sys
from collections import OrderedDict

path, out = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    lines = [l for l in f if not l.startswith("#")]
rows = list(csv.DictReader(lines))

def number(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None

scenarios = OrderedDict()
for r in rows:
    scenarios.setdefault(r["scenario"], []).append(r)

for name, rs in scenarios.items():
    print(f"\n== {name} ==")
    print(f"{'tool':48} {'figure':38} {'value':>10} {'unit':14} {'× watch2s3':>10}  note")
    ours = {r["figure"]: number(r["value"]) for r in rs if r["tool"] == "watch2s3"}
    for r in rs:
        v, base = number(r["value"]), ours.get(r["figure"])
        ratio = f"{v / base:.2f}" if v is not None and base else "-"
        print(f"{r['tool'][:48]:48} {r['figure'][:38]:38} {r['value'] or 'n/a':>10} {r['unit'][:14]:14} {ratio:>10}  {r['note']}")

def plot(script, data, png):
    with open(png + ".dat", "w", encoding="utf-8") as f:
        f.write(data)
    subprocess.run(["gnuplot"], input=script.replace("DATA", png + ".dat").replace("PNG", png),
                   text=True, check=False)
    os.remove(png + ".dat")

# latency vs bucket size, one line per tool
lat = [r for r in rows if r["scenario"] == "latency" and number(r["value"]) is not None]
if lat:
    tools = list(OrderedDict.fromkeys(r["tool"] for r in lat))
    sizes = sorted({int(r["figure"].split("=")[1]) for r in lat})
    data = "N " + " ".join(f'"{t}"' for t in tools) + "\n"
    for n in sizes:
        vals = []
        for t in tools:
            v = [number(r["value"]) for r in lat if r["tool"] == t and r["figure"] == f"N={n}"]
            vals.append(str(v[0]) if v else "NaN")
        data += f"{n} " + " ".join(vals) + "\n"
    plot(f"""set terminal png size 900,520
set output 'PNG'
set title 'one new file: seconds until it is in S3, by objects already in the bucket'
set logscale x; set logscale y; set xlabel 'objects in the bucket'; set ylabel 'seconds'; set key left top
plot for [i=2:{len(tools) + 1}] 'DATA' using 1:i with linespoints title columnheader(i)
""", data, os.path.join(out, "latency.png"))

# burst files/s per tool and server
burst = [r for r in rows if r["scenario"].startswith("burst") and r["figure"].startswith("files/s")
         and number(r["value"]) is not None]
if burst:
    data = "".join(f'"{r["tool"][:30]} ({r["scenario"][6:]})" {r["value"]}\n' for r in burst)
    plot("""set terminal png size 1000,560
set output 'PNG'
set title 'burst of small files: files/s until all are in S3'
set style fill solid; set boxwidth 0.6; set xtics rotate by -35; set ylabel 'files/s'; unset key
plot 'DATA' using 0:2:xtic(1) with boxes
""", data, os.path.join(out, "burst.png"))
