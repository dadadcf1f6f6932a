"""Request bodies shaped like the captured clients in shared/fixtures, and the scenarios."""

import json

SYSTEM = ("You are a helpful assistant inside a travel planning app. Answer briefly, use the "
          "tools when the user asks about the weather, and never invent forecasts.")
QUESTION = "What's the weather like in Paris today? I need to decide whether to take an umbrella. "
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "City name, e.g. Paris"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city"],
}
WEATHER_DESC = "Get the current weather for a city."


def body_for(kind, model, text, stream):
    if kind == "chat":
        b = {"model": model, "messages": [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": text}],
            "tools": [{"type": "function", "function": {
                "name": "get_weather", "description": WEATHER_DESC, "parameters": WEATHER_SCHEMA}}],
            "temperature": 0.2, "max_tokens": 512}
        if stream:
            b["stream"] = True
            b["stream_options"] = {"include_usage": True}
        return b
    if kind == "anthropic":
        b = {"model": model, "max_tokens": 1024, "system": SYSTEM,
             "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
             "tools": [{"name": "get_weather", "description": WEATHER_DESC,
                        "input_schema": WEATHER_SCHEMA}]}
        if stream:
            b["stream"] = True
        return b
    if kind == "responses":
        b = {"model": model, "instructions": SYSTEM, "store": False,
             "input": [{"role": "user", "content": [{"type": "input_text", "text": text}]}],
             "tools": [{"type": "function", "name": "get_weather", "description": WEATHER_DESC,
                        "parameters": WEATHER_SCHEMA}]}
        if stream:
            b["stream"] = True
        return b
    if kind == "gemini":
        return {"systemInstruction": {"parts": [{"text": SYSTEM}]},
                "contents": [{"role": "user", "parts": [{"text": text}]}],
                "tools": [{"functionDeclarations": [{"name": "get_weather",
                                                     "description": WEATHER_DESC,
                                                     "parametersJsonSchema": WEATHER_SCHEMA}]}],
                "generationConfig": {"temperature": 0.2, "maxOutputTokens": 512}}
    raise ValueError(kind)


def sized_body(kind, model, size, stream):
    """The request JSON padded (in the user's message) to `size` bytes."""
    base = json.dumps(body_for(kind, model, QUESTION, stream), separators=(",", ":"))
    pad = max(0, size - len(base))
    filler = ("Here is more context about the trip: museums, cafes, the river walk, "
              "and a long list of places we might visit. ")
    text = QUESTION + (filler * (pad // len(filler) + 1))[:pad]
    return json.dumps(body_for(kind, model, text, stream), separators=(",", ":")).encode()


def path_for(kind, model, stream):
    return {
        "chat": "/v1/chat/completions",
        "anthropic": "/v1/messages",
        "responses": "/v1/responses",
        "gemini": "/v1beta/models/%s:%s" % (
            model, "streamGenerateContent?alt=sse" if stream else "generateContent"),
    }[kind]


# --- scenarios ---------------------------------------------------------------------------------

class Phase:
    def __init__(self, mode, concurrency, rate=None):
        self.mode, self.concurrency, self.rate = mode, concurrency, rate

    @property
    def label(self):
        if self.mode == "rate":
            return "%d rps" % self.rate
        if self.mode == "stream":
            return "%d streams" % self.concurrency
        return "max c=%d" % self.concurrency


class Scenario:
    def __init__(self, name, what, kind="chat", model="gpt-4o-mini", size=1024, stream=False,
                 phases=(), upstream=(), min_events=1, faults=False, litellm=True):
        self.name, self.what, self.kind, self.model = name, what, kind, model
        self.size, self.stream, self.phases = size, stream, list(phases)
        self.upstream, self.min_events = list(upstream), min_events
        self.faults, self.litellm = faults, litellm


def scenarios(smoke, rate):
    tool = ["--answer", "tool"]
    conc = 32
    if smoke:
        return [
            Scenario("chat-1k", "OpenAI Chat passthrough, 1 KB in and out", phases=[Phase("max", 8)]),
            Scenario("stream-50", "Chat stream, 50 chunks 2 ms apart", stream=True,
                     phases=[Phase("stream", 8)], min_events=50,
                     upstream=["--chunks", "50", "--chunk-gap-ms", "2", "--stream", "on"]),
            Scenario("anthropic-to-chat", "Anthropic in, Chat upstream, tools", kind="anthropic",
                     phases=[Phase("max", 8)], upstream=tool + ["--stream", "off"]),
        ]
    edge_phases = [Phase("rate", 64, rate["edge"]), Phase("max", conc)]
    return [
        Scenario("chat-1k", "OpenAI Chat passthrough, 1 KB in and out",
                 phases=[Phase("rate", 128, rate["chat"]), Phase("max", conc)]),
        Scenario("chat-100k", "Chat passthrough, 100 KB request", size=100 * 1024,
                 phases=[Phase("max", 8)]),
        Scenario("chat-1m", "Chat passthrough, 1 MB request", size=1 << 20,
                 phases=[Phase("max", 4)]),
        Scenario("stream-50", "Chat stream, 50 chunks 10 ms apart", stream=True,
                 phases=[Phase("stream", 64)], min_events=50,
                 upstream=["--chunks", "50", "--chunk-gap-ms", "10", "--response-bytes", "2048",
                           "--stream", "on"]),
        Scenario("stream-ttft", "Chat stream, 5 chunks, one stream at a time: added time to "
                 "first token without queueing", stream=True, phases=[Phase("stream", 1)],
                 min_events=5, upstream=["--chunks", "5", "--stream", "on"]),
        Scenario("anthropic-to-chat", "Anthropic in, Chat upstream, tools", kind="anthropic",
                 phases=edge_phases, upstream=tool + ["--stream", "off"]),
        Scenario("chat-to-anthropic", "Chat in, Anthropic upstream, tools", kind="chat",
                 model="claude-sonnet-4-5", phases=edge_phases, upstream=tool + ["--stream", "off"]),
        Scenario("responses-to-chat", "Responses in, Chat upstream, tools", kind="responses",
                 phases=edge_phases, upstream=tool + ["--stream", "off"]),
        Scenario("gemini-to-chat", "Gemini in, Chat upstream, tools", kind="gemini",
                 phases=edge_phases, upstream=tool + ["--stream", "off"]),
        Scenario("slow-upstream", "1 s upstream latency, 1000 in flight",
                 phases=[Phase("max", 1000)], upstream=["--latency-ms", "1000", "--stream", "off"]),
        Scenario("faults", "10% injected 429/500; gproxy fails over to a second member",
                 model="bench-failover", phases=[Phase("max", conc)], faults=True,
                 upstream=["--fail-rate", "0.1", "--fail-status", "429,500", "--stream", "off"]),
    ]
