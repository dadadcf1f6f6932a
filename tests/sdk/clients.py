"""One minimal call per inbound SDK, for the tests that run the same scenario through every SDK
(models, errors, limits): client factories, `generate` and the SDK's own exception types."""

import anthropic
import openai
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from conftest import BASE_URL, KEY, PROMPT, TIMEOUT_S

INBOUNDS = ["openai_chat", "openai_responses", "anthropic", "gemini"]


def make(inbound: str, key: str = KEY):
    if inbound.startswith("openai"):
        return openai.OpenAI(base_url=BASE_URL + "/v1", api_key=key, max_retries=0, timeout=TIMEOUT_S)
    if inbound == "anthropic":
        return anthropic.Anthropic(base_url=BASE_URL, api_key=key, max_retries=0, timeout=TIMEOUT_S)
    return genai.Client(
        api_key=key,
        http_options=types.HttpOptions(
            base_url=BASE_URL,
            api_version="v1beta",
            timeout=int(TIMEOUT_S * 1000),
            retry_options=types.HttpRetryOptions(attempts=1),
        ),
    )


def generate(inbound: str, client, model: str, stream: bool = False, prompt: str = PROMPT) -> str:
    """One user turn; returns the answer text (a stream is consumed to its end)."""
    if inbound == "openai_chat":
        messages = [{"role": "user", "content": prompt}]
        if not stream:
            return client.chat.completions.create(model=model, messages=messages).choices[0].message.content
        chunks = client.chat.completions.create(model=model, messages=messages, stream=True)
        return "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    if inbound == "openai_responses":
        if not stream:
            return client.responses.create(model=model, input=prompt).output_text
        events = client.responses.create(model=model, input=prompt, stream=True)
        return "".join(e.delta for e in events if e.type == "response.output_text.delta")
    if inbound == "anthropic":
        messages = [{"role": "user", "content": prompt}]
        if not stream:
            m = client.messages.create(model=model, max_tokens=256, messages=messages)
            return "".join(b.text for b in m.content if b.type == "text")
        with client.messages.stream(model=model, max_tokens=256, messages=messages) as s:
            return "".join(s.text_stream)
    if not stream:
        return client.models.generate_content(model=model, contents=prompt).text
    return "".join(c.text or "" for c in client.models.generate_content_stream(model=model, contents=prompt))


def status_of(exc: BaseException):
    """The HTTP status an SDK exception carries."""
    if isinstance(exc, genai_errors.APIError):
        return exc.code
    return getattr(exc, "status_code", None)


# The exception type each SDK raises for a status; Gemini has one class per status family.
ERRORS = {
    "openai": {
        400: openai.BadRequestError,
        401: openai.AuthenticationError,
        403: openai.PermissionDeniedError,
        404: openai.NotFoundError,
        429: openai.RateLimitError,
        500: openai.InternalServerError,
    },
    "anthropic": {
        400: anthropic.BadRequestError,
        401: anthropic.AuthenticationError,
        403: anthropic.PermissionDeniedError,
        404: anthropic.NotFoundError,
        429: anthropic.RateLimitError,
        500: anthropic.InternalServerError,
    },
}


def error_type(inbound: str, status: int):
    """The SDK's exception class for `status` (5xx: the server-error class)."""
    if inbound == "gemini":
        return genai_errors.ClientError if status < 500 else genai_errors.ServerError
    family = "anthropic" if inbound == "anthropic" else "openai"
    return ERRORS[family][500 if status >= 500 else status]


def error_kind(inbound: str, exc: BaseException):
    """The protocol's machine-readable error name from the body (type / code / status)."""
    if inbound == "gemini":
        return exc.status
    body = getattr(exc, "body", None)
    if inbound == "anthropic":
        err = (body or {}).get("error", body) if isinstance(body, dict) else None
        return err.get("type") if isinstance(err, dict) else None
    return getattr(exc, "code", None) or getattr(exc, "type", None)
