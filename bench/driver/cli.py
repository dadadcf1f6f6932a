"""`bench/run`: flags, then every scenario against every target, the table and the raw JSON."""

import argparse
import datetime
import json
import os
import shutil
import signal
import sys

import tempfile
import time

from .common import DOC, LOAD_CORE, ROOT, TARGET_CORE, TARGETS, BenchError, log
from .load import measure
from .procs import Proc, cpu_pressure, free_port
from .report import fmt, machine, problems, tables, write_doc
from .targets import Target
from .tools import build, build_paths, ensure_litellm, ensure_oha, litellm_version
from .workload import scenarios

def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--smoke", action="store_true", help="CI check: debug build, tiny windows, no LiteLLM")
    ap.add_argument("--only", action="append", default=[], help="scenario name(s) to run")
    ap.add_argument("--targets", default=",".join(TARGETS), help="comma list of targets")
    ap.add_argument("--reps", type=int, help="measured windows per phase (default 3; smoke 1)")
    ap.add_argument("--window", type=float, help="seconds per measured window (default 5; smoke 1)")
    ap.add_argument("--warmup", type=float, help="seconds of warm-up per phase (default 2; smoke 0.5)")
    ap.add_argument("--chat-rate", type=int, default=10000, help="fixed rate of chat-1k (default 10000)")
    ap.add_argument("--edge-rate", type=int, default=2000, help="fixed rate of translations (default 2000)")
    ap.add_argument("--loadgen", choices=["oha", "builtin"], help="request/response load generator "
                    "(default oha; smoke builtin)")
    ap.add_argument("--no-litellm", action="store_true", help="skip LiteLLM")
    ap.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    ap.add_argument("--no-build", action="store_true", help="use the binaries already built")
    ap.add_argument("--list", action="store_true", help="print scenario names and exit")
    ap.add_argument("--render", metavar="JSON", help="re-print the tables of a raw results file "
                    "(and write them into docs/benchmarks.md unless --no-write)")
    ap.add_argument("--self-test", action="store_true", help="run the driver's unit tests and exit "
                    "(--smoke runs them first)")
    opts = ap.parse_args()
    opts.reps = opts.reps or (1 if opts.smoke else 3)
    opts.window = opts.window or (1.0 if opts.smoke else 5.0)
    opts.warmup = opts.warmup if opts.warmup is not None else (0.5 if opts.smoke else 2.0)
    opts.tool = opts.loadgen or ("builtin" if opts.smoke else "oha")
    rates = {"chat": opts.chat_rate, "edge": opts.edge_rate}

    if opts.self_test or opts.smoke:
        if not self_test():
            return 1
        if opts.self_test:
            return 0

    if opts.render:
        return render(opts.render, opts.no_write)

    scen = scenarios(opts.smoke, rates)
    if opts.list:
        for s in scen:
            print("%-20s %s" % (s.name, s.what))
        return 0
    wanted = {n.strip() for o in opts.only for n in o.split(",") if n.strip()}
    unknown = wanted - {s.name for s in scen}
    if unknown:
        log("unknown scenario(s): %s (see --list)" % ", ".join(sorted(unknown)))
        return 2
    if wanted:
        scen = [s for s in scen if s.name in wanted]
    targets = [t for t in opts.targets.split(",") if t]
    if any(t not in TARGETS for t in targets):
        log("targets are %s" % ", ".join(TARGETS))
        return 2
    if shutil.which("taskset") is None:
        log("taskset (util-linux) is required")
        return 2
    if TARGET_CORE == LOAD_CORE:
        log("warning: one core only, the load generator and the target share it")
    try:
        # other work on the machine (builds) must not steal the benchmark's cores
        os.nice(-10)
    except OSError:
        log("note: cannot raise priority (not root); other load on the machine will show")

    lite_note = ""
    if "litellm" in targets:
        reason = "not in --smoke" if opts.smoke else ("--no-litellm" if opts.no_litellm else ensure_litellm())
        if reason:
            print("LiteLLM skipped: %s" % reason)
            targets.remove("litellm")
        else:
            v = litellm_version()
            lite_note = ", LiteLLM %s" % v if v else ""
    if opts.tool == "oha" and not ensure_oha():
        log("oha could not be installed; using bench-loadgen for every scenario")
        opts.tool = "builtin"

    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(max(soft, 65536), hard), hard))
    except (ImportError, ValueError, OSError):
        pass

    try:
        bins = build(opts.smoke) if not opts.no_build else build_paths(opts.smoke, targets)
    except BenchError as e:
        log("FAIL: %s" % e)
        return 1

    # a stopped driver stops what it started (the finally blocks below run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    mach = machine()
    results, failures = [], []
    workdir = tempfile.mkdtemp(prefix="gproxy-bench-")
    t_start = time.time()
    try:
        for sc in scen:
            log("==== %s: %s (load average %.1f)" % (sc.name, sc.what, os.getloadavg()[0]))
            up_port = free_port()
            up = Proc("upstream-" + sc.name, [bins["upstream"], "--listen", "127.0.0.1:%d" % up_port,
                                               "--threads", "1"] + sc.upstream, workdir, LOAD_CORE)
            try:
                up.wait_http("http://127.0.0.1:%d/healthz" % up_port, 30)
                for t in targets:
                    target = Target(t, bins, workdir, up, up_port)
                    try:
                        why = target.skips(sc)
                        if why:
                            r = {"scenario": sc.name, "target": t, "phases": [], "skipped": True,
                                 "unavailable": why}
                        else:
                            r = measure(sc, target, bins, opts, workdir)
                    except BenchError as e:
                        r = {"scenario": sc.name, "target": t, "phases": [], "unavailable": str(e)}
                        if t != "litellm":
                            failures.append("%s/%s: %s" % (sc.name, t, e))
                    r["loadavg_after"] = round(os.getloadavg()[0], 2)
                    r["cpu_pressure_after"] = cpu_pressure()
                    results.append(r)
                    if r.get("unavailable"):
                        log("  %-9s n/a: %s" % (t, r["unavailable"].splitlines()[0][:160]))
                    else:
                        for ph in r["phases"]:
                            m = ph["median"]
                            log("  %-9s %-12s rps %8s  p99 %8s ms  cpu %8s us/req  ok %5s  "
                                "other load %s cores" % (
                                    t, ph["phase"], fmt(m["rps"]), fmt(m["p99"], 2),
                                    fmt(m["cpu_us_per_req"]), fmt(100 * (m["ok_rate"] or 0)),
                                    fmt(m["other_cores"], 2)))
            except BenchError as e:
                failures.append("%s: %s" % (sc.name, e))
            finally:
                up.stop()
    finally:
        elapsed = time.time() - t_start
    # the raw results are saved first: a report bug must not lose a half-hour run
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    os.makedirs(os.path.join(ROOT, "bench", "results"), exist_ok=True)
    out_path = os.path.join(ROOT, "bench", "results", "%s%s.json" % (stamp, "-smoke" if opts.smoke else ""))
    with open(out_path, "w") as f:
        json.dump({"machine": mach, "options": {k: v for k, v in vars(opts).items()},
                   "litellm": lite_note.strip(", ") or None, "results": results,
                   "failures": failures, "elapsed_s": elapsed}, f, indent=1)
    table = tables(results, scen)
    print()
    print(table)
    failures += problems(results, scen)
    print("raw results: %s (%.0f s)" % (os.path.relpath(out_path, ROOT), elapsed))
    if not opts.smoke and not opts.no_write and not wanted:
        write_doc(table, mach, opts, lite_note, noise_note(results))
        print("updated %s" % os.path.relpath(DOC, ROOT))
    shutil.rmtree(workdir, ignore_errors=True)
    if failures:
        print("\nFAILED:")
        for f in failures:
            print("  - " + f.replace("\n", "\n    "))
        return 1
    print("bench: %d scenarios, all targets answered" % len(scen))
    return 0


