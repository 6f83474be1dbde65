#!/usr/bin/env bash
# Times the whole `mstgad parse` process against the whole Python Drain3 process on the same file,
# same masks, st 0.5, depth 4, single-threaded, sequentially, RUNS times each; prints the medians.
# Usage (from the repository root): benchmarks/drain3/compare.sh [INPUT] [RUNS]
# Needs: Drain3 importable by $PYTHON (see README.md), GNU time at /usr/bin/time.
set -euo pipefail
input=${1:-/tmp/hdfs1m.txt}
runs=${2:-5}
python=${PYTHON:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ ! -f "$input" ]; then
  python3 "$here/make_hdfs1m.py" "$root/../shared/data/loghub_2k/HDFS" "$input" 500
fi
dotnet build "$root/src/MstGad.Cli" -c Release -v q -nologo >/dev/null
cli="$root/src/MstGad.Cli/bin/Release/net10.0/MstGad.Cli"
masks=(--mask 'blk_-?\d+' --mask '(\d+\.){3}\d+(:\d+)?')

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
time_runs() {
  local out=$1; shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -f "%e %M" -o /tmp/compare.time "$@" >"$out"
    cat /tmp/compare.time
  done
}

echo "mstgad parse: $(time_runs /tmp/compare.mstgad.json "$cli" parse --input "$input" "${masks[@]}" --st 0.5 --depth 4 | tee /tmp/compare.mstgad.times | tr '\n' ';')"
echo "  $(cat /tmp/compare.mstgad.json)"
echo "drain3:       $(time_runs /tmp/compare.drain3.json env PYTHONPATH="${PYTHONPATH:-/opt/drain3src}" "$python" "$here/drain3_run.py" "$input" | tee /tmp/compare.drain3.times | tr '\n' ';')"
echo "  $(cat /tmp/compare.drain3.json)"
m=$(cut -d' ' -f1 /tmp/compare.mstgad.times | median)
d=$(cut -d' ' -f1 /tmp/compare.drain3.times | median)
echo "median wall seconds: mstgad $m, drain3 $d, speed-up $(awk -v a="$d" -v b="$m" 'BEGIN {printf "%.1f", a/b}')x"
