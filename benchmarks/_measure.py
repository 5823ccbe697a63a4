"""Run one command and print its wall time (s) and peak RSS (MB) as JSON on the last line.

The runner has exactly one child, so RUSAGE_CHILDREN's ru_maxrss is that command's own peak.
"""

import json
import resource
import subprocess
import sys
import time

t0 = time.perf_counter()
rc = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
wall = time.perf_counter() - t0
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"rc": rc, "wall_s": wall, "peak_mb": peak_mb}))
