//! `:embedContent` / `:batchEmbedContents` ⇄ IR embeddings.

use gproxy_protocol::gemini as wire;
use gproxy_protocol::Family;
use serde_json::{Map, Value};

use super::request::bare_model;
use crate::codec::{DecodeContext, EncodedRequest};
use crate::diag::Diagnostics;
use crate::error::Result;
use crate::ir::{EmbeddingRequest, EmbeddingResponse};

fn text_of(content: &wire::Content) -> String {
    content
        .parts
        .iter()
        .filter_map(|p| p.text.as_deref())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Either form; one input per request entry. `taskType` / `title` of the first entry go to
/// `extra` (the IR has one set of options for all inputs).
pub(crate) fn decode_request(body: &[u8], ctx: DecodeContext<'_>) -> Result<EmbeddingRequest> {
    let value: Value = serde_json::from_slice(body)?;
    let entries = if value.get("requests").is_some() {
        serde_json::from_value::<wire::BatchEmbedContentsRequest>(value)?.requests
    } else {
        vec![serde_json::from_value::<wire::EmbedContentRequest>(value)?]
    };
    let model = ctx
        .model
        .or_else(|| entries.first().and_then(|e| e.model.as_deref()));
    let mut req = EmbeddingRequest {
        model: model.map(bare_model).unwrap_or_default().to_owned(),
        inputs: entries.iter().map(|e| text_of(&e.content)).collect(),
        dimensions: entries.first().and_then(|e| e.output_dimensionality),
        origin: Some(Family::Gemini),
        ..EmbeddingRequest::default()
    };
    if let Some(first) = entries.first() {
        if let Some(t) = &first.task_type {
            req.extra
                .insert("taskType".to_owned(), Value::String(t.clone()));
        }
        if let Some(t) = &first.title {
            req.extra
                .insert("title".to_owned(), Value::String(t.clone()));
        }
        req.extra.extend(first.extra.clone());
    }
    Ok(req)
}

/// Always the batch form (it also serves a single input): the data plane calls
/// `:batchEmbedContents`.
pub(crate) fn encode_request(
    req: &EmbeddingRequest,
    diag: &mut Diagnostics,
) -> Result<EncodedRequest> {
    let model = bare_model(&req.model).to_owned();
    let gemini = req.origin == Some(Family::Gemini);
    let str_field = |key: &str| {
        if gemini {
            req.extra
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
        } else {
            None
        }
    };
    let mut extra = Map::new();
    for (key, v) in &req.extra {
        match (gemini, key.as_str()) {
            (true, "taskType" | "title") => {}
            (true, _) => {
                extra.insert(key.clone(), v.clone());
            }
            (false, _) => diag.dropped(key.as_str(), "no Gemini embedding option"),
        }
    }
    let requests = req
        .inputs
        .iter()
        .map(|text| wire::EmbedContentRequest {
            model: Some(format!("models/{model}")),
            content: wire::Content {
                role: None,
                parts: vec![wire::Part::text(text.clone())],
                extra: Map::new(),
            },
            task_type: str_field("taskType"),
            title: str_field("title"),
            output_dimensionality: req.dimensions,
            extra: extra.clone(),
        })
        .collect();
    let body = wire::BatchEmbedContentsRequest {
        requests,
        extra: Map::new(),
    };
    Ok(EncodedRequest {
        body: serde_json::to_vec(&body)?,
        model,
        stream: false,
    })
}

pub(crate) fn decode_response(body: &[u8]) -> Result<EmbeddingResponse> {
    let value: Value = serde_json::from_slice(body)?;
    let embeddings = if value.get("embeddings").is_some() {
        serde_json::from_value::<wire::BatchEmbedContentsResponse>(value)?.embeddings
    } else {
        vec![serde_json::from_value::<wire::EmbedContentResponse>(value)?.embedding]
    };
    Ok(EmbeddingResponse {
        model: String::new(),
        embeddings: embeddings.into_iter().map(|e| e.values).collect(),
        input_tokens: None,
    })
}

pub(crate) fn encode_batch_response(resp: &EmbeddingResponse) -> Vec<u8> {
    let embeddings = resp
        .embeddings
        .iter()
        .map(|values| wire::ContentEmbedding {
            values: values.clone(),
            extra: Map::new(),
        })
        .collect();
    serde_json::to_vec(&wire::BatchEmbedContentsResponse {
        embeddings,
        extra: Map::new(),
    })
    .unwrap_or_default()
}

pub(crate) fn encode_single_response(resp: &EmbeddingResponse) -> Vec<u8> {
    let values = resp.embeddings.first().cloned().unwrap_or_default();
    let body = wire::EmbedContentResponse {
        embedding: wire::ContentEmbedding {
            values,
            extra: Map::new(),
        },
        extra: Map::new(),
    };
    serde_json::to_vec(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_request_forms_decode() {
        let ctx = DecodeContext {
            model: Some("text-embedding-004"),
            stream: None,
        };
        let batch = json!({"requests": [{"content": {"role": "user", "parts": [{"text": "hi"}]}, "model": "models/text-embedding-004"},
                                        {"content": {"parts": [{"text": "there"}]}, "model": "models/text-embedding-004"}]});
        let single = json!({"content": {"parts": [{"text": "hi"}]}, "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 256});
        let b = decode_request(batch.to_string().as_bytes(), ctx).unwrap();
        assert_eq!(
            (b.model.as_str(), b.inputs.clone()),
            (
                "text-embedding-004",
                vec!["hi".to_owned(), "there".to_owned()]
            )
        );
        let s = decode_request(single.to_string().as_bytes(), DecodeContext::default()).unwrap();
        assert_eq!(
            (s.inputs.clone(), s.dimensions),
            (vec!["hi".to_owned()], Some(256))
        );
        assert_eq!(s.extra["taskType"], "RETRIEVAL_QUERY");

        let mut d = Diagnostics::new();
        let enc = encode_request(
            &EmbeddingRequest {
                model: "text-embedding-004".into(),
                ..s
            },
            &mut d,
        )
        .unwrap();
        let v: Value = serde_json::from_slice(&enc.body).unwrap();
        assert_eq!(
            v,
            json!({"requests": [{"model": "models/text-embedding-004", "content": {"parts": [{"text": "hi"}]},
            "taskType": "RETRIEVAL_QUERY", "outputDimensionality": 256}]})
        );
        assert!(d.is_empty());
    }

    #[test]
    fn responses_both_forms() {
        let single = decode_response(br#"{"embedding": {"values": [0.25, -0.5]}}"#).unwrap();
        let batch =
            decode_response(br#"{"embeddings": [{"values": [0.25, -0.5]}, {"values": [1.0]}]}"#)
                .unwrap();
        assert_eq!(single.embeddings, vec![vec![0.25, -0.5]]);
        assert_eq!(batch.embeddings.len(), 2);
        let v: Value = serde_json::from_slice(&encode_single_response(&batch)).unwrap();
        assert_eq!(v, json!({"embedding": {"values": [0.25, -0.5]}}));
        let v: Value = serde_json::from_slice(&encode_batch_response(&batch)).unwrap();
        assert_eq!(v["embeddings"][1]["values"], json!([1.0]));
    }
}
