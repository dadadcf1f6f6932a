"""Load windows (oha or bench-loadgen), the shape probe, and measuring one (scenario, target)."""

import json
import os
import statistics
import subprocess
import time
import urllib.error
import urllib.request

from .common import LOAD_CORE, OHA, TICK, BenchError
from .procs import busy_ticks, children_ticks, cpu_ticks, status_kb
from .workload import path_for, sized_body

def run_load(tool, bins, url, body_path, headers, phase, duration, stream, min_events):
    """Run one load window pinned to the load core; return the normalised report."""
    secs = max(duration, 0.2)
    if tool == "oha" and not stream:
        cmd = [OHA, "--no-tui", "--output-format", "json", "--worker-threads", "1", "-w",
               "-z", "%dms" % int(secs * 1000), "-c", str(phase.concurrency), "-m", "POST",
               "-D", body_path, "-t", "120s"]
        if phase.mode == "rate":
            cmd += ["-q", str(phase.rate), "--latency-correction"]
        for k, v in headers.items():
            cmd += ["-H", "%s: %s" % (k, v)]
        cmd.append(url)
    else:
        cmd = [bins["loadgen"], "--url", url, "--method", "POST", "--body", body_path,
               "-c", str(phase.concurrency), "-d", str(secs), "--timeout", "120"]
        if phase.mode == "rate":
            cmd += ["-q", str(phase.rate)]
        if stream:
            cmd += ["--stream", "--min-events", str(min_events)]
        for k, v in headers.items():
            cmd += ["-H", "%s: %s" % (k, v)]
    out = subprocess.run(["taskset", "-c", LOAD_CORE] + cmd, capture_output=True, text=True,
                         timeout=secs + 300)
    if out.returncode != 0:
        raise BenchError("load generator failed (%s): %s" % (out.returncode, out.stderr[-2000:]))
    data = json.loads(out.stdout)
    return normalise_oha(data) if cmd[0] == OHA else normalise_loadgen(data)


def normalise_loadgen(d):
    lat = d["latency_ms"]
    r = {"completed": d["completed"], "ok": d["ok"], "non_2xx": d["non_2xx"],
         "errors": d["errors"], "error_kinds": d["error_kinds"], "status": d["status"],
         "elapsed_s": d["elapsed_s"], "rps": d["rps"],
         "p50": lat["p50"], "p90": lat["p90"], "p99": lat["p99"], "p999": lat["p999"]}
    if "stream" in d:
        s = d["stream"]
        r.update({"ttft_p50": s["ttft_ms"]["p50"], "ttft_p99": s["ttft_ms"]["p99"],
                  "ttft_p999": s["ttft_ms"]["p999"], "gap_p50": s["gap_ms"]["p50"],
                  "gap_p99": s["gap_ms"]["p99"], "gap_p999": s["gap_ms"]["p999"],
                  "events_per_stream": s["events_per_stream"],
                  "short_streams": s["short_streams"], "stream_errors": s["stream_errors"]})
    return r


def normalise_oha(d):
    status = {k: int(v) for k, v in d.get("statusCodeDistribution", {}).items()}
    completed = sum(status.values())
    ok = sum(v for k, v in status.items() if k.startswith("2"))
    errors = {k: int(v) for k, v in d.get("errorDistribution", {}).items()}
    elapsed = d["summary"]["total"]
    pct = d.get("latencyPercentiles") or {}
    ms = lambda k: None if pct.get(k) is None else pct[k] * 1000.0
    return {"completed": completed, "ok": ok, "non_2xx": completed - ok,
            "errors": sum(errors.values()), "error_kinds": errors, "status": status,
            "elapsed_s": elapsed, "rps": completed / elapsed if elapsed else 0.0,
            "p50": ms("p50"), "p90": ms("p90"), "p99": ms("p99"), "p999": ms("p99.9")}


