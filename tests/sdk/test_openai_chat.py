"""OpenAI Python SDK, Chat Completions, against every route: text, stream, tools, streamed tools."""

import json

import openai
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

INBOUND = "openai_chat"
TOOLS = [
    {
        "type": "function",
        "function": {"name": "get_weather", "description": WEATHER_DESCRIPTION, "parameters": WEATHER_SCHEMA},
    }
]
TWO_TOOLS = TOOLS + [
    {"type": "function", "function": {"name": "get_time", "description": TIME_DESCRIPTION, "parameters": TIME_SCHEMA}}
]


@pytest.fixture(scope="module")
def client():
    return openai.OpenAI(base_url=BASE_URL + "/v1", api_key=KEY, max_retries=0, timeout=TIMEOUT_S)


def assert_usage(usage):
    assert usage is not None, "no usage in the answer"
    assert positive_int(usage.prompt_tokens), usage
    assert positive_int(usage.completion_tokens), usage
    assert positive_int(usage.total_tokens), usage
    assert usage.total_tokens >= usage.prompt_tokens + usage.completion_tokens, usage


@pytest.mark.parametrize("route", ROUTES)
def test_text(client, route, upstream):
    r = client.chat.completions.create(model=model_for(INBOUND, route), messages=[{"role": "user", "content": PROMPT}])
    assert r.object == "chat.completion"
    assert len(r.choices) == 1
    assert r.choices[0].message.role == "assistant"
    assert r.choices[0].message.content == EXPECTED_TEXT
    assert r.choices[0].finish_reason == "stop"
    assert_usage(r.usage)
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream(client, route, upstream):
    stream = client.chat.completions.create(
        model=model_for(INBOUND, route),
        messages=[{"role": "user", "content": PROMPT}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, usage_chunks, ids = [], [], [], set()
    for chunk in stream:
        assert chunk.object == "chat.completion.chunk"
        ids.add(chunk.id)
        if chunk.usage is not None:
            usage_chunks.append(chunk)
        for choice in chunk.choices:
            if choice.delta.content:
                text.append(choice.delta.content)
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert "".join(text) == EXPECTED_TEXT
    assert finish == ["stop"]
    assert len(ids) == 1, f"chunk ids differ: {ids}"
    assert len(usage_chunks) == 1, f"expected one usage chunk, got {len(usage_chunks)}"
    assert usage_chunks[0].choices == []
    assert_usage(usage_chunks[0].usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_without_usage_option(client, route):
    """Without include_usage the client must not see a usage-only chunk (the gateway adds and strips it)."""
    stream = client.chat.completions.create(
        model=model_for(INBOUND, route), messages=[{"role": "user", "content": PROMPT}], stream=True
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == EXPECTED_TEXT
    assert all(c.choices for c in chunks), "a chunk without choices reached a client that did not ask for usage"


@pytest.mark.parametrize("route", ROUTES)
def test_tool_round_trip(client, route, upstream):
    model = model_for(INBOUND, route)
    messages = [{"role": "user", "content": TOOL_PROMPT}]
    r = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    choice = r.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 1, choice.message
    call = calls[0]
    assert call.type == "function"
    assert call.id
    assert call.function.name == "get_weather"
    args = json.loads(call.function.arguments)
    assert isinstance(args.get("city"), str), args
    assert_usage(r.usage)

    messages.append(choice.message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": call.id, "content": TOOL_RESULT})
    r2 = client.chat.completions.create(model=model, messages=messages, tools=TOOLS)
    assert r2.choices[0].message.content == EXPECTED_TOOL_ANSWER
    assert r2.choices[0].finish_reason == "stop"
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_tool_call(client, route, upstream):
    stream = client.chat.completions.create(
        model=model_for(INBOUND, route),
        messages=[{"role": "user", "content": TOOL_PROMPT}],
        tools=TOOLS,
        stream=True,
        stream_options={"include_usage": True},
    )
    calls: dict[int, dict] = {}
    finish, usage = [], None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            for tc in choice.delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": None, "name": "", "arguments": ""})
                if tc.id:
                    slot["id"] = tc.id
                if tc.function and tc.function.name:
                    slot["name"] += tc.function.name
                if tc.function and tc.function.arguments:
                    slot["arguments"] += tc.function.arguments
            if choice.finish_reason:
                finish.append(choice.finish_reason)
    assert list(calls) == [0], calls
    assert calls[0]["id"], calls
    assert calls[0]["name"] == "get_weather"
    args = json.loads(calls[0]["arguments"])
    assert isinstance(args.get("city"), str), args
    assert finish == ["tool_calls"]
    assert_usage(usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_helper_final_completion(client, route):
    """The SDK's own stream helper accumulates the stream into a final completion."""
    with client.chat.completions.stream(
        model=model_for(INBOUND, route),
        messages=[{"role": "user", "content": PROMPT}],
        stream_options={"include_usage": True},
    ) as stream:
        final = stream.get_final_completion()
    assert final.choices[0].message.content == EXPECTED_TEXT
    assert final.choices[0].finish_reason == "stop"
    assert_usage(final.usage)


@pytest.mark.parametrize("route", ROUTES)
def test_parallel_tool_calls(client, route):
    model = model_for(INBOUND, route)
    messages = [{"role": "user", "content": PARALLEL_PROMPT}]
    r = client.chat.completions.create(model=model, messages=messages, tools=TWO_TOOLS)
    calls = r.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["get_weather", "get_time"], calls
    assert len({c.id for c in calls}) == 2, calls
    assert "city" in json.loads(calls[0].function.arguments)
    assert "timezone" in json.loads(calls[1].function.arguments)
    assert r.choices[0].finish_reason == "tool_calls"

    messages.append(r.choices[0].message.model_dump(exclude_none=True))
    messages.append({"role": "tool", "tool_call_id": calls[0].id, "content": TOOL_RESULT})
    messages.append({"role": "tool", "tool_call_id": calls[1].id, "content": TIME_RESULT})
    r2 = client.chat.completions.create(model=model, messages=messages, tools=TWO_TOOLS)
    assert r2.choices[0].message.content == EXPECTED_PARALLEL_ANSWER


@pytest.mark.parametrize("route", ROUTES)
def test_stream_parallel_tool_calls(client, route):
    stream = client.chat.completions.create(
        model=model_for(INBOUND, route),
        messages=[{"role": "user", "content": PARALLEL_PROMPT}],
        tools=TWO_TOOLS,
        stream=True,
    )
    calls: dict[int, dict] = {}
    for chunk in stream:
        for choice in chunk.choices:
            for tc in choice.delta.tool_calls or []:
                slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] += tc.id or ""
                slot["name"] += (tc.function and tc.function.name) or ""
                slot["arguments"] += (tc.function and tc.function.arguments) or ""
    assert sorted(calls) == [0, 1], calls
    assert [calls[i]["name"] for i in (0, 1)] == ["get_weather", "get_time"], calls
    assert calls[0]["id"] and calls[1]["id"] and calls[0]["id"] != calls[1]["id"], calls
    assert "city" in json.loads(calls[0]["arguments"])
    assert "timezone" in json.loads(calls[1]["arguments"])
