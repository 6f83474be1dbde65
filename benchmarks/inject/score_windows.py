#!/usr/bin/env python3
"""Reads the verdicts of `mstgad evaluate --verdicts` on a copy written by `mstgad inject`, per window.

For each injected fault: the target's highest score from the fault's start to one step after its end,
its rank among every instance's highest score over the same steps, and the instance ranked first.
Then, per kind of step (inside a fault window, inside a decoy window, elsewhere): how many instances
per step score at or above --threshold (default 0.5). A window here is the copied telemetry (one minute
before the fault to one minute after it) plus one step.

Usage: score_windows.py COPY VERDICTS.csv [--threshold 0.5]
"""
import collections, csv, datetime, json, os, sys

copy, verdicts = sys.argv[1], sys.argv[2]
threshold = float(sys.argv[sys.argv.index('--threshold') + 1]) if '--threshold' in sys.argv else 0.5
manifest = json.load(open(os.path.join(copy, 'injected.json')))
step = datetime.timedelta(minutes=1)

def when(text):
    return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))

by_time = collections.defaultdict(list)
for row in csv.DictReader(open(verdicts)):
    by_time[when(row['time'])].append((row['instance'], float(row['score'])))

ranks = collections.defaultdict(list)
print('id   kind           target                        its max  rank   first')
for fault in manifest['faults']:
    start, end = when(fault['start']), when(fault['end'])
    best = collections.defaultdict(float)
    for t, scores in by_time.items():
        if start < t <= end + step:
            for instance, score in scores:
                best[instance] = max(best[instance], score)
    ranked = sorted(best.items(), key=lambda x: (-x[1], x[0]))
    rank = next(i + 1 for i, (instance, _) in enumerate(ranked) if instance == fault['service'])
    ranks[fault['kind']].append(rank)
    print(f"{fault['id']:4} {fault['kind']:14} {fault['service']:29} {best[fault['service']]:.3f}  {rank:2} of {len(ranked)}  {ranked[0][0]} {ranked[0][1]:.3f}")

print('ranks of the target by kind:', {k: sorted(v) for k, v in ranks.items()})
windows = {name: [(when(w['telemetryStart']), when(w['telemetryEnd']) + step) for w in manifest.get(name, [])] for name in ('faults', 'decoys')}
steps, flagged = collections.Counter(), collections.Counter()
for t, scores in by_time.items():
    kind = next((name for name, spans in windows.items() if any(a < t <= b for a, b in spans)), 'elsewhere')
    steps[kind] += 1
    flagged[kind] += sum(1 for _, score in scores if score >= threshold)
for kind in ('faults', 'decoys', 'elsewhere'):
    if steps[kind]:
        print(f'{kind:9} windows: {steps[kind]:3} steps, {flagged[kind] / steps[kind]:.1f} instances per step with score >= {threshold}')
