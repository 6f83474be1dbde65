#!/usr/bin/env python3
"""Makes two "days" out of the one Nezha TrainTicket day, for a generalisation check.

Day A: everything before --cut (default 12:00 UTC), unchanged.
Day B: everything from --cut on, moved one day later (2023-01-30) and with every pod renamed (new
ReplicaSet hash and pod suffix, as after a redeployment), so that a model trained on day A meets new
pod names, later faults of other services and types, and a new date folder.

Usage: split_day.py ../shared/data/nezha-trainticket OUT [--cut 12:00]
Writes OUT/day-a and OUT/day-b in the upstream layout (rca_data/<date>/{metric,log,trace,traceid},
<date>-fault_list.json). The input is only read.
"""
import csv, hashlib, json, os, re, sys

csv.field_size_limit(1 << 30)
src, out = sys.argv[1], sys.argv[2]
cut = sys.argv[sys.argv.index('--cut') + 1] if '--cut' in sys.argv else '12:00'
DATE, NEXT, SHIFT = '2023-01-29', '2023-01-30', 86400
cut_s = int(__import__('calendar').timegm(__import__('time').strptime(f'{DATE} {cut}', '%Y-%m-%d %H:%M')))
day = os.path.join(src, 'rca_data', DATE)
pods = sorted(f[:-len('_metric.csv')] for f in os.listdir(os.path.join(day, 'metric')) if f.endswith('_metric.csv'))
pod_re = re.compile(r'^(.*)-([0-9a-f]{8,10})-([0-9a-z]{5})$')

# Kubernetes draws the pod-template hash and the pod suffix from this alphabet (no vowels, no 0, 1, 3),
# so a renamed pod looks like one a redeployment would create.
SAFE = 'bcdfghjklmnpqrstvwxz2456789'

def rename(pod):
    m = pod_re.match(pod)
    if not m:
        return pod
    h = hashlib.sha256(pod.encode()).digest()
    pick = lambda offset, n: ''.join(SAFE[b % len(SAFE)] for b in h[offset:offset + n])
    return f'{m.group(1)}-{pick(0, len(m.group(2)))}-{pick(16, 5)}'

names = {p: rename(p) for p in pods}
assert len(set(names.values())) == len(names)

def sub_pods(text):
    for old, new in names.items():
        text = text.replace(old, new)
    return text

def write_rows(path, header, rows):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', newline='') as f:
        w = csv.writer(f, lineterminator='\n')
        w.writerow(header)
        w.writerows(rows)

counts = {'a': {}, 'b': {}}
def count(d, kind, n=1):
    counts[d][kind] = counts[d].get(kind, 0) + n

# Metrics: one row per pod per minute; split rows on TimeStamp.
for f in sorted(os.listdir(os.path.join(day, 'metric'))):
    with open(os.path.join(day, 'metric', f), newline='') as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    ts = header.index('TimeStamp')
    a = [r for r in body if int(r[ts]) < cut_s]
    b = []
    for r in body:
        if int(r[ts]) >= cut_s:
            r = [sub_pods(c) for c in r]
            r[0] = r[0].replace(DATE, NEXT, 1)
            r[ts] = str(int(r[ts]) + SHIFT)
            b.append(r)
    write_rows(os.path.join(out, 'day-a', 'rca_data', DATE, 'metric', f), header, a)
    write_rows(os.path.join(out, 'day-b', 'rca_data', NEXT, 'metric', sub_pods(f)), header, b)
    count('a', 'metric rows', len(a)); count('b', 'metric rows', len(b))

# Logs, traces and trace ids: one file per minute, named HH_MM_*.csv; split by file name.
for kind in ('log', 'trace', 'traceid'):
    folder = os.path.join(day, kind)
    for f in sorted(os.listdir(folder)):
        minute = f[:5].replace('_', ':')
        target = 'a' if minute < cut else 'b'
        if target == 'a':
            dst = os.path.join(out, 'day-a', 'rca_data', DATE, kind, f)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            with open(os.path.join(folder, f), 'rb') as i, open(dst, 'wb') as o:
                o.write(i.read())
            count('a', kind + ' files')
            continue
        with open(os.path.join(folder, f), newline='') as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
        shifted = []
        for r in body:
            r = [sub_pods(c) for c in r]
            for col in ('StartTimeUnixNano', 'EndTimeUnixNano', 'TimeUnixNano'):
                if col in header:
                    i = header.index(col)
                    if len(r) > i and r[i].isdigit():
                        r[i] = str(int(r[i]) + SHIFT * 10**9)
            if 'Timestamp' in header:
                i = header.index('Timestamp')
                if len(r) > i:
                    r[i] = r[i].replace(DATE, NEXT, 1)
            shifted.append(r)
        write_rows(os.path.join(out, 'day-b', 'rca_data', NEXT, kind, f), header, shifted)
        count('b', kind + ' files')

# Faults: the upstream JSON, keyed by hour.
with open(os.path.join(day, f'{DATE}-fault_list.json')) as fh:
    faults = json.load(fh)
fa, fb = {}, {}
for hour, items in faults.items():
    for item in items:
        if item['inject_time'][11:16] < cut:
            fa.setdefault(hour, []).append(item)
        else:
            moved = dict(item, inject_time=item['inject_time'].replace(DATE, NEXT, 1), inject_pod=names.get(item['inject_pod'], item['inject_pod']))
            moved['inject_timestamp'] = str(int(item['inject_timestamp']) + SHIFT)
            fb.setdefault(hour, []).append(moved)
for d, data, date in (('day-a', fa, DATE), ('day-b', fb, NEXT)):
    with open(os.path.join(out, d, 'rca_data', date, f'{date}-fault_list.json'), 'w') as fh:
        json.dump(data, fh, indent=4)
count('a', 'faults', sum(len(v) for v in fa.values())); count('b', 'faults', sum(len(v) for v in fb.values()))
print(json.dumps({'cut': cut, 'day-a': counts['a'], 'day-b': counts['b'],
                  'fault types b': sorted({i['inject_type'] for v in fb.values() for i in v}),
                  'renamed pods': len([p for p in pods if names[p] != p])}, indent=1))
