"""The sides of the comparison: direct, the bare forwarder (with hyper's client or with wreq,
gproxy's), gproxy and LiteLLM."""

import os
import time

from .common import GPROXY_KEY, LITELLM_KEY, LITELLM_VENV, TARGET_CORE
from .procs import Proc, free_port

def gproxy_bundle(up):
    base = "http://127.0.0.1:%d" % up
    return """providers:
  - name: chatup
    channel: openai-compatible
    base_url: {base}/v1
    credentials: [{{name: main, api_key: sk-bench-upstream-1}}]
    models: [{{id: gpt-4o-mini, price: {{input: 0.15, output: 0.6}}}}]
  - name: chatup2
    channel: openai-compatible
    base_url: {base}/v1
    credentials: [{{name: main, api_key: sk-bench-upstream-2}}]
    models: [{{id: gpt-4o-mini, price: {{input: 0.15, output: 0.6}}}}]
  - name: claudeup
    channel: anthropic
    base_url: {base}/v1
    credentials: [{{name: main, api_key: sk-bench-upstream-3}}]
    models: [{{id: claude-sonnet-4-5, price: {{input: 3, output: 15}}}}]
routes:
  - {{name: gpt-4o-mini, members: [{{provider: chatup, model: gpt-4o-mini}}]}}
  - {{name: claude-sonnet-4-5, members: [{{provider: claudeup, model: claude-sonnet-4-5}}]}}
  - name: bench-failover
    strategy: failover
    members:
      - {{provider: chatup, model: gpt-4o-mini}}
      - {{provider: chatup2, model: gpt-4o-mini}}
users:
  - name: bench
    keys: [{{key: {key}, name: bench}}]
    permissions: ["*"]
""".format(base=base, key=GPROXY_KEY)


def litellm_config(up):
    base = "http://127.0.0.1:%d" % up
    return """model_list:
  - model_name: gpt-4o-mini
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: {base}/v1
      api_key: sk-bench-upstream-1
      use_chat_completions_api: true
  - model_name: claude-sonnet-4-5
    litellm_params:
      model: anthropic/claude-sonnet-4-5
      api_base: {base}
      api_key: sk-bench-upstream-3
  - model_name: bench-failover
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: {base}/v1
      api_key: sk-bench-upstream-1
  - model_name: bench-failover
    litellm_params:
      model: openai/gpt-4o-mini
      api_base: {base}/v1
      api_key: sk-bench-upstream-2
router_settings:
  num_retries: 2
litellm_settings:
  num_retries: 2
  request_timeout: 600
  telemetry: false
  drop_params: true
general_settings:
  master_key: {key}
""".format(base=base, key=LITELLM_KEY)


class Target:
    """One side of the comparison, started fresh for every scenario."""

    def __init__(self, name, bins, workdir, up_proc, up_port):
        self.name, self.bins, self.workdir = name, bins, workdir
        self.up_proc, self.up_port = up_proc, up_port
        self.proc = None
        self.port = up_port
        self.usage_log = None

    @property
    def pid(self):
        return (self.proc or self.up_proc).pid

    def skips(self, sc):
        """Why this target does not run scenario `sc` (not a failure), or None."""
        if self.name == "forwarder-wreq" and sc.stream:
            # it collects whole answers: a stream would be measured as one buffered body
            return "collects whole answers; not a streaming proxy"
        return None

    def headers(self, kind):
        h = {"content-type": "application/json"}
        if kind == "anthropic":
            h["anthropic-version"] = "2023-06-01"
        key = {"gproxy": GPROXY_KEY, "litellm": LITELLM_KEY}.get(self.name)
        h["authorization"] = "Bearer " + (key or "sk-bench-client")
        return h

    def start(self):
        if self.name == "direct":
            return
        self.port = free_port()
        listen = "127.0.0.1:%d" % self.port
        if self.name in ("forwarder", "forwarder-wreq"):
            client = "wreq" if self.name == "forwarder-wreq" else "hyper"
            self.proc = Proc(self.name, [self.bins["forwarder"], "--listen", listen, "--upstream",
                                         "127.0.0.1:%d" % self.up_port, "--workers", "1",
                                         "--client", client],
                             self.workdir, TARGET_CORE)
            self.proc.wait_http("http://%s/healthz" % listen, 30)
        elif self.name == "gproxy":
            bundle = os.path.join(self.workdir, "bundle.yaml")
            with open(bundle, "w") as f:
                f.write(gproxy_bundle(self.up_port))
            self.usage_log = os.path.join(self.workdir, "usage-%d.jsonl" % self.port)
            self.proc = Proc("gproxy", [self.bins["gproxy"], "--bundle", bundle, "--listen", listen,
                                        "--workers", "1", "--usage-log", self.usage_log,
                                        "--spool-dir", os.path.join(self.workdir, "spool")],
                             self.workdir, TARGET_CORE)
            self.proc.wait_http("http://%s/readyz" % listen, 60)
        elif self.name == "litellm":
            cfg = os.path.join(self.workdir, "litellm.yaml")
            with open(cfg, "w") as f:
                f.write(litellm_config(self.up_port))
            env = {"LITELLM_LOG": "ERROR", "LITELLM_TELEMETRY": "False", "DATABASE_URL": None,
                   "NO_DOCS": "True", "LITELLM_MODE": "PRODUCTION"}
            self.proc = Proc("litellm", [os.path.join(LITELLM_VENV, "bin", "litellm"), "--config",
                                         cfg, "--host", "127.0.0.1", "--port", str(self.port),
                                         "--num_workers", "1"],
                             self.workdir, TARGET_CORE, env)
            self.proc.wait_http("http://%s/health/liveliness" % listen, 180)
        # let start-up settle before the idle reading
        time.sleep(0.5)

    def stop(self):
        if self.proc:
            self.proc.stop()
            self.proc = None

    def usage_records(self):
        if not self.usage_log or not os.path.exists(self.usage_log):
            return 0
        with open(self.usage_log, "rb") as f:
            return sum(1 for _ in f)
