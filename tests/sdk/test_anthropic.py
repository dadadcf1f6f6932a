"""Anthropic Python SDK, Messages API, against every route: text, stream, tools, streamed tools."""

import json

import anthropic
import pytest

from conftest import (
    BASE_URL,
    EXPECTED_PARALLEL_ANSWER,
    EXPECTED_TEXT,
    EXPECTED_TOOL_ANSWER,
    KEY,
    PARALLEL_PROMPT,
    PROMPT,
    ROUTES,
    TIME_DESCRIPTION,
    TIME_RESULT,
    TIME_SCHEMA,
    TIMEOUT_S,
    TOOL_PROMPT,
    TOOL_RESULT,
    WEATHER_DESCRIPTION,
    WEATHER_SCHEMA,
    model_for,
    positive_int,
)

INBOUND = "anthropic"
TOOLS = [{"name": "get_weather", "description": WEATHER_DESCRIPTION, "input_schema": WEATHER_SCHEMA}]
TWO_TOOLS = TOOLS + [{"name": "get_time", "description": TIME_DESCRIPTION, "input_schema": TIME_SCHEMA}]
MAX_TOKENS = 256


@pytest.fixture(scope="module")
def client():
    return anthropic.Anthropic(base_url=BASE_URL, api_key=KEY, max_retries=0, timeout=TIMEOUT_S)


def assert_usage(usage):
    assert usage is not None, "no usage in the message"
    assert positive_int(usage.input_tokens), usage
    assert positive_int(usage.output_tokens), usage


def text_of(message) -> str:
    return "".join(block.text for block in message.content if block.type == "text")


@pytest.mark.parametrize("route", ROUTES)
def test_text(client, route, upstream):
    m = client.messages.create(
        model=model_for(INBOUND, route), max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": PROMPT}]
    )
    assert m.type == "message"
    assert m.role == "assistant"
    assert [b.type for b in m.content] == ["text"]
    assert text_of(m) == EXPECTED_TEXT
    assert m.stop_reason == "end_turn"
    assert m.id
    assert_usage(m.usage)
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_text_with_system(client, route):
    """A system prompt and content blocks, the way most apps call it."""
    m = client.messages.create(
        model=model_for(INBOUND, route),
        max_tokens=MAX_TOKENS,
        system="You are terse.",
        messages=[{"role": "user", "content": [{"type": "text", "text": PROMPT}]}],
    )
    assert text_of(m) == EXPECTED_TEXT
    assert_usage(m.usage)


@pytest.mark.parametrize("route", ROUTES)
def test_stream(client, route, upstream):
    with client.messages.stream(
        model=model_for(INBOUND, route), max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": PROMPT}]
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == EXPECTED_TEXT
    assert text_of(final) == EXPECTED_TEXT
    assert final.stop_reason == "end_turn"
    assert_usage(final.usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_raw_events(client, route):
    """`stream=True` raw events: the documented order, one message_start and message_stop."""
    events = list(
        client.messages.create(
            model=model_for(INBOUND, route),
            max_tokens=MAX_TOKENS,
            messages=[{"role": "user", "content": PROMPT}],
            stream=True,
        )
    )
    types = [e.type for e in events]
    assert types[0] == "message_start", types
    assert types[-1] == "message_stop", types
    assert types.count("message_start") == 1 and types.count("message_delta") == 1, types
    text = "".join(e.delta.text for e in events if e.type == "content_block_delta" and e.delta.type == "text_delta")
    assert text == EXPECTED_TEXT
    delta = next(e for e in events if e.type == "message_delta")
    assert delta.delta.stop_reason == "end_turn"
    assert positive_int(delta.usage.output_tokens), delta.usage


@pytest.mark.parametrize("route", ROUTES)
def test_tool_round_trip(client, route, upstream):
    model = model_for(INBOUND, route)
    messages = [{"role": "user", "content": TOOL_PROMPT}]
    m = client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=messages, tools=TOOLS)
    assert m.stop_reason == "tool_use"
    uses = [b for b in m.content if b.type == "tool_use"]
    assert len(uses) == 1, m.content
    use = uses[0]
    assert use.name == "get_weather"
    assert use.id
    assert isinstance(use.input, dict) and isinstance(use.input.get("city"), str), use.input
    assert_usage(m.usage)

    messages.append({"role": "assistant", "content": m.content})
    messages.append(
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id, "content": TOOL_RESULT}]}
    )
    m2 = client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=messages, tools=TOOLS)
    assert text_of(m2) == EXPECTED_TOOL_ANSWER
    assert m2.stop_reason == "end_turn"
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_tool_call(client, route, upstream):
    with client.messages.stream(
        model=model_for(INBOUND, route),
        max_tokens=MAX_TOKENS,
        messages=[{"role": "user", "content": TOOL_PROMPT}],
        tools=TOOLS,
    ) as stream:
        starts, partial = [], []
        for event in stream:
            if event.type == "content_block_start" and event.content_block.type == "tool_use":
                starts.append(event.content_block)
            elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                partial.append(event.delta.partial_json)
        final = stream.get_final_message()
    assert len(starts) == 1, starts
    assert starts[0].name == "get_weather"
    assert starts[0].id
    args = json.loads("".join(partial))
    assert isinstance(args.get("city"), str), args
    assert final.stop_reason == "tool_use"
    uses = [b for b in final.content if b.type == "tool_use"]
    assert [(u.name, u.input) for u in uses] == [("get_weather", args)]
    assert_usage(final.usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_parallel_tool_calls(client, route):
    model = model_for(INBOUND, route)
    messages = [{"role": "user", "content": PARALLEL_PROMPT}]
    m = client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=messages, tools=TWO_TOOLS)
    uses = [b for b in m.content if b.type == "tool_use"]
    assert [u.name for u in uses] == ["get_weather", "get_time"], m.content
    assert len({u.id for u in uses}) == 2, uses
    assert "city" in uses[0].input and "timezone" in uses[1].input, uses
    assert m.stop_reason == "tool_use"

    messages.append({"role": "assistant", "content": m.content})
    messages.append(
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": uses[0].id, "content": TOOL_RESULT},
                {"type": "tool_result", "tool_use_id": uses[1].id, "content": TIME_RESULT},
            ],
        }
    )
    m2 = client.messages.create(model=model, max_tokens=MAX_TOKENS, messages=messages, tools=TWO_TOOLS)
    assert text_of(m2) == EXPECTED_PARALLEL_ANSWER


@pytest.mark.parametrize("route", ROUTES)
def test_stream_parallel_tool_calls(client, route):
    with client.messages.stream(
        model=model_for(INBOUND, route),
        max_tokens=MAX_TOKENS,
        messages=[{"role": "user", "content": PARALLEL_PROMPT}],
        tools=TWO_TOOLS,
    ) as stream:
        partial: dict[int, list[str]] = {}
        starts: dict[int, object] = {}
        for event in stream:
            if event.type == "content_block_start" and event.content_block.type == "tool_use":
                starts[event.index] = event.content_block
            elif event.type == "content_block_delta" and event.delta.type == "input_json_delta":
                partial.setdefault(event.index, []).append(event.delta.partial_json)
        final = stream.get_final_message()
    order = sorted(starts)
    assert [starts[i].name for i in order] == ["get_weather", "get_time"], starts
    assert "city" in json.loads("".join(partial[order[0]]))
    assert "timezone" in json.loads("".join(partial[order[1]]))
    assert [b.name for b in final.content if b.type == "tool_use"] == ["get_weather", "get_time"]
