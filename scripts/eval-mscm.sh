#!/bin/sh
# Scores `intops anomaly score` on labelled real series with eval-mscm and
# writes the figures into docs/benchmarks.md (section eval-mscm).
#   scripts/eval-mscm.sh BINARY EVAL_SCRIPT REPORT
set -eu
bin=$1 eval=$2 report=$3
command -v python3 >/dev/null || { echo "eval-mscm needs python3" >&2; exit 1; }
start=$(date +%s)
out=$("$eval" "$bin")
echo "$out"
secs=$(( $(date +%s) - start ))
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
machine="$(nproc) cores (${cpu:-unknown CPU}), $(uname -s | tr A-Z a-z)/$(uname -m)"
python3 - "$report" "$out" "$machine" "$secs" "$eval" <<'PY'
import datetime, re, sys
path, out, machine, secs, ev = sys.argv[1:]
start, end = "<!-- eval-mscm:start -->", "<!-- eval-mscm:end -->"
body = f"""## Anomaly scoring on labelled real series

Command: `make eval-anomaly` (`go build -o bin/intops ./cmd/intops && {ev} ./bin/intops`), run {datetime.date.today()} in {secs} s.
Machine: {machine}.

`intops anomaly score` on each of the 60 series of the Microsoft Cloud Monitoring Dataset (request rates, query rates, purchases, ingress, unavailability, dependency latency, crash rates; per minute or per hour; 234 labelled incidents), with the rows as the files have them (naive timestamps, repeated times, gaps, empty values). An incident counts as found when a score at or above the threshold falls inside it or within 3 points after it; a false alarm is a run of such scores elsewhere (one per 60 points); the first 15% of each series is learning time. One threshold for all series, the best one:

```
{out}
```
"""
section = start + "\n" + body.rstrip("\n") + "\n" + end + "\n"
try:
    doc = open(path).read()
except FileNotFoundError:
    doc = "# Benchmarks\n\n"
pat = re.compile(re.escape(start) + ".*?" + re.escape(end) + "\n?", re.S)
doc = pat.sub(lambda m: section, doc) if pat.search(doc) else doc + "\n" + section
open(path, "w").write(doc)
PY
