"""The markdown tables, the checks that fail a run, the machine description and the doc update."""

import datetime
import os
import platform
import subprocess

from .common import BEGIN, DOC, END, TARGETS

def fmt(v, digits=1):
    if v is None:
        return "—"
    if abs(v) >= 100:
        return "%.0f" % v
    return ("%." + str(digits) + "f") % v


def sub(a, b):
    """a - b, or None when either is missing (a stream too short to have gaps, say)."""
    return None if a is None or b is None else a - b


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "—"
    x = a / b
    if x >= 10:
        return "%.0f×" % x
    return ("%.2f×" if x >= 0.1 else "%.3f×") % x


def tables(results, scen):
    """Markdown tables: request/response, streams, slow upstream, faults."""
    by = {(r["scenario"], r["target"]): r for r in results}
    req = ["| scenario | load | target | rps | p50 ms | p99 ms | p99.9 ms | added p50 / p99 ms "
           "| CPU µs/req | CPU vs fwd | CPU vs LiteLLM | rps vs fwd | rps vs LiteLLM "
           "| RSS idle / peak MB | ok |",
           "|" + "---|" * 15]
    stream = ["| scenario | target | streams/s | TTFT p50 / p99 ms | added TTFT p99 ms "
              "| gap p50 / p99 / p99.9 ms | added gap p99 ms | CPU µs/stream | CPU vs fwd "
              "| CPU vs LiteLLM | RSS idle / peak MB | ok |",
              "|" + "---|" * 12]
    slow = ["| target | rps | p50 ms | p99 ms | RSS idle / peak MB | RSS per in-flight request KB |",
            "|---|---|---|---|---|---|"]
    faults = ["| target | ok % | upstream requests per client request | CPU µs/req | p99 ms | note |",
              "|---|---|---|---|---|---|"]
    for sc in scen:
        for pi, ph in enumerate(sc.phases):
            def get(t):
                r = by.get((sc.name, t))
                if not r or r.get("unavailable") or len(r["phases"]) <= pi:
                    return None
                return r["phases"][pi]["median"]
            base = get("direct")
            fwd = get("forwarder")
            lite = get("litellm")
            for t in TARGETS:
                r = by.get((sc.name, t))
                if r is None:
                    continue
                m = get(t)
                rss = "%s / %s" % (fmt(r.get("idle_rss_kb", 0) / 1024),
                                   fmt(r.get("peak_rss_kb", 0) / 1024)) if m else "—"
                if m is None:
                    why = r.get("unavailable", "not run")
                    row = "| %s | %s | %s | n/a (%s) |" % (sc.name, ph.label, t, why[:60].replace("|", "/"))
                    (stream if sc.stream else req).append(row)
                    continue
                cpu = m["cpu_us_per_req"]
                vs = lambda o, k: ratio(m[k], o[k]) if o and t not in ("direct",) else "—"
                ok = "%.1f%%" % (100 * m["ok_rate"]) if m["ok_rate"] is not None else "—"
                if sc.stream:
                    add_ttft = sub(m["ttft_p99"], base["ttft_p99"]) if base and t != "direct" else None
                    add_gap = sub(m["gap_p99"], base["gap_p99"]) if base and t != "direct" else None
                    stream.append("| %s | %s | %s | %s / %s | %s | %s / %s / %s | %s | %s | %s | %s | %s | %s |" % (
                        sc.name, t, fmt(m["rps"]), fmt(m["ttft_p50"], 2), fmt(m["ttft_p99"], 2),
                        fmt(add_ttft, 2), fmt(m["gap_p50"], 2), fmt(m["gap_p99"], 2),
                        fmt(m["gap_p999"], 2), fmt(add_gap, 2), fmt(cpu),
                        vs(fwd, "cpu_us_per_req") if t != "forwarder" else "1.00×",
                        vs(lite, "cpu_us_per_req") if t != "litellm" else "1.00×", rss, ok))
                    continue
                add50 = (m["p50"] - base["p50"]) if base and t != "direct" else None
                add99 = (m["p99"] - base["p99"]) if base and t != "direct" else None
                req.append("| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    sc.name, ph.label, t, fmt(m["rps"]), fmt(m["p50"], 2), fmt(m["p99"], 2),
                    fmt(m["p999"], 2), fmt(add50, 2), fmt(add99, 2), fmt(cpu),
                    vs(fwd, "cpu_us_per_req") if t != "forwarder" else "1.00×",
                    vs(lite, "cpu_us_per_req") if t != "litellm" else "1.00×",
                    vs(fwd, "rps") if t != "forwarder" else "1.00×",
                    vs(lite, "rps") if t != "litellm" else "1.00×", rss, ok))
                if sc.name == "slow-upstream":
                    per = (r["peak_rss_kb"] - r["idle_rss_kb"]) / ph.concurrency
                    slow.append("| %s | %s | %s | %s | %s | %.1f |" % (
                        t, fmt(m["rps"]), fmt(m["p50"], 1), fmt(m["p99"], 1), rss, per))
                if sc.faults:
                    note = {"direct": "errors reach the client",
                            "forwarder": "forwards the errors as they are",
                            "forwarder-wreq": "forwards the errors as they are",
                            "gproxy": "failover route, two members",
                            "litellm": "two deployments, num_retries 2; failing deployments are "
                                       "put in cooldown and refused (429)"}[t]
                    faults.append("| %s | %s | %.2f | %s | %s | %s |" % (
                        t, ok, m["upstream_per_req"] or 0, fmt(cpu), fmt(m["p99"], 2), note))
    out = []
    if len(req) > 2:
        out += ["Request / response:", ""] + req + [""]
    if len(stream) > 2:
        out += ["Streams:", ""] + stream + [""]
    if len(slow) > 2:
        out += ["Slow upstream (1 s, 1000 in flight):", ""] + slow + [""]
    if len(faults) > 2:
        out += ["Faults (10% 429/500 from the upstream):", ""] + faults + [""]
    return "\n".join(out)


