"""Model lists and lookups through each SDK's own models API."""

import pytest

from clients import INBOUNDS, make
from conftest import GATEWAY, ROUTES, gateway_only

# direct mode: the mock's fixed lists
DIRECT_IDS = {
    "openai": ["gpt-4o", "gpt-4o-mini", "gpt-5"],
    "anthropic": ["claude-sonnet-4-5", "claude-opus-4-1", "claude-haiku-4-5"],
    "gemini": ["gemini-2.5-flash", "gemini-2.5-pro"],
}
GATEWAY_IDS = ROUTES + ["up-chat/m-chat", "up-responses/m-responses", "up-anthropic/m-anthropic", "up-gemini/m-gemini"]
LIMITED_KEY = "gp-limited-key-0002"
FAMILIES = ["openai", "anthropic", "gemini"]


def list_ids(family: str, client) -> list[str]:
    if family == "openai":
        models = list(client.models.list())
        assert all(m.object == "model" for m in models), models
        return [m.id for m in models]
    if family == "anthropic":
        models = list(client.models.list())
        assert all(m.type == "model" and m.display_name for m in models), models
        return [m.id for m in models]
    models = list(client.models.list())
    assert all(m.name.startswith("models/") for m in models), models
    return [m.name.removeprefix("models/") for m in models]


def client_for(family: str, key=None):
    inbound = {"openai": "openai_chat", "anthropic": "anthropic", "gemini": "gemini"}[family]
    return make(inbound, key) if key else make(inbound)


@pytest.mark.parametrize("family", FAMILIES)
def test_list(family):
    ids = list_ids(family, client_for(family))
    want = GATEWAY_IDS if GATEWAY else DIRECT_IDS[family]
    missing = [m for m in want if m not in ids]
    assert not missing, f"missing {missing} in {ids}"
    assert len(ids) == len(set(ids)), f"duplicates in {ids}"
    if GATEWAY:
        assert ids[: len(ROUTES)] == ROUTES, f"routes should come first, in bundle order: {ids}"


@gateway_only()
@pytest.mark.parametrize("family", FAMILIES)
def test_list_filtered_by_permissions(family):
    ids = list_ids(family, client_for(family, LIMITED_KEY))
    assert ids == ["via-chat"], ids


@pytest.mark.parametrize("family", FAMILIES)
def test_retrieve(family):
    client = client_for(family)
    model = ROUTES[0] if GATEWAY else DIRECT_IDS[family][0]
    if family == "gemini":
        got = client.models.get(model=model)
        assert got.name == "models/" + model, got
    else:
        got = client.models.retrieve(model)
        assert got.id == model, got


@gateway_only()
@pytest.mark.parametrize("inbound", INBOUNDS)
def test_route_reachable_by_listed_id(inbound):
    """Every id a client lists is usable as a model name (routes and provider/model ids)."""
    from clients import generate
    from conftest import EXPECTED_TEXT

    client = make(inbound)
    for model in GATEWAY_IDS:
        if inbound == "gemini" and "/" in model:
            continue  # a '/' cannot be part of a Gemini model path segment
        assert generate(inbound, client, model) == EXPECTED_TEXT, model
