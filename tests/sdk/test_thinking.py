"""Thinking / reasoning through each SDK's own knobs, on every route. The mock thinks
`thinking about: <prompt>` when asked (Anthropic thinking, Responses reasoning, Gemini thoughts);
Chat Completions has no thinking output, so a Chat upstream answers text only."""

import pytest
from google.genai import types

from clients import make
from conftest import (
    EXPECTED_TEXT,
    EXPECTED_TOOL_ANSWER,
    GATEWAY,
    PROMPT,
    ROUTES,
    TOOL_PROMPT,
    TOOL_RESULT,
    WEATHER_DESCRIPTION,
    WEATHER_SCHEMA,
    model_for,
)
from test_gemini import WEATHER_TOOL

EXPECTED_THINKING = "thinking about: " + PROMPT[:64]
THINK_TOOL_PROMPT = TOOL_PROMPT
# `display: summarized` asks for visible thinking explicitly (the default depends on the model).
THINKING = {"type": "enabled", "budget_tokens": 2048, "display": "summarized"}


def thinks(inbound: str, route: str) -> bool:
    """Whether the upstream behind (inbound, route) can return thinking."""
    if not GATEWAY:
        return inbound != "openai_chat"
    if route == "via-chat":
        return False
    if route == "via-responses" and inbound == "openai_chat":
        return False  # passthrough to Chat Completions
    return True


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("route", ROUTES)
def test_anthropic_thinking(route, stream):
    client = make("anthropic")
    kwargs = dict(
        model=model_for("anthropic", route),
        max_tokens=4096,
        thinking=THINKING,
        messages=[{"role": "user", "content": PROMPT}],
    )
    if stream:
        with client.messages.stream(**kwargs) as s:
            deltas = [e.thinking for e in s if e.type == "thinking"]
            m = s.get_final_message()
    else:
        m = client.messages.create(**kwargs)
    blocks = [b for b in m.content if b.type == "thinking"]
    assert "".join(b.text for b in m.content if b.type == "text") == EXPECTED_TEXT
    if thinks("anthropic", route):
        assert "".join(b.thinking for b in blocks) == EXPECTED_THINKING, m.content
        assert m.content[0].type == "thinking", "thinking must come before the text"
        if stream:
            assert "".join(deltas) == EXPECTED_THINKING
        # Anthropic always signs thinking; without a signature the reasoning cannot be replayed
        assert any(b.signature for b in blocks), f"no thinking block carries a signature: {m.content}"
    else:
        assert blocks == [], m.content


@pytest.mark.parametrize("route", ROUTES)
def test_anthropic_thinking_tool_round_trip(route):
    """Thinking + tool use: the assistant turn (thinking block with its signature, tool_use) goes
    back verbatim, as the Anthropic docs require; the gateway must accept and translate it."""
    client = make("anthropic")
    model = model_for("anthropic", route)
    tools = [{"name": "get_weather", "description": WEATHER_DESCRIPTION, "input_schema": WEATHER_SCHEMA}]
    messages = [{"role": "user", "content": THINK_TOOL_PROMPT}]
    thinking = THINKING
    m = client.messages.create(model=model, max_tokens=4096, thinking=thinking, messages=messages, tools=tools)
    uses = [b for b in m.content if b.type == "tool_use"]
    assert [u.name for u in uses] == ["get_weather"], m.content
    if thinks("anthropic", route):
        assert [b.type for b in m.content][0] == "thinking", m.content
    messages.append({"role": "assistant", "content": m.content})
    messages.append(
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": uses[0].id, "content": TOOL_RESULT}]}
    )
    m2 = client.messages.create(model=model, max_tokens=4096, thinking=thinking, messages=messages, tools=tools)
    assert "".join(b.text for b in m2.content if b.type == "text") == EXPECTED_TOOL_ANSWER


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("route", ROUTES)
def test_openai_responses_reasoning(route, stream):
    client = make("openai_responses")
    kwargs = dict(
        model=model_for("openai_responses", route), input=PROMPT, reasoning={"effort": "medium", "summary": "auto"}
    )
    if stream:
        with client.responses.stream(**kwargs) as s:
            deltas = [e.delta for e in s if e.type == "response.reasoning_summary_text.delta"]
            r = s.get_final_response()
    else:
        r = client.responses.create(**kwargs)
    assert r.output_text == EXPECTED_TEXT
    reasoning = [item for item in r.output if item.type == "reasoning"]
    if thinks("openai_responses", route):
        summaries = [part.text for item in reasoning for part in item.summary]
        assert summaries == [EXPECTED_THINKING], r.output
        assert r.output[0].type == "reasoning", "reasoning must come before the message"
        if route != "via-anthropic":  # Anthropic counts thinking inside output_tokens only
            assert r.usage.output_tokens_details.reasoning_tokens > 0, r.usage
        if stream:
            assert "".join(deltas) == EXPECTED_THINKING
    else:
        assert reasoning == [], r.output


