"""Embeddings through the OpenAI SDK (`embeddings.create`) and google-genai (`embed_content`) on every
route. Anthropic has no embeddings: that route must answer the SDK's 400 error type."""

import math

import openai
import pytest
from google.genai import _transformers as genai_transformers
from google.genai import errors as genai_errors
from google.genai import types

from clients import make
from conftest import GATEWAY, ROUTES, model_for

TEXTS = ["the quick brown fox", "jumps over the lazy dog"]


def embeds(route: str) -> bool:
    return not (GATEWAY and route == "via-anthropic")


def check_vectors(vectors, count: int, dims: int):
    assert len(vectors) == count, vectors
    for v in vectors:
        assert len(v) == dims, v
        assert all(isinstance(x, float) and math.isfinite(x) and -1.0 <= x <= 1.0 for x in v), v
    if count > 1:
        assert vectors[0] != vectors[1], "different texts gave the same vector"


@pytest.mark.parametrize("dimensions", [None, 4], ids=["default", "dim4"])
@pytest.mark.parametrize("route", ROUTES)
def test_openai_embeddings(route, dimensions):
    """The SDK asks for base64 by default and decodes it; the gateway must honour the format."""
    client = make("openai_chat")
    extra = {"dimensions": dimensions} if dimensions else {}
    if not embeds(route):
        with pytest.raises(openai.BadRequestError):
            client.embeddings.create(model=model_for("openai_chat", route), input=TEXTS, **extra)
        return
    r = client.embeddings.create(model=model_for("openai_chat", route), input=TEXTS, **extra)
    assert [d.index for d in r.data] == [0, 1]
    check_vectors([d.embedding for d in r.data], 2, dimensions or 8)
    assert r.model, "empty `model` in the embeddings response"
    if route != "via-gemini":  # Gemini's embedding answers carry no token counts
        assert r.usage.prompt_tokens > 0, r.usage


@pytest.mark.parametrize("route", [r for r in ROUTES if embeds(r)])
def test_openai_embeddings_float_format(route):
    client = make("openai_chat")
    r = client.embeddings.create(model=model_for("openai_chat", route), input=TEXTS[0], encoding_format="float")
    check_vectors([r.data[0].embedding], 1, 8)


@pytest.mark.parametrize("dimensions", [None, 4], ids=["default", "dim4"])
@pytest.mark.parametrize("route", ROUTES)
def test_gemini_embed_content(route, dimensions):
    client = make("gemini")
    model = "text-embedding-004" if route == "direct" else route
    config = types.EmbedContentConfig(output_dimensionality=dimensions) if dimensions else None
    if not embeds(route):
        with pytest.raises(genai_errors.ClientError) as info:
            client.models.embed_content(model=model, contents=TEXTS, config=config)
        assert info.value.code == 400
        return
    r = client.models.embed_content(model=model, contents=TEXTS, config=config)
    # google-genai treats a model id containing "gemini" (like the route `via-gemini`) as a multimodal
    # embedding model and sends the texts as the parts of ONE content: one vector comes back
    count = 1 if genai_transformers.t_is_multimodal_embedding_model(model) else len(TEXTS)
    check_vectors([e.values for e in r.embeddings], count, dimensions or 8)
