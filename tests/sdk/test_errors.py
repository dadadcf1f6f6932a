"""Errors through every SDK: each must raise its own typed exception with the right status, for
gateway-side errors (unknown model, bad key, permission) and for upstream errors on every route."""

import json
import urllib.request

import anthropic
import openai
import pytest
from google.genai import errors as genai_errors

from clients import INBOUNDS, error_kind, error_type, generate, make, status_of
from conftest import BAD_KEY, EXPECTED_TEXT, GATEWAY, KEY, MOCK_URL, PROMPT, ROUTES, gateway_only, model_for

LIMITED_KEY = "gp-limited-key-0002"  # run.sh: a user allowed only `via-chat`

# The protocol's machine-readable name for a gateway-side error, per inbound kind.
NOT_FOUND = {
    "openai_chat": "model_not_found",
    "openai_responses": "model_not_found",
    "anthropic": "not_found_error",
    "gemini": "NOT_FOUND",
}
UNAUTHENTICATED = {
    "openai_chat": "invalid_api_key",
    "openai_responses": "invalid_api_key",
    "anthropic": "authentication_error",
    "gemini": "UNAUTHENTICATED",
}


def raised(inbound, key, model, stream):
    with pytest.raises(Exception) as info:
        generate(inbound, make(inbound, key or KEY), model, stream=stream)
    return info.value


@gateway_only()
@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_unknown_model(inbound, stream):
    exc = raised(inbound, None, "no-such-model", stream)
    assert isinstance(exc, error_type(inbound, 404)), repr(exc)
    assert status_of(exc) == 404
    assert error_kind(inbound, exc) == NOT_FOUND[inbound], repr(exc)


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_bad_key(inbound, stream):
    route = ROUTES[0]
    exc = raised(inbound, BAD_KEY, model_for(inbound, route), stream)
    assert isinstance(exc, error_type(inbound, 401)), repr(exc)
    assert status_of(exc) == 401
    if GATEWAY:  # the mock's own 401 codes differ a little; the gateway's are documented
        assert error_kind(inbound, exc) == UNAUTHENTICATED[inbound], repr(exc)


@gateway_only()
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_model_not_permitted(inbound):
    exc = raised(inbound, LIMITED_KEY, "via-anthropic", False)
    assert isinstance(exc, error_type(inbound, 403)), repr(exc)
    assert status_of(exc) == 403
    # the same key may use its permitted route
    assert generate(inbound, make(inbound, LIMITED_KEY), "via-chat") == EXPECTED_TEXT


def set_mock(fields: dict):
    req = urllib.request.Request(
        MOCK_URL + "/__mock/config",
        method="POST",
        data=json.dumps(fields).encode(),
        headers={"content-type": "application/json"},
    )
    urllib.request.urlopen(req, timeout=10).close()


class Fault:
    """Upstream faults injected into every mock answer until cleared (the gateway may retry)."""

    def __call__(self, **fields):
        set_mock(fields)

    def clear(self):
        set_mock({"status": None, "fault_limit": None, "drop_after_chunks": None})


@pytest.fixture
def fault():
    if not MOCK_URL:
        pytest.skip("GPROXY_SDK_MOCK_URL not set")
    f = Fault()
    yield f
    f.clear()


@pytest.mark.parametrize("stream", [False, True], ids=["plain", "stream"])
@pytest.mark.parametrize("status", [400, 503])
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_upstream_error(inbound, route, status, stream, fault):
    """An upstream 400 (the request is wrong: returned as is) or 503 (transient; retries exhausted)
    reaches the client as its own SDK's error type, translated into its protocol's shape."""
    fault(status=status)
    exc = raised(inbound, None, model_for(inbound, route), stream)
    assert isinstance(exc, error_type(inbound, status)), repr(exc)
    if status < 500:
        assert status_of(exc) == status, repr(exc)
    else:
        assert status_of(exc) >= 500, repr(exc)
    fault.clear()
    # the next request is answered normally (no lasting breaker or credential penalty at this rate)
    assert generate(inbound, make(inbound), model_for(inbound, route)) == EXPECTED_TEXT


@gateway_only()
@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_upstream_drop_mid_stream(inbound, route, fault):
    """The upstream connection dies after a few events: the gateway ends the stream with the
    protocol's error frame, so the SDK raises (Chat `data: {"error":…}`, Anthropic `event: error`,
    Gemini `data: {"error":…}`), or, for Responses, whose SDK yields error events instead of raising,
    the stream carries an `error` event and no `response.completed`."""
    fault(drop_after_chunks=3)
    client, model = make(inbound), model_for(inbound, route)
    if inbound == "openai_responses":
        events = list(client.responses.create(model=model, input=PROMPT, stream=True))
        types = [e.type for e in events]
        assert "response.completed" not in types, types
        assert types[-1] in ("error", "response.failed"), types
        if types[-1] == "error":
            assert events[-1].message, events[-1]
            assert isinstance(events[-1].sequence_number, int), f"error event without sequence_number: {events[-1]}"
        return
    with pytest.raises(Exception) as info:
        text = generate(inbound, client, model, stream=True)
        pytest.fail(f"a dropped upstream stream ended normally for the client with text {text!r}")
    exc = info.value
    family = {"openai_chat": openai.APIError, "anthropic": anthropic.APIError, "gemini": genai_errors.APIError}
    assert isinstance(exc, family[inbound]), repr(exc)