# --- checks -------------------------------------------------------------------------------------

def problems(results, scen):
    """What makes a run fail: non-2xx where 2xx is expected, errors, missing figures."""
    out = []
    sc_by = {s.name: s for s in scen}
    for r in results:
        sc = sc_by[r["scenario"]]
        who = "%s/%s" % (r["scenario"], r["target"])
        if r.get("unavailable"):
            if r["target"] != "litellm" and not r.get("skipped"):
                out.append("%s: %s" % (who, r["unavailable"]))
            continue
        for k in ("idle_rss_kb", "peak_rss_kb"):
            if not r.get(k):
                out.append("%s: no %s" % (who, k))
        if r["target"] == "gproxy" and not r.get("usage_records"):
            out.append("%s: no usage records written" % who)
        for ph in r["phases"]:
            for rep in ph["reps"]:
                if rep["completed"] == 0:
                    out.append("%s %s: no request completed" % (who, ph["phase"]))
                if rep["errors"]:
                    out.append("%s %s: %d transport errors %s" % (who, ph["phase"], rep["errors"],
                                                                   rep["error_kinds"]))
                if not sc.faults and rep["non_2xx"]:
                    out.append("%s %s: non-2xx answers %s" % (who, ph["phase"], rep["status"]))
                # two members tried once each: both fail for about p² = 1% of requests
                if sc.faults and r["target"] == "gproxy" and rep["ok"] < 0.97 * rep["completed"]:
                    out.append("%s %s: failover left %d errors %s" % (
                        who, ph["phase"], rep["non_2xx"], rep["status"]))
                if rep.get("short_streams") or rep.get("stream_errors"):
                    out.append("%s %s: %s short streams, %s stream errors" % (
                        who, ph["phase"], rep.get("short_streams"), rep.get("stream_errors")))
            need = ["rps", "p50", "p99", "cpu_us_per_req"]
            if sc.stream:
                need += ["ttft_p50", "ttft_p99"]
                if "--chunk-gap-ms" in sc.upstream:
                    need += ["gap_p50", "gap_p99"]
            for k in need:
                if ph["median"].get(k) is None:
                    out.append("%s %s: figure %s missing" % (who, ph["phase"], k))
    return out


def machine():
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": model or platform.processor(), "cores": os.cpu_count(),
            "memory_gib": round(mem_gb, 1), "kernel": platform.release(), "rustc": rustc,
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def write_doc(table, mach, opts, lite_note, note="", path=DOC):
    with open(path) as f:
        doc = f.read()
    block = "\n".join([
        BEGIN,
        "",
        "Measured %s on %s, %d cores, %.0f GiB, Linux %s, %s%s. %d repetitions of %gs windows "
        "after %gs warm-up, medians shown. Load generator: %s." % (
            mach["date"], mach["cpu"], mach["cores"], mach["memory_gib"], mach["kernel"],
            mach["rustc"], lite_note, opts.reps, opts.window, opts.warmup,
            "oha (request/response) and bench-loadgen (streams)" if opts.tool == "oha"
            else "bench-loadgen") + note,
        "",
        table.rstrip(),
        "",
        END,
    ])
    if BEGIN in doc and END in doc:
        head, rest = doc.split(BEGIN, 1)
        doc = head + block + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(doc)
