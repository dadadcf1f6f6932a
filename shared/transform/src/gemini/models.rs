//! `GET models` / `GET models/{model}` ⇄ IR model list and info.

use gproxy_protocol::gemini as wire;

use super::request::bare_model;
use crate::error::Result;
use crate::ir::{ModelInfo, ModelList};

fn decode_model_value(m: wire::Model) -> ModelInfo {
    ModelInfo {
        id: bare_model(&m.name).to_owned(),
        display_name: m.display_name,
        description: m.description,
        created: None,
        owned_by: None,
        input_token_limit: m.input_token_limit,
        output_token_limit: m.output_token_limit,
    }
}

/// The IR does not know a model's methods: embedding models (by name) get `embedContent`, the
/// others the generate methods, so clients that filter on them still list the model.
fn encode_model_value(m: &ModelInfo) -> wire::Model {
    let id = bare_model(&m.id);
    let methods: &[&str] = if id.contains("embedding") {
        &["embedContent", "batchEmbedContents"]
    } else {
        &["generateContent", "countTokens"]
    };
    wire::Model {
        name: format!("models/{id}"),
        display_name: Some(m.display_name.clone().unwrap_or_else(|| id.to_owned())),
        description: m.description.clone(),
        input_token_limit: m.input_token_limit,
        output_token_limit: m.output_token_limit,
        supported_generation_methods: Some(methods.iter().map(|s| (*s).to_owned()).collect()),
        ..wire::Model::default()
    }
}

pub(crate) fn decode_list(body: &[u8]) -> Result<ModelList> {
    let w: wire::ListModelsResponse = serde_json::from_slice(body)?;
    Ok(ModelList {
        models: w.models.into_iter().map(decode_model_value).collect(),
        next_page: w.next_page_token,
    })
}

pub(crate) fn encode_list(list: &ModelList) -> Vec<u8> {
    let w = wire::ListModelsResponse {
        models: list.models.iter().map(encode_model_value).collect(),
        next_page_token: list.next_page.clone(),
        ..Default::default()
    };
    serde_json::to_vec(&w).unwrap_or_default()
}

pub(crate) fn decode_model(body: &[u8]) -> Result<ModelInfo> {
    Ok(decode_model_value(serde_json::from_slice(body)?))
}

pub(crate) fn encode_model(m: &ModelInfo) -> Vec<u8> {
    serde_json::to_vec(&encode_model_value(m)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    #[test]
    fn model_list_both_ways() {
        let body = json!({"models": [
            {"name": "models/gemini-2.5-flash", "version": "001", "displayName": "Gemini 2.5 Flash",
             "description": "Stable version of Gemini 2.5 Flash", "inputTokenLimit": 1048576, "outputTokenLimit": 65536,
             "supportedGenerationMethods": ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
             "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": true},
            {"name": "models/text-embedding-004", "version": "004", "displayName": "Text Embedding 004",
             "inputTokenLimit": 2048, "outputTokenLimit": 1, "supportedGenerationMethods": ["embedContent"]}],
            "nextPageToken": "Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA=="});
        let list = decode_list(body.to_string().as_bytes()).unwrap();
        assert_eq!(list.models.len(), 2);
        assert_eq!(list.models[0].id, "gemini-2.5-flash");
        assert_eq!(list.models[0].input_token_limit, Some(1_048_576));
        assert_eq!(
            list.next_page.as_deref(),
            Some("Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==")
        );
        let back: Value = serde_json::from_slice(&encode_list(&list)).unwrap();
        assert_eq!(back["models"][0]["name"], "models/gemini-2.5-flash");
        assert_eq!(
            back["models"][1]["supportedGenerationMethods"][0],
            "embedContent"
        );
        let one = decode_model(&encode_model(&ModelInfo {
            id: "gpt-4o".into(),
            ..Default::default()
        }))
        .unwrap();
        assert_eq!(
            (one.id.as_str(), one.display_name.as_deref()),
            ("gpt-4o", Some("gpt-4o"))
        );
    }
}
