"""Google GenAI Python SDK (Gemini API), generate_content against every route: text, stream, tools,
streamed tools."""

import pytest
from google import genai
from google.genai import types

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
    TIMEOUT_S,
    TOOL_PROMPT,
    TOOL_RESULT,
    WEATHER_DESCRIPTION,
    WEATHER_SCHEMA,
    model_for,
    positive_int,
)

INBOUND = "gemini"
WEATHER_TOOL = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description=WEATHER_DESCRIPTION,
            parameters=types.Schema(
                type=types.Type.OBJECT,
                properties={"city": types.Schema(type=types.Type.STRING, description="City name")},
                required=["city"],
            ),
        )
    ]
)
TOOL_CONFIG = types.GenerateContentConfig(tools=[WEATHER_TOOL])
TIME_DECLARATION = types.FunctionDeclaration(
    name="get_time",
    description=TIME_DESCRIPTION,
    parameters=types.Schema(
        type=types.Type.OBJECT,
        properties={"timezone": types.Schema(type=types.Type.STRING, description="IANA time zone")},
        required=["timezone"],
    ),
)
TWO_TOOLS_CONFIG = types.GenerateContentConfig(
    tools=[types.Tool(function_declarations=[*WEATHER_TOOL.function_declarations, TIME_DECLARATION])]
)


def make_client(key: str) -> genai.Client:
    return genai.Client(
        api_key=key,
        http_options=types.HttpOptions(
            base_url=BASE_URL,
            api_version="v1beta",
            timeout=int(TIMEOUT_S * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )


@pytest.fixture(scope="module")
def client():
    return make_client(KEY)


def assert_usage(usage):
    assert usage is not None, "no usage_metadata"
    assert positive_int(usage.prompt_token_count), usage
    assert positive_int(usage.candidates_token_count), usage
    assert positive_int(usage.total_token_count), usage
    assert usage.total_token_count >= usage.prompt_token_count + usage.candidates_token_count, usage


@pytest.mark.parametrize("route", ROUTES)
def test_text(client, route, upstream):
    r = client.models.generate_content(model=model_for(INBOUND, route), contents=PROMPT)
    assert r.text == EXPECTED_TEXT
    assert len(r.candidates) == 1
    assert r.candidates[0].content.role == "model"
    assert r.candidates[0].finish_reason == types.FinishReason.STOP
    assert_usage(r.usage_metadata)
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_text_with_system_instruction(client, route):
    r = client.models.generate_content(
        model=model_for(INBOUND, route),
        contents=[types.Content(role="user", parts=[types.Part.from_text(text=PROMPT)])],
        config=types.GenerateContentConfig(system_instruction="You are terse.", max_output_tokens=256),
    )
    assert r.text == EXPECTED_TEXT
    assert_usage(r.usage_metadata)


@pytest.mark.parametrize("route", ROUTES)
def test_stream(client, route, upstream):
    chunks = list(client.models.generate_content_stream(model=model_for(INBOUND, route), contents=PROMPT))
    assert chunks, "empty stream"
    assert "".join(c.text or "" for c in chunks) == EXPECTED_TEXT
    last = chunks[-1]
    assert last.candidates and last.candidates[0].finish_reason == types.FinishReason.STOP, last
    finishes = [c.candidates[0].finish_reason for c in chunks if c.candidates and c.candidates[0].finish_reason]
    assert finishes == [types.FinishReason.STOP], finishes
    assert_usage(last.usage_metadata)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_tool_round_trip(client, route, upstream):
    model = model_for(INBOUND, route)
    contents = [types.Content(role="user", parts=[types.Part.from_text(text=TOOL_PROMPT)])]
    r = client.models.generate_content(model=model, contents=contents, config=TOOL_CONFIG)
    calls = r.function_calls
    assert calls is not None and len(calls) == 1, r
    call = calls[0]
    assert call.name == "get_weather"
    assert isinstance(call.args, dict) and isinstance(call.args.get("city"), str), call.args
    assert r.candidates[0].finish_reason == types.FinishReason.STOP
    assert_usage(r.usage_metadata)

    contents.append(r.candidates[0].content)
    contents.append(
        types.Content(
            role="user",
            parts=[types.Part.from_function_response(name=call.name, response={"result": TOOL_RESULT})],
        )
    )
    r2 = client.models.generate_content(model=model, contents=contents, config=TOOL_CONFIG)
    assert r2.text == EXPECTED_TOOL_ANSWER
    assert not r2.function_calls
    upstream.assert_called("generateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_stream_tool_call(client, route, upstream):
    chunks = list(
        client.models.generate_content_stream(model=model_for(INBOUND, route), contents=TOOL_PROMPT, config=TOOL_CONFIG)
    )
    calls = [fc for c in chunks for fc in (c.function_calls or [])]
    assert len(calls) == 1, f"expected one whole function call across the stream, got {calls}"
    assert calls[0].name == "get_weather"
    assert isinstance(calls[0].args, dict) and isinstance(calls[0].args.get("city"), str), calls[0].args
    last = chunks[-1]
    assert last.candidates and last.candidates[0].finish_reason == types.FinishReason.STOP, last
    assert_usage(last.usage_metadata)
    upstream.assert_called("streamGenerateContent")


@pytest.mark.parametrize("route", ROUTES)
def test_parallel_tool_calls(client, route):
    model = model_for(INBOUND, route)
    contents = [types.Content(role="user", parts=[types.Part.from_text(text=PARALLEL_PROMPT)])]
    r = client.models.generate_content(model=model, contents=contents, config=TWO_TOOLS_CONFIG)
    calls = r.function_calls or []
    assert [c.name for c in calls] == ["get_weather", "get_time"], r
    assert "city" in calls[0].args and "timezone" in calls[1].args, calls

    contents.append(r.candidates[0].content)
    contents.append(
        types.Content(
            role="user",
            parts=[
                types.Part.from_function_response(name="get_weather", response={"result": TOOL_RESULT}),
                types.Part.from_function_response(name="get_time", response={"result": TIME_RESULT}),
            ],
        )
    )
    r2 = client.models.generate_content(model=model, contents=contents, config=TWO_TOOLS_CONFIG)
    assert r2.text == EXPECTED_PARALLEL_ANSWER


@pytest.mark.parametrize("route", ROUTES)
def test_stream_parallel_tool_calls(client, route):
    chunks = list(
        client.models.generate_content_stream(
            model=model_for(INBOUND, route), contents=PARALLEL_PROMPT, config=TWO_TOOLS_CONFIG
        )
    )
    calls = [fc for c in chunks for fc in (c.function_calls or [])]
    assert [c.name for c in calls] == ["get_weather", "get_time"], calls
    assert "city" in calls[0].args and "timezone" in calls[1].args, calls


@pytest.mark.parametrize("route", ROUTES)
def test_tool_json_schema_declaration(client, route):
    """A function declared with `parameters_json_schema` (plain JSON Schema, the SDK's newer way)."""
    config = types.GenerateContentConfig(
        tools=[
            types.Tool(
                function_declarations=[
                    types.FunctionDeclaration(
                        name="get_weather", description=WEATHER_DESCRIPTION, parameters_json_schema=WEATHER_SCHEMA
                    )
                ]
            )
        ]
    )
    r = client.models.generate_content(model=model_for(INBOUND, route), contents=TOOL_PROMPT, config=config)
    calls = r.function_calls or []
    assert [c.name for c in calls] == ["get_weather"], r
    assert isinstance(calls[0].args.get("city"), str), calls[0].args
