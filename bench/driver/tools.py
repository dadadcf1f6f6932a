"""Building the binaries and installing the tools a full run needs (oha, LiteLLM)."""

import os
import re
import subprocess
import sys

from .common import CACHE, LITELLM_VENV, OHA, ROOT, TARGETS, BenchError, log

def build(smoke):
    target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(CACHE, "target")
    cmd = ["cargo", "build", "-p", "gproxy-dataplane", "-p", "gproxy-bench-upstream",
           "-p", "gproxy-bench-forwarder", "-p", "gproxy-bench-loadgen"]
    if not smoke:
        cmd.insert(2, "--release")
    log("==== " + " ".join(cmd))
    env = dict(os.environ, CARGO_TARGET_DIR=target_dir)
    if subprocess.run(cmd, cwd=ROOT, env=env).returncode != 0:
        raise BenchError("build failed")
    return build_paths(smoke)


def ensure_oha():
    if os.access(OHA, os.X_OK):
        return True
    log("==== installing oha into %s" % os.path.dirname(os.path.dirname(OHA)))
    r = subprocess.run(["cargo", "install", "oha", "--locked", "--root", os.path.join(CACHE, "tools")])
    return r.returncode == 0 and os.access(OHA, os.X_OK)


def ensure_litellm():
    """None when LiteLLM is ready, else the reason it is skipped."""
    exe = os.path.join(LITELLM_VENV, "bin", "litellm")
    if os.access(exe, os.X_OK):
        return None
    log("==== installing litellm[proxy] into %s (takes minutes)" % LITELLM_VENV)
    if not os.path.exists(os.path.join(LITELLM_VENV, "bin", "python")):
        r = subprocess.run([sys.executable, "-m", "venv", LITELLM_VENV])
        if r.returncode != 0:
            return "cannot create the venv"
    r = subprocess.run([os.path.join(LITELLM_VENV, "bin", "pip"), "install", "-q", "litellm[proxy]"])
    if r.returncode != 0 or not os.access(exe, os.X_OK):
        return "pip install 'litellm[proxy]' failed"
    return None


def litellm_version():
    try:
        r = subprocess.run([os.path.join(LITELLM_VENV, "bin", "pip"), "show", "litellm"],
                           capture_output=True, text=True)
        m = re.search(r"^Version: (\S+)", r.stdout, re.M)
        return m.group(1) if m else None
    except OSError:
        return None


def build_paths(smoke, targets=TARGETS):
    target_dir = os.environ.get("CARGO_TARGET_DIR") or os.path.join(CACHE, "target")
    d = os.path.join(target_dir, "debug" if smoke else "release")
    bins = {"gproxy": "gproxy-dataplane", "upstream": "bench-upstream",
            "forwarder": "bench-forwarder", "loadgen": "bench-loadgen"}
    bins = {k: os.path.join(d, v) for k, v in bins.items()}
    for name, path in bins.items():
        if (name != "gproxy" or "gproxy" in targets) and not os.access(path, os.X_OK):
            raise BenchError("missing binary %s" % path)
    return bins
