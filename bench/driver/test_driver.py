"""Unit tests of the driver: bodies, report parsing, the checks, the table and /proc readings.

    python3 -m unittest discover -s bench/driver -t bench     (bench/run --smoke runs them first)
"""

import json
import os
import subprocess
import tempfile
import time
import unittest
from types import SimpleNamespace

from driver import load, procs, report, workload


class Bodies(unittest.TestCase):
    def test_padded_to_the_byte_and_shaped_per_protocol(self):
        for kind in ("chat", "anthropic", "responses", "gemini"):
            for size in (1024, 100 * 1024):
                b = workload.sized_body(kind, "gpt-4o-mini", size, False)
                self.assertEqual(len(b), size, kind)
                v = json.loads(b)
                self.assertIn("get_weather", json.dumps(v["tools"]))
        chat = json.loads(workload.sized_body("chat", "m", 1024, True))
        self.assertEqual([m["role"] for m in chat["messages"]], ["system", "user"])
        self.assertTrue(chat["stream"] and chat["stream_options"]["include_usage"])
        self.assertNotIn("stream", json.loads(workload.sized_body("anthropic", "m", 1024, False)))

    def test_paths(self):
        self.assertEqual(workload.path_for("gemini", "g", True),
                         "/v1beta/models/g:streamGenerateContent?alt=sse")
        self.assertEqual(workload.path_for("responses", "m", False), "/v1/responses")

    def test_scenario_names_are_unique_and_smoke_is_small(self):
        rates = {"chat": 2000, "edge": 500}
        full = [s.name for s in workload.scenarios(False, rates)]
        self.assertEqual(len(full), len(set(full)))
        for needed in ("chat-1k", "chat-100k", "chat-1m", "stream-50", "anthropic-to-chat",
                       "chat-to-anthropic", "responses-to-chat", "gemini-to-chat",
                       "slow-upstream", "faults"):
            self.assertIn(needed, full)
        smoke = workload.scenarios(True, rates)
        self.assertTrue(any(s.stream for s in smoke))
        self.assertTrue(any(s.kind != "chat" for s in smoke))
        self.assertLessEqual(len(smoke), 3)


OHA = {
    "summary": {"total": 2.0},
    "latencyPercentiles": {"p50": 0.001, "p90": 0.002, "p99": 0.004, "p99.9": 0.008},
    "statusCodeDistribution": {"200": 90, "429": 10},
    "errorDistribution": {"connection reset": 2},
}


class Parsing(unittest.TestCase):
    def test_oha(self):
        r = load.normalise_oha(OHA)
        self.assertEqual((r["completed"], r["ok"], r["non_2xx"], r["errors"]), (100, 90, 10, 2))
        self.assertEqual((r["p50"], r["p99"], r["p999"]), (1.0, 4.0, 8.0))
        self.assertEqual(r["rps"], 50.0)

    def test_loadgen_stream(self):
        summ = {"p50": 1.0, "p90": 2.0, "p99": 3.0, "p999": 4.0}
        d = {"completed": 5, "ok": 5, "non_2xx": 0, "errors": 0, "error_kinds": {},
             "status": {"200": 5}, "elapsed_s": 1.0, "rps": 5.0, "latency_ms": summ,
             "stream": {"ttft_ms": summ, "gap_ms": summ, "events_per_stream": 55.0,
                        "short_streams": 0, "stream_errors": 0}}
        r = load.normalise_loadgen(d)
        self.assertEqual((r["ttft_p99"], r["gap_p999"], r["events_per_stream"]), (3.0, 4.0, 55.0))


def phase_result(**over):
    rep = {"completed": 1000, "ok": 1000, "non_2xx": 0, "errors": 0, "error_kinds": {},
           "status": {"200": 1000}}
    rep.update(over)
    med = {"rps": 100.0, "p50": 1.0, "p90": 1.5, "p99": 2.0, "p999": 3.0, "cpu_us_per_req": 50.0,
           "cpu_util": 0.5, "ok_rate": rep["ok"] / rep["completed"], "upstream_per_req": 1.0}
    return {"phase": "max c=32", "mode": "max", "median": med, "reps": [rep]}


def result(scenario, target, **over):
    r = {"scenario": scenario, "target": target, "idle_rss_kb": 4096, "peak_rss_kb": 8192,
         "phases": [phase_result(**over)]}
    if target == "gproxy":
        r["usage_records"] = 1000
    return r


