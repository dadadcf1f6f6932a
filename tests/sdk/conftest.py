"""Shared setup of the SDK conformance suite: where the gateway is, the routes, prompts and tools,
the upstream check against the mock, and the known-issue tables (known_issues.py) applied as
strict xfails.

run.sh exports:
  GPROXY_SDK_MODE      gateway (default) | direct (SDKs talk to the mock with its native models)
  GPROXY_SDK_BASE_URL  http://127.0.0.1:PORT of the data plane (direct: of the mock)
  GPROXY_SDK_MOCK_URL  http://127.0.0.1:PORT of the mock upstream (its control endpoints)
  GPROXY_SDK_KEY       the client key (gp-test-key-0001)
"""

import json
import os
import urllib.request

import pytest

from known_issues import KNOWN_BUGS, MOCK_GAPS

MODE = os.environ.get("GPROXY_SDK_MODE", "gateway")
BASE_URL = os.environ.get("GPROXY_SDK_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
MOCK_URL = os.environ.get("GPROXY_SDK_MOCK_URL", "").rstrip("/")
KEY = os.environ.get("GPROXY_SDK_KEY", "gp-test-key-0001")
BAD_KEY = "gp-wrong-key-9999"
TIMEOUT_S = 30.0
GATEWAY = MODE == "gateway"

ROUTES = ["via-chat", "via-responses", "via-anthropic", "via-gemini"] if GATEWAY else ["direct"]

# In direct mode every SDK talks to the mock in its own protocol; the mock answers any model name.
DIRECT_MODELS = {
    "openai_chat": "gpt-4o",
    "openai_responses": "gpt-4o",
    "anthropic": "claude-sonnet-4-5",
    "gemini": "gemini-2.5-flash",
}

# The upstream path the gateway must call for (inbound SDK, route). The `openai` channel of
# `up-responses` serves Chat Completions natively, so an OpenAI chat client goes through passthrough.
UPSTREAM_PATH = {
    "via-chat": lambda inbound: "/v1/chat/completions",
    "via-responses": lambda inbound: "/v1/chat/completions" if inbound == "openai_chat" else "/v1/responses",
    "via-anthropic": lambda inbound: "/v1/messages",
    "via-gemini": lambda inbound: "/v1beta/models/m-gemini:",
}
DIRECT_PATH = {
    "openai_chat": "/v1/chat/completions",
    "openai_responses": "/v1/responses",
    "anthropic": "/v1/messages",
    "gemini": "/v1beta/models/gemini-2.5-flash:",
}

PROMPT = "What is the weather like in Paris today?"
EXPECTED_TEXT = "mock reply to: " + PROMPT[:64]
TOOL_PROMPT = "Use the tool to get the weather in Paris."
TOOL_RESULT = "sunny, 21 C"
EXPECTED_TOOL_ANSWER = "tool said: " + TOOL_RESULT

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string", "description": "City name"}},
    "required": ["city"],
}
WEATHER_DESCRIPTION = "Get the current weather for a city."

# Parallel calls: the mock calls the first two tools when the user text contains "parallel"; after
# tool results it answers with the last one, so the order of results must survive translation.
PARALLEL_PROMPT = "In parallel, get the weather and the local time in Paris."
TIME_SCHEMA = {
    "type": "object",
    "properties": {"timezone": {"type": "string", "description": "IANA time zone"}},
    "required": ["timezone"],
}
TIME_DESCRIPTION = "Get the local time in a time zone."
TIME_RESULT = "14:05 CET"
EXPECTED_PARALLEL_ANSWER = "tool said: " + TIME_RESULT


def model_for(inbound: str, route: str) -> str:
    return DIRECT_MODELS[inbound] if route == "direct" else route


def positive_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _params(item) -> dict:
    callspec = getattr(item, "callspec", None)
    params = dict(callspec.params) if callspec else {}
    inbound = getattr(item.module, "INBOUND", None)
    if inbound:
        params.setdefault("inbound", inbound)
    return params


def _matches(entry: dict, item, params: dict) -> bool:
    if entry["test"] != item.originalname:
        return False
    return all(params.get(k) == v for k, v in entry.items() if k not in ("test", "reason"))


def pytest_collection_modifyitems(config, items):
    tables = ([("gateway bug", KNOWN_BUGS)] if GATEWAY else []) + [("mock gap", MOCK_GAPS)]
    for item in items:
        params = _params(item)
        for label, table in tables:
            entry = next((e for e in table if _matches(e, item, params)), None)
            if entry:
                item.add_marker(pytest.mark.xfail(strict=True, reason=f"{label}: {entry['reason']}"))
                break


def pytest_report_header(config):
    return f"gproxy sdk conformance: mode={MODE} base_url={BASE_URL} mock={MOCK_URL or '-'}"


def _mock(method: str, path: str):
    req = urllib.request.Request(MOCK_URL + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read() or b"null")


class Upstream:
    """What the mock upstream received during one test (path -> count of 2xx answers)."""

    def __init__(self, inbound: str, route: str):
        self.inbound = inbound
        self.route = route

    def hits(self) -> dict[str, int]:
        counts = _mock("GET", "/__mock/stats")["counts"]
        return {p: sum(n for s, n in by.items() if s.startswith("2")) for p, by in counts.items()}

    def assert_called(self, suffix: str = ""):
        """The request reached the expected upstream protocol (and, for Gemini, method suffix)."""
        want = DIRECT_PATH[self.inbound] if self.route == "direct" else UPSTREAM_PATH[self.route](self.inbound)
        if want.endswith(":"):
            want += suffix
        hits = self.hits()
        assert any(p.startswith(want) for p in hits), f"expected an upstream call to {want}, mock saw {hits}"


@pytest.fixture(autouse=True)
def _fresh_mock_stats():
    """Every test starts with empty mock stats, so what the mock recorded belongs to that test."""
    if MOCK_URL:
        _mock("POST", "/__mock/stats/reset")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show what the gateway sent upstream (the mock keeps the last few requests)."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed or not MOCK_URL:
        return
    try:
        requests = _mock("GET", "/__mock/stats")["requests"][-3:]
    except Exception as exc:  # the mock may be the thing that died
        report.sections.append(("upstream requests", f"cannot read mock stats: {exc}"))
        return
    lines = []
    for r in requests:
        lines.append(f"{r.get('method')} {r.get('path')}{'?' + r['query'] if r.get('query') else ''}")
        lines.append(str(r.get("body", ""))[:4000])
    report.sections.append(("upstream requests (last 3, oldest first)", "\n".join(lines) or "none"))


@pytest.fixture
def upstream(request):
    """`upstream.assert_called()` checks which upstream protocol the gateway used."""
    if not MOCK_URL:
        pytest.skip("GPROXY_SDK_MOCK_URL not set")
    params = request.node.callspec.params
    inbound = getattr(request.module, "INBOUND", None) or params["inbound"]
    return Upstream(inbound, params["route"])


def gateway_only():
    return pytest.mark.skipif(not GATEWAY, reason="needs the gateway (routes, model resolution)")
