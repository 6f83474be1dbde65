#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Build a benchmark input file from the Loghub-2k HDFS sample.

Reads the `Content` column of <hdfs_dir>/HDFS_2k.log_structured.csv
(2,000 rows) and writes it `repetitions` times, in order, one message
per line, to <output>.

Usage: make_hdfs1m.py <path/to/loghub_2k/HDFS> <output> [repetitions=500]
"""
import csv
import os
import sys


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    hdfs_dir, out_path = sys.argv[1], sys.argv[2]
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    src = os.path.join(hdfs_dir, "HDFS_2k.log_structured.csv")
    with open(src, newline="", encoding="utf-8") as f:
        contents = [row["Content"] for row in csv.DictReader(f)]
    for c in contents:
        if "\n" in c or "\r" in c:
            sys.exit("content contains a newline; cannot write one per line")
    block = "".join(c + "\n" for c in contents)
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        for _ in range(reps):
            f.write(block)
    print(f"wrote {len(contents) * reps} lines ({len(contents)} x {reps}) to {out_path}")


if __name__ == "__main__":
    main()