class Checks(unittest.TestCase):
    def setUp(self):
        self.scen = [workload.Scenario("chat-1k", "x", phases=[workload.Phase("max", 32)]),
                     workload.Scenario("faults", "x", phases=[workload.Phase("max", 32)],
                                       faults=True)]

    def test_clean_run_passes(self):
        rs = [result("chat-1k", t) for t in ("direct", "forwarder", "gproxy")]
        self.assertEqual(report.problems(rs, self.scen), [])

    def test_non_2xx_errors_and_missing_figures_fail(self):
        bad = result("chat-1k", "gproxy", ok=990, non_2xx=10, status={"200": 990, "502": 10})
        self.assertTrue(any("non-2xx" in p for p in report.problems([bad], self.scen)))
        bad = result("chat-1k", "forwarder", errors=3, error_kinds={"timeout": 3})
        self.assertTrue(any("transport errors" in p for p in report.problems([bad], self.scen)))
        bad = result("chat-1k", "gproxy")
        bad["phases"][0]["median"]["p99"] = None
        self.assertTrue(any("p99 missing" in p for p in report.problems([bad], self.scen)))
        bad = result("chat-1k", "gproxy")
        bad["usage_records"] = 0
        self.assertTrue(any("usage records" in p for p in report.problems([bad], self.scen)))
        down = {"scenario": "chat-1k", "target": "gproxy", "phases": [], "unavailable": "exited"}
        self.assertEqual(len(report.problems([down], self.scen)), 1)
        skipped = {"scenario": "chat-1k", "target": "forwarder-wreq", "phases": [], "skipped": True,
                   "unavailable": "collects whole answers; not a streaming proxy"}
        self.assertEqual(report.problems([skipped], self.scen), [])

    def test_faults_expect_errors_except_through_failover(self):
        ok = [result("faults", "forwarder", ok=900, non_2xx=100),
              result("faults", "gproxy", ok=990, non_2xx=10),
              {"scenario": "faults", "target": "litellm", "phases": [], "unavailable": "n/a"}]
        self.assertEqual(report.problems(ok, self.scen), [])
        bad = result("faults", "gproxy", ok=900, non_2xx=100)
        self.assertTrue(any("failover" in p for p in report.problems([bad], self.scen)))


class Table(unittest.TestCase):
    def test_ratios_added_latency_and_na(self):
        scen = [workload.Scenario("chat-1k", "x", phases=[workload.Phase("max", 32)])]
        direct = result("chat-1k", "direct")
        fwd = result("chat-1k", "forwarder")
        gp = result("chat-1k", "gproxy")
        gp["phases"][0]["median"].update(cpu_us_per_req=100.0, p99=5.0, rps=50.0)
        lite = {"scenario": "chat-1k", "target": "litellm", "phases": [],
                "unavailable": "no Gemini endpoint"}
        t = report.tables([direct, fwd, gp, lite], scen)
        row = next(line for line in t.splitlines() if "| gproxy |" in line)
        self.assertIn("| 2.00× |", row)   # CPU vs forwarder
        self.assertIn("| 0.50× |", row)   # rps vs forwarder
        self.assertIn("/ 3.00 |", row)     # added p99 = 5 - 2
        self.assertIn("n/a (no Gemini endpoint)", t)

    def test_doc_block_is_replaced_between_markers(self):
        mach = {"date": "d", "cpu": "c", "cores": 2, "memory_gib": 1.0, "kernel": "k",
                "rustc": "r"}
        opts = SimpleNamespace(reps=3, window=5.0, warmup=2.0, tool="oha")
        with tempfile.NamedTemporaryFile("w", suffix=".md", delete=False) as f:
            f.write("# B\n\nkept\n")
        try:
            report.write_doc("| t1 |", mach, opts, "", path=f.name)
            report.write_doc("| t2 |", mach, opts, "", path=f.name)
            text = open(f.name).read()
        finally:
            os.unlink(f.name)
        self.assertIn("kept", text)
        self.assertIn("| t2 |", text)
        self.assertNotIn("| t1 |", text)
        self.assertEqual(text.count(report.BEGIN), 1)


class Proc(unittest.TestCase):
    def test_cpu_memory_and_children(self):
        before = procs.cpu_ticks(os.getpid())
        end = time.time() + 0.15
        while time.time() < end:
            pass
        self.assertGreater(procs.cpu_ticks(os.getpid()), before)
        self.assertGreater(procs.status_kb(os.getpid(), "VmRSS"), 1000)
        child = subprocess.Popen(["sleep", "5"])
        try:
            self.assertIn(child.pid, procs.tree(os.getpid()))
        finally:
            child.kill()
            child.wait()


if __name__ == "__main__":
    unittest.main()
