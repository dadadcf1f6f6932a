"""Multi-turn history and request ids through every SDK × route."""

import pytest
from google.genai import types

from clients import INBOUNDS, make
from conftest import EXPECTED_TEXT, GATEWAY, PROMPT, ROUTES, model_for

FIRST_Q = "Hello, who are you?"
FIRST_A = "I am a helpful assistant."
REQUEST_ID = "sdk-conformance-req-0001"


def multi_turn(inbound: str, client, model: str) -> str:
    if inbound == "openai_chat":
        messages = [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": FIRST_Q},
            {"role": "assistant", "content": FIRST_A},
            {"role": "user", "content": PROMPT},
        ]
        return client.chat.completions.create(model=model, messages=messages).choices[0].message.content
    if inbound == "openai_responses":
        items = [
            {"role": "developer", "content": "You are terse."},
            {"role": "user", "content": FIRST_Q},
            {"role": "assistant", "content": FIRST_A},
            {"role": "user", "content": PROMPT},
        ]
        return client.responses.create(model=model, input=items).output_text
    if inbound == "anthropic":
        messages = [
            {"role": "user", "content": FIRST_Q},
            {"role": "assistant", "content": FIRST_A},
            {"role": "user", "content": PROMPT},
        ]
        m = client.messages.create(model=model, max_tokens=256, system="You are terse.", messages=messages)
        return "".join(b.text for b in m.content if b.type == "text")
    contents = [
        types.Content(role="user", parts=[types.Part.from_text(text=FIRST_Q)]),
        types.Content(role="model", parts=[types.Part.from_text(text=FIRST_A)]),
        types.Content(role="user", parts=[types.Part.from_text(text=PROMPT)]),
    ]
    config = types.GenerateContentConfig(system_instruction="You are terse.")
    return client.models.generate_content(model=model, contents=contents, config=config).text


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_multi_turn(inbound, route):
    assert multi_turn(inbound, make(inbound), model_for(inbound, route)) == EXPECTED_TEXT


def response_headers(inbound: str, client, model: str, headers: dict):
    if inbound == "openai_chat":
        raw = client.chat.completions.with_raw_response.create(
            model=model, messages=[{"role": "user", "content": PROMPT}], extra_headers=headers
        )
        assert raw.parse().choices[0].message.content == EXPECTED_TEXT
        return raw.headers
    if inbound == "openai_responses":
        raw = client.responses.with_raw_response.create(model=model, input=PROMPT, extra_headers=headers)
        assert raw.parse().output_text == EXPECTED_TEXT
        return raw.headers
    if inbound == "anthropic":
        raw = client.messages.with_raw_response.create(
            model=model, max_tokens=256, messages=[{"role": "user", "content": PROMPT}], extra_headers=headers
        )
        assert raw.parse().content[0].text == EXPECTED_TEXT
        return raw.headers
    r = client.models.generate_content(
        model=model,
        contents=PROMPT,
        config=types.GenerateContentConfig(http_options=types.HttpOptions(headers=headers)),
    )
    assert r.text == EXPECTED_TEXT
    return r.sdk_http_response.headers


@pytest.mark.skipif(not GATEWAY, reason="request ids are the gateway's")
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_request_id(inbound, route):
    client, model = make(inbound), model_for(inbound, route)
    generated = {k.lower(): v for k, v in response_headers(inbound, client, model, {}).items()}
    assert generated.get("x-request-id"), f"no x-request-id in {generated}"
    echoed = {k.lower(): v for k, v in response_headers(inbound, client, model, {"x-request-id": REQUEST_ID}).items()}
    assert echoed.get("x-request-id") == REQUEST_ID, echoed
    assert generated["x-request-id"] != REQUEST_ID
