//! Wire-model tests on the captured client requests and on response shapes the API returns.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::*;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);

/// Every Gemini request body in the fixtures, with its path.
fn gemini_bodies() -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        if file.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        for line in std::fs::read_to_string(&file).unwrap().lines() {
            let rec: Value = serde_json::from_str(line).unwrap();
            let path = rec["path"].as_str().unwrap_or_default().to_owned();
            if rec["method"] == "POST" && path.contains("/models/") && path.contains(':') {
                out.push((path, rec["body"].clone()));
            }
        }
    }
    out
}

/// The snake_case spellings the fixtures use, which the models re-encode in camelCase.
fn camel_aliases(v: &Value) -> Value {
    const SNAKE: [(&str, &str); 2] = [
        ("parameters_json_schema", "parametersJsonSchema"),
        ("response_json_schema", "responseJsonSchema"),
    ];
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let k = SNAKE
                        .iter()
                        .find(|(s, _)| s == k)
                        .map_or(k.as_str(), |(_, c)| c);
                    (k.to_owned(), camel_aliases(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(camel_aliases).collect()),
        other => other.clone(),
    }
}

fn round_trip<T: DeserializeOwned + Serialize>(body: &Value) -> Value {
    // Through bytes, as on the wire (`to_value` would widen `f32` embeddings to `f64`).
    let typed: T = serde_json::from_slice(&serde_json::to_vec(body).unwrap()).unwrap();
    serde_json::from_slice(&serde_json::to_vec(&typed).unwrap()).unwrap()
}

#[test]
fn captured_requests_round_trip_unchanged() {
    let bodies = gemini_bodies();
    // Gemini CLI (2), Node SDK (8), Python SDK (10).
    assert!(bodies.len() >= 20, "found {} gemini bodies", bodies.len());
    for (path, body) in &bodies {
        let op = path.rsplit(':').next().unwrap_or_default();
        let back = match op {
            "generateContent" | "streamGenerateContent" => {
                round_trip::<GenerateContentRequest>(body)
            }
            "countTokens" => round_trip::<CountTokensRequest>(body),
            "batchEmbedContents" => round_trip::<BatchEmbedContentsRequest>(body),
            "embedContent" => round_trip::<EmbedContentRequest>(body),
            other => panic!("unexpected operation {other} in {path}"),
        };
        assert_eq!(back, camel_aliases(body), "{path}");
    }
}

#[test]
fn snake_case_fields_are_read() {
    let body = gemini_bodies()
        .into_iter()
        .find(|(_, b)| b.to_string().contains("parameters_json_schema"))
        .unwrap()
        .1;
    let req: GenerateContentRequest = serde_json::from_value(body).unwrap();
    let decl = &req.tools.unwrap()[0].function_declarations.clone().unwrap()[0];
    assert_eq!(decl.name, "get_weather");
    assert_eq!(
        decl.parameters_json_schema.as_ref().unwrap().to_value()["required"],
        json!(["city"])
    );
    assert!(decl.extra.is_empty());
}

#[test]
fn gemini_cli_replay_keeps_signature_and_call_id() {
    let (_, body) = gemini_bodies()
        .into_iter()
        .find(|(p, b)| {
            p.contains("streamGenerate") && b["contents"].as_array().map_or(0, Vec::len) == 3
        })
        .unwrap();
    let req: GenerateContentRequest = serde_json::from_value(body).unwrap();
    let call_part = &req.contents[1].parts[0];
    assert_eq!(
        call_part.thought_signature.as_deref(),
        Some("skip_thought_signature_validator")
    );
    let call = call_part.function_call.as_ref().unwrap();
    assert_eq!(call.id.as_deref(), Some("list_directory_1795560837092_0"));
    assert_eq!(call.args, Some(json!({"dir_path": "."})));
    let thinking = req.generation_config.unwrap().thinking_config.unwrap();
    assert_eq!(
        (thinking.thinking_budget, thinking.include_thoughts),
        (Some(8192), Some(true))
    );
}

#[test]
fn responses_round_trip_and_keep_unknown_values() {
    let cases = [
        json!({
            "candidates": [{
                "content": {"parts": [{"text": "Hi", "thoughtSignature": "CiQB"}], "role": "model"},
                "finishReason": "STOP", "index": 0,
                "safetyRatings": [{"category": "HARM_CATEGORY_HARASSMENT", "probability": "NEGLIGIBLE"}]
            }],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1, "totalTokenCount": 30,
                "thoughtsTokenCount": 24, "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 5}]},
            "modelVersion": "gemini-2.5-flash", "responseId": "mJ0kaf2KBoqpkdUP3Lq2wQ8"
        }),
        json!({"candidates": [{"content": {"parts": [{"functionCall": {"name": "f", "args": {}}}], "role": "model"},
            "finishReason": "SOMETHING_NEW", "avgLogprobs": -0.25}], "newTopLevel": 1}),
        json!({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 7}}),
    ];
    for case in &cases {
        assert_eq!(&round_trip::<GenerateContentResponse>(case), case);
    }
    let r: GenerateContentResponse = serde_json::from_value(cases[1].clone()).unwrap();
    let cand = &r.candidates.unwrap()[0];
    assert_eq!(
        cand.finish_reason,
        Some(FinishReason::Unknown("SOMETHING_NEW".into()))
    );
    assert_eq!(FinishReason::parse("MAX_TOKENS"), FinishReason::MaxTokens);
    assert_eq!(FinishReason::parse("SPII").as_str(), "SPII");
}

#[test]
fn other_bodies_round_trip() {
    type RoundTrip = fn(&Value) -> Value;
    let cases: [(Value, RoundTrip); 6] = [
        (
            json!({"totalTokens": 31, "cachedContentTokenCount": 0,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 31}]}),
            round_trip::<CountTokensResponse>,
        ),
        (
            json!({"models": [{"name": "models/gemini-2.5-flash", "version": "001", "displayName": "Gemini 2.5 Flash",
            "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
            "supportedGenerationMethods": ["generateContent", "countTokens"], "temperature": 1, "topP": 0.95,
            "topK": 64, "maxTemperature": 2, "thinking": true}], "nextPageToken": "Ch5tb2"}),
            round_trip::<ListModelsResponse>,
        ),
        (
            json!({"embedding": {"values": [0.013168523, -0.008711934]}}),
            round_trip::<EmbedContentResponse>,
        ),
        (
            json!({"embeddings": [{"values": [0.5]}, {"values": [-0.25]}]}),
            round_trip::<BatchEmbedContentsResponse>,
        ),
        (
            json!({"content": {"parts": [{"text": "hi"}]}, "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 256}),
            round_trip::<EmbedContentRequest>,
        ),
        (
            json!({"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED",
            "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]}}),
            round_trip::<ErrorResponse>,
        ),
    ];
    for (case, rt) in &cases {
        assert_eq!(&rt(case), case);
    }
}

#[test]
fn function_calling_modes() {
    let cfg: ToolConfig = serde_json::from_value(
        json!({"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_time"]}}),
    )
    .unwrap();
    let fcc = cfg.function_calling_config.unwrap();
    assert_eq!(fcc.mode, Some(FunctionCallingMode::Any));
    let m: FunctionCallingMode = serde_json::from_value(json!("VALIDATED")).unwrap();
    assert_eq!(m, FunctionCallingMode::Validated);
    let m: FunctionCallingMode = serde_json::from_value(json!("FUTURE_MODE")).unwrap();
    assert_eq!(serde_json::to_value(&m).unwrap(), json!("FUTURE_MODE"));
}