def self_test():
    import unittest
    bench = os.path.join(ROOT, "bench")
    suite = unittest.defaultTestLoader.discover(os.path.join(bench, "driver"), top_level_dir=bench)
    return unittest.TextTestRunner(stream=sys.stderr, verbosity=1).run(suite).wasSuccessful()


def noise_note(results):
    other = sorted(ph["median"]["other_cores"] for r in results for ph in r["phases"]
                   if ph["median"].get("other_cores") is not None)
    if not other:
        return ""
    return (" CPU used by other work on the machine during the measured windows: median %.2f cores, "
            "max %.2f." % (other[len(other) // 2], other[-1]))


def render(path, no_write):
    """Tables of a finished run, from its raw JSON."""
    import types
    with open(path) as f:
        raw = json.load(f)
    o = raw["options"]
    scen = scenarios(o["smoke"], {"chat": o["chat_rate"], "edge": o["edge_rate"]})
    names = {r["scenario"] for r in raw["results"]}
    scen = [s for s in scen if s.name in names]
    table = tables(raw["results"], scen)
    print(table)
    if not no_write and not o["smoke"]:
        opts = types.SimpleNamespace(reps=o["reps"], window=o["window"], warmup=o["warmup"],
                                     tool=o["tool"])
        lite = raw.get("litellm")
        write_doc(table, raw["machine"], opts, ", " + lite if lite else "", noise_note(raw["results"]))
        print("updated %s" % os.path.relpath(DOC, ROOT))
    return 0
