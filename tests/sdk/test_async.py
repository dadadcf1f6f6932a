"""The async clients (AsyncOpenAI, AsyncAnthropic, genai `client.aio`) stream through every route."""

import asyncio

import anthropic
import openai
import pytest
from google import genai
from google.genai import types

from clients import INBOUNDS
from conftest import BASE_URL, EXPECTED_TEXT, KEY, PROMPT, ROUTES, TIMEOUT_S, model_for, positive_int


async def stream_text(inbound: str, model: str) -> tuple[str, int]:
    """Streams one answer; returns (text, output token count from the final usage)."""
    if inbound.startswith("openai"):
        client = openai.AsyncOpenAI(base_url=BASE_URL + "/v1", api_key=KEY, max_retries=0, timeout=TIMEOUT_S)
        async with client:
            if inbound == "openai_chat":
                stream = await client.chat.completions.create(
                    model=model,
                    messages=[{"role": "user", "content": PROMPT}],
                    stream=True,
                    stream_options={"include_usage": True},
                )
                text, out = "", 0
                async for chunk in stream:
                    text += "".join(c.delta.content or "" for c in chunk.choices)
                    out = chunk.usage.completion_tokens if chunk.usage else out
                return text, out
            async with client.responses.stream(model=model, input=PROMPT) as stream:
                text = "".join([e.delta async for e in stream if e.type == "response.output_text.delta"])
                final = await stream.get_final_response()
            return text, final.usage.output_tokens
    if inbound == "anthropic":
        client = anthropic.AsyncAnthropic(base_url=BASE_URL, api_key=KEY, max_retries=0, timeout=TIMEOUT_S)
        async with client:
            async with client.messages.stream(
                model=model, max_tokens=256, messages=[{"role": "user", "content": PROMPT}]
            ) as stream:
                text = "".join([t async for t in stream.text_stream])
                final = await stream.get_final_message()
            return text, final.usage.output_tokens
    client = genai.Client(
        api_key=KEY,
        http_options=types.HttpOptions(
            base_url=BASE_URL,
            api_version="v1beta",
            timeout=int(TIMEOUT_S * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    ).aio
    text, out = "", 0
    async for chunk in await client.models.generate_content_stream(model=model, contents=PROMPT):
        text += chunk.text or ""
        if chunk.usage_metadata and chunk.usage_metadata.candidates_token_count:
            out = chunk.usage_metadata.candidates_token_count
    await client.aclose()
    return text, out


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_async_stream(inbound, route):
    text, out = asyncio.run(stream_text(inbound, model_for(inbound, route)))
    assert text == EXPECTED_TEXT
    assert positive_int(out), out


@pytest.mark.parametrize("inbound", INBOUNDS)
def test_async_concurrent_streams(inbound):
    """Eight concurrent streams over the routes, each gets its own complete answer."""

    async def run():
        models = [model_for(inbound, ROUTES[i % len(ROUTES)]) for i in range(8)]
        return await asyncio.gather(*(stream_text(inbound, m) for m in models))

    results = asyncio.run(run())
    assert [t for t, _ in results] == [EXPECTED_TEXT] * 8
