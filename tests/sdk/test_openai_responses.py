"""OpenAI Python SDK, Responses API, against every route: text, stream, tools, streamed tools."""

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

INBOUND = "openai_responses"
TOOLS = [
    {
        "type": "function",
        "name": "get_weather",
        "description": WEATHER_DESCRIPTION,
        "parameters": WEATHER_SCHEMA,
        "strict": False,
    }
]
TWO_TOOLS = TOOLS + [
    {
        "type": "function",
        "name": "get_time",
        "description": TIME_DESCRIPTION,
        "parameters": TIME_SCHEMA,
        "strict": False,
    }
]


@pytest.fixture(scope="module")
def client():
    return openai.OpenAI(base_url=BASE_URL + "/v1", api_key=KEY, max_retries=0, timeout=TIMEOUT_S)


def assert_usage(usage):
    assert usage is not None, "no usage in the response"
    assert positive_int(usage.input_tokens), usage
    assert positive_int(usage.output_tokens), usage
    assert positive_int(usage.total_tokens), usage
    assert usage.total_tokens >= usage.input_tokens + usage.output_tokens, usage


def function_calls(response):
    return [item for item in response.output if item.type == "function_call"]


@pytest.mark.parametrize("route", ROUTES)
def test_text(client, route, upstream):
    r = client.responses.create(model=model_for(INBOUND, route), input=PROMPT)
    assert r.object == "response"
    assert r.status == "completed"
    assert r.output_text == EXPECTED_TEXT
    messages = [item for item in r.output if item.type == "message"]
    assert len(messages) == 1 and messages[0].role == "assistant"
    assert_usage(r.usage)
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_text_message_list_input(client, route):
    """`input` as a list of messages with `instructions`, the other common way to call it."""
    r = client.responses.create(
        model=model_for(INBOUND, route),
        instructions="You are terse.",
        input=[{"role": "user", "content": [{"type": "input_text", "text": PROMPT}]}],
    )
    assert r.output_text == EXPECTED_TEXT
    assert_usage(r.usage)


@pytest.mark.parametrize("route", ROUTES)
def test_stream(client, route, upstream):
    stream = client.responses.create(model=model_for(INBOUND, route), input=PROMPT, stream=True)
    deltas, types, seqs, completed, done_text = [], [], [], [], []
    for event in stream:
        types.append(event.type)
        seqs.append(event.sequence_number)
        if event.type == "response.output_text.delta":
            deltas.append(event.delta)
        elif event.type == "response.output_text.done":
            done_text.append(event.text)
        elif event.type == "response.completed":
            completed.append(event.response)
    assert "".join(deltas) == EXPECTED_TEXT
    assert done_text == [EXPECTED_TEXT]
    assert types[0] == "response.created", types
    assert types[-1] == "response.completed", types
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f"sequence numbers not increasing: {seqs}"
    assert len(completed) == 1
    assert completed[0].status == "completed"
    assert completed[0].output_text == EXPECTED_TEXT
    assert_usage(completed[0].usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_helper_final_response(client, route):
    """The SDK's own stream helper accumulates events into the final response."""
    with client.responses.stream(model=model_for(INBOUND, route), input=PROMPT) as stream:
        text = "".join(e.delta for e in stream if e.type == "response.output_text.delta")
        final = stream.get_final_response()
    assert text == EXPECTED_TEXT
    assert final.output_text == EXPECTED_TEXT
    assert_usage(final.usage)


@pytest.mark.parametrize("route", ROUTES)
def test_tool_round_trip(client, route, upstream):
    model = model_for(INBOUND, route)
    conversation = [{"role": "user", "content": TOOL_PROMPT}]
    r = client.responses.create(model=model, input=conversation, tools=TOOLS)
    calls = function_calls(r)
    assert len(calls) == 1, r.output
    call = calls[0]
    assert call.name == "get_weather"
    assert call.call_id
    args = json.loads(call.arguments)
    assert isinstance(args.get("city"), str), args
    assert_usage(r.usage)

    conversation += [item.model_dump(exclude_none=True) for item in r.output]
    conversation.append({"type": "function_call_output", "call_id": call.call_id, "output": TOOL_RESULT})
    r2 = client.responses.create(model=model, input=conversation, tools=TOOLS)
    assert r2.output_text == EXPECTED_TOOL_ANSWER
    assert function_calls(r2) == []
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_tool_call(client, route, upstream):
    stream = client.responses.create(
        model=model_for(INBOUND, route),
        input=[{"role": "user", "content": TOOL_PROMPT}],
        tools=TOOLS,
        stream=True,
    )
    added, deltas, done_args, completed = [], {}, {}, None
    for event in stream:
        if event.type == "response.output_item.added" and event.item.type == "function_call":
            added.append(event.item)
        elif event.type == "response.function_call_arguments.delta":
            deltas.setdefault(event.item_id, []).append(event.delta)
        elif event.type == "response.function_call_arguments.done":
            done_args[event.item_id] = event.arguments
        elif event.type == "response.completed":
            completed = event.response
    assert len(added) == 1, added
    item = added[0]
    assert item.name == "get_weather"
    assert item.call_id
    assembled = "".join(deltas.get(item.id, []))
    args = json.loads(assembled)
    assert isinstance(args.get("city"), str), args
    assert done_args.get(item.id) == assembled
    assert completed is not None, "no response.completed event"
    final_calls = function_calls(completed)
    assert [c.name for c in final_calls] == ["get_weather"]
    assert json.loads(final_calls[0].arguments) == args
    assert_usage(completed.usage)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_parallel_tool_calls(client, route):
    model = model_for(INBOUND, route)
    conversation = [{"role": "user", "content": PARALLEL_PROMPT}]
    r = client.responses.create(model=model, input=conversation, tools=TWO_TOOLS)
    calls = function_calls(r)
    assert [c.name for c in calls] == ["get_weather", "get_time"], r.output
    assert len({c.call_id for c in calls}) == 2, calls
    assert "city" in json.loads(calls[0].arguments)
    assert "timezone" in json.loads(calls[1].arguments)

    conversation += [item.model_dump(exclude_none=True) for item in r.output]
    conversation.append({"type": "function_call_output", "call_id": calls[0].call_id, "output": TOOL_RESULT})
    conversation.append({"type": "function_call_output", "call_id": calls[1].call_id, "output": TIME_RESULT})
    r2 = client.responses.create(model=model, input=conversation, tools=TWO_TOOLS)
    assert r2.output_text == EXPECTED_PARALLEL_ANSWER


@pytest.mark.parametrize("route", ROUTES)
def test_stream_parallel_tool_calls(client, route):
    stream = client.responses.create(
        model=model_for(INBOUND, route),
        input=[{"role": "user", "content": PARALLEL_PROMPT}],
        tools=TWO_TOOLS,
        stream=True,
    )
    added, deltas = [], {}
    for event in stream:
        if event.type == "response.output_item.added" and event.item.type == "function_call":
            added.append(event.item)
        elif event.type == "response.function_call_arguments.delta":
            deltas.setdefault(event.item_id, []).append(event.delta)
    assert [i.name for i in added] == ["get_weather", "get_time"], added
    assert len({i.id for i in added}) == 2 and len({i.call_id for i in added}) == 2, added
    assert "city" in json.loads("".join(deltas.get(added[0].id, [])))
    assert "timezone" in json.loads("".join(deltas.get(added[1].id, [])))