def upstream_stats(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/__bench/stats" % port, timeout=5) as r:
        return json.loads(r.read())


# --- probing: one request whose answer must have the inbound protocol's shape ----------------

def probe(url, body, headers, kind, stream, faults):
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, text = r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        status, text = e.code, e.read().decode("utf-8", "replace")
    except (urllib.error.URLError, OSError) as e:
        return "no answer: %s" % e
    if faults and status in (429, 500):
        return None
    if not 200 <= status < 300:
        return "status %d: %s" % (status, text[:300])
    if stream:
        marker = {"chat": "[DONE]", "anthropic": "message_stop", "responses": "response.completed",
                  "gemini": "finishReason"}[kind]
        return None if marker in text else "stream without %s: %s" % (marker, text[-300:])
    try:
        v = json.loads(text)
    except ValueError:
        return "not JSON: %s" % text[:300]
    ok = {
        "chat": lambda v: v.get("choices") and v.get("usage"),
        "anthropic": lambda v: v.get("type") == "message" and v.get("content"),
        "responses": lambda v: v.get("object") == "response" and v.get("output"),
        "gemini": lambda v: v.get("candidates"),
    }[kind](v)
    return None if ok else "unexpected %s shape: %s" % (kind, text[:300])


# --- measuring one (scenario, target) ------------------------------------------------------------

def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def measure(sc, target, bins, opts, workdir):
    """Start the target, probe it, then warm up and measure every phase; returns a result dict."""
    res = {"scenario": sc.name, "target": target.name, "phases": []}
    body = sized_body(sc.kind, sc.model, sc.size, sc.stream)
    body_path = os.path.join(workdir, "%s.json" % sc.name)
    with open(body_path, "wb") as f:
        f.write(body)
    target.start()
    try:
        res["idle_rss_kb"] = status_kb(target.pid, "VmRSS")
        url = "http://127.0.0.1:%d%s" % (target.port, path_for(sc.kind, sc.model, sc.stream))
        headers = target.headers(sc.kind)
        err = probe(url, body, headers, sc.kind, sc.stream, sc.faults)
        if err:
            res["unavailable"] = err
            return res
        for ph in sc.phases:
            reps = []
            if opts.warmup > 0:
                run_load(opts.tool, bins, url, body_path, headers, ph, opts.warmup, sc.stream,
                         sc.min_events)
            for _ in range(opts.reps):
                up0, cpu0 = upstream_stats(target.up_port), cpu_ticks(target.pid)
                mock0, all0, gen0 = cpu_ticks(target.up_proc.pid), busy_ticks(), children_ticks()
                r = run_load(opts.tool, bins, url, body_path, headers, ph, opts.window, sc.stream,
                             sc.min_events)
                all1, gen1, mock1 = busy_ticks(), children_ticks(), cpu_ticks(target.up_proc.pid)
                cpu1, up1 = cpu_ticks(target.pid), upstream_stats(target.up_port)
                # what the rest of the machine used meanwhile, in cores: noise when far above 0
                ours = (cpu1 - cpu0) + (gen1 - gen0)
                if target.proc:
                    ours += mock1 - mock0
                r["other_cores"] = max(0.0, (all1 - all0) - ours) / TICK / max(r["elapsed_s"], 1e-9)
                done = max(r["completed"], 1)
                r["cpu_us_per_req"] = (cpu1 - cpu0) * 1e6 / TICK / done
                r["cpu_util"] = (cpu1 - cpu0) / TICK / r["elapsed_s"] if r["elapsed_s"] else None
                r["upstream_per_req"] = (up1["requests"] - up0["requests"]) / done
                r["ok_rate"] = r["ok"] / max(r["completed"] + r["errors"], 1)
                reps.append(r)
                if target.proc and not target.proc.alive():
                    raise BenchError("%s died during %s:\n%s"
                                     % (target.name, sc.name, target.proc.tail()))
            keys = ["rps", "p50", "p90", "p99", "p999", "cpu_us_per_req", "cpu_util", "ok_rate",
                    "other_cores",
                    "upstream_per_req", "ttft_p50", "ttft_p99", "ttft_p999", "gap_p50", "gap_p99",
                    "gap_p999", "events_per_stream"]
            med = {k: median([r.get(k) for r in reps]) for k in keys}
            res["phases"].append({"phase": ph.label, "mode": ph.mode, "median": med, "reps": reps})
        res["peak_rss_kb"] = status_kb(target.pid, "VmHWM")
        if target.name == "gproxy":
            time.sleep(0.3)
            res["usage_records"] = target.usage_records()
    finally:
        target.stop()
    return res
