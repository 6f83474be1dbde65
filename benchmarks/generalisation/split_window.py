#!/usr/bin/env python3
"""Cuts a window of time out of one Nezha day, for a check on faults the model did not train on.

Day A: the day without the window [FROM, TO) (a gap in time where the window was).
Day B: only the window. Both keep the date, the pod names and the upstream layout
(rca_data/<date>/{metric,log,trace,traceid}, <date>-fault_list.json); a fault goes to the part that holds its
inject_time. Metric files are cut row by row on their Time column; one-minute log, trace and traceid windows
(HH_MM_*.csv) go whole to the part that holds their minute. Files that are not per-pod or per-service metric
tables (the study's dependency.csv, source_50.csv, destination_50.csv) are left out.

Usage: split_window.py DAY_FOLDER OUT --date 2022-08-22 --test 06:20-14:00
The input is only read.
"""
import csv, json, os, shutil, sys

src, out = sys.argv[1], sys.argv[2]
date = sys.argv[sys.argv.index('--date') + 1]
lo, hi = sys.argv[sys.argv.index('--test') + 1].split('-')


def in_window(hm):
    return lo <= hm < hi


for part, keep in (('day-a', lambda hm: not in_window(hm)), ('day-b', in_window)):
    base = os.path.join(out, part, 'rca_data', date)
    for sub in ('metric', 'log', 'trace', 'traceid'):
        source = os.path.join(src, 'rca_data', date, sub)
        if not os.path.isdir(source):
            continue
        os.makedirs(os.path.join(base, sub), exist_ok=True)
        for name in sorted(os.listdir(source)):
            path = os.path.join(source, name)
            if sub == 'metric':
                with open(path, newline='') as f:
                    rows = list(csv.reader(f))
                if not rows or 'Time' not in rows[0]:
                    continue
                with open(os.path.join(base, sub, name), 'w', newline='') as f:
                    writer = csv.writer(f)
                    writer.writerow(rows[0])
                    writer.writerows(r for r in rows[1:] if keep(r[0][11:16]))
            elif keep(name[:5].replace('_', ':')):
                shutil.copy(path, os.path.join(base, sub, name))
    faults = json.load(open(os.path.join(src, 'rca_data', date, f'{date}-fault_list.json')))
    kept = {h: [f for f in items if keep(f['inject_time'][11:16])] for h, items in faults.items()}
    kept = {h: items for h, items in kept.items() if items}
    with open(os.path.join(base, f'{date}-fault_list.json'), 'w') as f:
        json.dump(kept, f, indent=1)
    print(part, sum(len(v) for v in kept.values()), 'faults')
