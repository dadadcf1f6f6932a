"""Paths, keys, core pinning and the error type shared by the driver's modules."""

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.path.expanduser("~/.cache/gproxy")
OHA = os.path.join(CACHE, "tools", "bin", "oha")
LITELLM_VENV = os.path.join(CACHE, "litellm-venv")
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
_CPUS = sorted(os.sched_getaffinity(0))
# the target alone on the first core; the load generator and the mock upstream on the second
TARGET_CORE, LOAD_CORE = str(_CPUS[0]), str(_CPUS[1] if len(_CPUS) > 1 else _CPUS[0])
GPROXY_KEY = "gp-bench-key-0001"
LITELLM_KEY = "sk-litellm-bench-0001"
TARGETS = ["direct", "forwarder", "forwarder-wreq", "gproxy", "litellm"]
TICK = os.sysconf("SC_CLK_TCK")


class BenchError(Exception):
    """A failure that makes the run (and the smoke check) fail."""


def log(msg):
    print(msg, file=sys.stderr, flush=True)