GEMINI_THINKING = {
    # the Gemini docs' way to get thought summaries (2.5+ models think by default)
    "include_only": types.ThinkingConfig(include_thoughts=True),
    "with_budget": types.ThinkingConfig(include_thoughts=True, thinking_budget=2048),
}


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("thinking", list(GEMINI_THINKING))
@pytest.mark.parametrize("route", ROUTES)
def test_gemini_thoughts(route, thinking, stream):
    client = make("gemini")
    config = types.GenerateContentConfig(thinking_config=GEMINI_THINKING[thinking])
    model = model_for("gemini", route)
    if stream:
        chunks = list(client.models.generate_content_stream(model=model, contents=PROMPT, config=config))
        parts = [p for c in chunks if c.candidates for p in (c.candidates[0].content.parts or [])]
        usage = chunks[-1].usage_metadata
    else:
        r = client.models.generate_content(model=model, contents=PROMPT, config=config)
        parts = r.candidates[0].content.parts
        usage = r.usage_metadata
    thought = "".join(p.text or "" for p in parts if p.thought)
    text = "".join(p.text or "" for p in parts if not p.thought)
    assert text == EXPECTED_TEXT
    if thinks("gemini", route):
        assert thought == EXPECTED_THINKING, parts
        if route != "via-anthropic":  # Anthropic counts thinking inside output tokens only
            assert usage.thoughts_token_count and usage.thoughts_token_count > 0, usage
    else:
        assert thought == "", parts


@pytest.mark.parametrize("route", ROUTES)
def test_openai_chat_reasoning_effort(route):
    """Chat Completions has no thinking output: `reasoning_effort` must be accepted, text unchanged."""
    client = make("openai_chat")
    r = client.chat.completions.create(
        model=model_for("openai_chat", route), reasoning_effort="medium", messages=[{"role": "user", "content": PROMPT}]
    )
    assert r.choices[0].message.content == EXPECTED_TEXT


@pytest.mark.parametrize("route", ROUTES)
def test_openai_responses_reasoning_tool_round_trip(route):
    """Stateless reasoning (store=false + include encrypted_content, as OpenAI documents it): the
    output items, reasoning included, go back with the tool result and must be accepted."""
    client = make("openai_responses")
    model = model_for("openai_responses", route)
    tools = [
        {
            "type": "function",
            "name": "get_weather",
            "description": WEATHER_DESCRIPTION,
            "parameters": WEATHER_SCHEMA,
            "strict": False,
        }
    ]
    common = dict(
        model=model,
        tools=tools,
        store=False,
        include=["reasoning.encrypted_content"],
        reasoning={"effort": "medium", "summary": "auto"},
    )
    conversation = [{"role": "user", "content": THINK_TOOL_PROMPT}]
    r = client.responses.create(input=conversation, **common)
    calls = [i for i in r.output if i.type == "function_call"]
    assert [c.name for c in calls] == ["get_weather"], r.output
    reasoning = [i for i in r.output if i.type == "reasoning"]
    if thinks("openai_responses", route):
        assert reasoning, r.output
        # the opaque reasoning state travels in encrypted_content (on a reasoning item of its own when
        # the upstream signs the call rather than the thought, as Gemini does)
        assert any(i.encrypted_content for i in reasoning), f"no reasoning item with encrypted_content: {reasoning}"
    conversation += [item.model_dump(exclude_none=True) for item in r.output]
    conversation.append({"type": "function_call_output", "call_id": calls[0].call_id, "output": TOOL_RESULT})
    r2 = client.responses.create(input=conversation, **common)
    assert r2.output_text == EXPECTED_TOOL_ANSWER


@pytest.mark.parametrize("route", ROUTES)
def test_gemini_thoughts_tool_round_trip(route):
    """Thoughts + function calling: the model turn goes back as received (thought signatures
    included, as the Gemini docs require) with the function response."""
    client = make("gemini")
    model = model_for("gemini", route)
    config = types.GenerateContentConfig(
        thinking_config=GEMINI_THINKING["with_budget"],
        tools=[WEATHER_TOOL],
    )
    contents = [types.Content(role="user", parts=[types.Part.from_text(text=THINK_TOOL_PROMPT)])]
    r = client.models.generate_content(model=model, contents=contents, config=config)
    calls = r.function_calls or []
    assert [c.name for c in calls] == ["get_weather"], r
    contents.append(r.candidates[0].content)
    contents.append(
        types.Content(
            role="user", parts=[types.Part.from_function_response(name="get_weather", response={"result": TOOL_RESULT})]
        )
    )
    r2 = client.models.generate_content(model=model, contents=contents, config=config)
    assert r2.text == EXPECTED_TOOL_ANSWER
