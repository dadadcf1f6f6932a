"""Token counting through each SDK's own endpoint, on every route (a Chat Completions upstream has
no count endpoint: the gateway answers with a local estimate)."""

import pytest

from clients import make
from conftest import PROMPT, ROUTES, WEATHER_SCHEMA, model_for, positive_int


@pytest.mark.parametrize("route", ROUTES)
def test_anthropic_count_tokens(route):
    client = make("anthropic")
    model = model_for("anthropic", route)
    messages = [{"role": "user", "content": PROMPT}]
    small = client.messages.count_tokens(model=model, messages=messages)
    assert positive_int(small.input_tokens), small
    big = client.messages.count_tokens(
        model=model,
        system="You are a weather assistant. " * 20,
        messages=messages,
        tools=[{"name": "get_weather", "description": "Weather for a city.", "input_schema": WEATHER_SCHEMA}],
    )
    assert big.input_tokens > small.input_tokens, (small, big)


@pytest.mark.parametrize("route", ROUTES)
def test_gemini_count_tokens(route):
    client = make("gemini")
    model = model_for("gemini", route)
    small = client.models.count_tokens(model=model, contents=PROMPT)
    assert positive_int(small.total_tokens), small
    big = client.models.count_tokens(model=model, contents=PROMPT + " Please answer in detail." * 20)
    assert big.total_tokens > small.total_tokens, (small, big)


@pytest.mark.parametrize("route", ROUTES)
def test_openai_responses_input_tokens(route):
    client = make("openai_responses")
    model = model_for("openai_responses", route)
    small = client.responses.input_tokens.count(model=model, input=PROMPT)
    assert small.object == "response.input_tokens", small
    assert positive_int(small.input_tokens), small
    big = client.responses.input_tokens.count(model=model, input=PROMPT, instructions="Be precise. " * 40)
    assert big.input_tokens > small.input_tokens, (small, big)
