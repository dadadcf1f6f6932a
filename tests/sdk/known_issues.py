"""Known failures of the SDK conformance suite, each with its exact symptom.

KNOWN_BUGS are gateway bugs: strict xfails in gateway mode, so a fix shows up as XPASS (a failure of
the run) and its entry must then be deleted. MOCK_GAPS are limits of the mock provider (not the
gateway), applied in both modes. An entry matches a test by function name (`test`) and by every other
key given (`route`, `inbound`, `stream`, ...: pytest parameters; `inbound` also matches a module's
INBOUND); keys left out match anything. `reason` is the symptom a reader of the run sees.
"""

_GEMINI_SIG = (
    "Gemini client on a Claude upstream: thoughtSignature carries the wrapped Claude signature "
    "'gpx1.anthropic.sbW9jay1zaWduYXR1cmU=', which is not base64 (thoughtSignature is a proto bytes "
    "field); google-genai rejects the whole response: pydantic ValidationError "
    "'candidates.0.content.parts.0.thoughtSignature Data should be valid base64: Invalid symbol 46'"
)

KNOWN_BUGS: list[dict] = [
    {"test": "test_gemini_thoughts", "route": "via-anthropic", "thinking": "with_budget", "reason": _GEMINI_SIG},
    {"test": "test_gemini_thoughts_tool_round_trip", "route": "via-anthropic", "reason": _GEMINI_SIG},
    {
        "test": "test_gemini_thoughts",
        "route": "via-anthropic",
        "thinking": "include_only",
        "reason": "ThinkingConfig(include_thoughts=True) without thinking_budget/thinking_level reaches the "
        "Anthropic upstream with no `thinking` field at all, so the Gemini client gets no thought parts "
        "(the same request on via-responses does reason; Gemini 2.5+ models think by default)",
    },
    {
        "test": "test_anthropic_thinking",
        "route": "via-responses",
        "reason": "Anthropic client on a Responses upstream: every thinking block has signature '' because the "
        'upstream request has no include:["reasoning.encrypted_content"] (the gateway is stateless, so '
        "the reasoning cannot be replayed on the next turn)",
    },
    {
        "test": "test_openai_embeddings",
        "route": "via-gemini",
        "reason": 'OpenAI embeddings answered from a Gemini upstream have `model: ""` (batchEmbedContents '
        "carries no model name; the gateway should fill in the model)",
    },
    {
        "test": "test_upstream_drop_mid_stream",
        "inbound": "openai_responses",
        "reason": "the Responses `error` event the gateway sends when the upstream stream breaks has no "
        "`sequence_number` (required by the Responses event schema; every other event has one)",
    },
]

_SNAKE = (
    "google-genai 3.6 sends {keys} in snake_case; passthrough forwards them verbatim and the mock reads "
    "only the camelCase names (real Gemini accepts both)"
)

MOCK_GAPS: list[dict] = [
    {
        "test": "test_gemini_thoughts",
        "route": route,
        "reason": _SNAKE.format(keys="thinkingConfig.include_thoughts") + ", so no thought parts come back",
    }
    for route in ("via-gemini", "direct")
] + [
    {
        "test": "test_tool_json_schema_declaration",
        "route": route,
        "reason": _SNAKE.format(keys="functionDeclarations[].parameters_json_schema")
        + ", so the mock's call args are the string 'x' and google-genai rejects the response",
    }
    for route in ("via-gemini", "direct")
]
