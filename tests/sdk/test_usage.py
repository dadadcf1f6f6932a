"""Accounting seen from the client: every SDK call on every route leaves one usage record (the data
plane's `--usage-log` JSONL) whose token counts are the ones the SDK reported, priced per the bundle
(input 1, output 2 USD per 1M tokens)."""

import json
import os
import time
import uuid

import pytest

from clients import INBOUNDS, make
from conftest import EXPECTED_TEXT, GATEWAY, PROMPT, ROUTES, model_for

USAGE_LOG = os.environ.get("GPROXY_SDK_USAGE_LOG", "")
PROVIDER = {
    "via-chat": "up-chat",
    "via-responses": "up-responses",
    "via-anthropic": "up-anthropic",
    "via-gemini": "up-gemini",
}
UPSTREAM_KIND = {"via-chat": "openai_chat", "via-anthropic": "anthropic_messages", "via-gemini": "gemini"}
INBOUND_KIND = {
    "openai_chat": "openai_chat",
    "openai_responses": "openai_responses",
    "anthropic": "anthropic_messages",
    "gemini": "gemini",
}

pytestmark = pytest.mark.skipif(not (GATEWAY and USAGE_LOG), reason="needs the gateway's --usage-log")


def call(inbound: str, client, model: str, stream: bool, rid: str) -> tuple[str, int, int]:
    """One request with `x-request-id: rid`; returns (text, input tokens, output tokens) as the SDK saw them."""
    headers = {"x-request-id": rid}
    messages = [{"role": "user", "content": PROMPT}]
    if inbound == "openai_chat":
        if not stream:
            r = client.chat.completions.create(model=model, messages=messages, extra_headers=headers)
            return r.choices[0].message.content, r.usage.prompt_tokens, r.usage.completion_tokens
        text, usage = "", None
        for c in client.chat.completions.create(
            model=model, messages=messages, stream=True, stream_options={"include_usage": True}, extra_headers=headers
        ):
            text += "".join(ch.delta.content or "" for ch in c.choices)
            usage = c.usage or usage
        return text, usage.prompt_tokens, usage.completion_tokens
    if inbound == "openai_responses":
        if not stream:
            r = client.responses.create(model=model, input=PROMPT, extra_headers=headers)
        else:
            with client.responses.stream(model=model, input=PROMPT, extra_headers=headers) as s:
                r = s.get_final_response()
        return r.output_text, r.usage.input_tokens, r.usage.output_tokens
    if inbound == "anthropic":
        if not stream:
            m = client.messages.create(model=model, max_tokens=256, messages=messages, extra_headers=headers)
        else:
            with client.messages.stream(model=model, max_tokens=256, messages=messages, extra_headers=headers) as s:
                m = s.get_final_message()
        u = m.usage
        return m.content[0].text, u.input_tokens + (u.cache_read_input_tokens or 0), u.output_tokens
    from google.genai import types

    config = types.GenerateContentConfig(http_options=types.HttpOptions(headers=headers))
    if not stream:
        r = client.models.generate_content(model=model, contents=PROMPT, config=config)
        text, u = r.text, r.usage_metadata
    else:
        chunks = list(client.models.generate_content_stream(model=model, contents=PROMPT, config=config))
        text, u = "".join(c.text or "" for c in chunks), chunks[-1].usage_metadata
    return text, u.prompt_token_count, u.candidates_token_count + (u.thoughts_token_count or 0)


def record_for(rid: str, timeout_s: float = 10.0) -> dict:
    end = time.time() + timeout_s
    while time.time() < end:
        try:
            with open(USAGE_LOG, encoding="utf-8") as f:
                for line in f:
                    if f'"{rid}"' in line:
                        rec = json.loads(line)
                        if rec.get("request_id") == rid:
                            return rec
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no usage record for request {rid} in {USAGE_LOG} after {timeout_s}s")


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_usage_record_matches_sdk(inbound, route, stream):
    rid = f"sdk-usage-{uuid.uuid4().hex[:12]}"
    text, seen_in, seen_out = call(inbound, make(inbound), model_for(inbound, route), stream, rid)
    assert text == EXPECTED_TEXT
    rec = record_for(rid)
    assert rec["route"] == route, rec
    assert rec["provider"] == PROVIDER[route], rec
    assert rec["inbound_kind"] == INBOUND_KIND[inbound], rec
    want_kind = UPSTREAM_KIND.get(route) or ("openai_chat" if inbound == "openai_chat" else "openai_responses")
    assert rec["upstream_kind"] == want_kind, rec
    assert rec["stream"] is stream, rec
    assert (rec["status"], rec["end"]) == (200, "completed"), rec
    assert rec["user"] == "sdk", rec
    assert (rec["input_tokens"], rec["output_tokens"]) == (seen_in, seen_out), (
        f"usage record {rec['input_tokens']}/{rec['output_tokens']} != what the client saw {seen_in}/{seen_out}"
    )
    want_cost = (seen_in * 1 + seen_out * 2) / 1e6
    assert abs(rec["cost_usd"] - want_cost) < 1e-9, (rec["cost_usd"], want_cost)
    if stream:
        assert rec["ttft_ms"] is not None, rec
