//! Maps a routed, admitted request to the family renderer that answers it.

use std::time::Duration;

use bytes::Bytes;
use hyper::Response;
use serde_json::Value;

use crate::body::MockBody;
use crate::config::MockConfig;
use crate::conversation::{from_anthropic, from_chat, from_gemini, from_responses, Turn};
use crate::fault::error_response;
use crate::plan::plan;
use crate::reply::{now_secs, Ctx};
use crate::route::{Family, Route};
use crate::{anthropic, gemini, openai};

/// The answer to a request that passed the key check and drew no fault. `seq` numbers the ids.
pub fn dispatch(route: &Route, body: &Bytes, cfg: &MockConfig, seq: u64) -> Response<MockBody> {
    let family = route.family();
    let len = body.len();
    match route {
        Route::ListModels(Family::OpenAi) => return openai::list_models(),
        Route::ListModels(Family::Anthropic) => return anthropic::list_models(),
        Route::ListModels(Family::Gemini) => return gemini::list_models(),
        Route::GetModel(Family::OpenAi, id) => return openai::get_model(id),
        Route::GetModel(Family::Anthropic, id) => return anthropic::get_model(id),
        Route::GetModel(Family::Gemini, id) => return gemini::get_model(id),
        Route::ResponsesInputTokens => return openai::input_tokens(len),
        Route::CountTokens => return anthropic::count_tokens(len),
        Route::GeminiCountTokens(_) => return gemini::count_tokens(len),
        Route::NotFound(_) | Route::Root | Route::Admin(_) => {
            return error_response(family, 404, "mock: no such endpoint", None)
        }
        _ => {}
    }
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return error_response(family, 400, "mock: request body is not valid JSON", None);
    };
    let model = match route {
        Route::Generate { model, .. }
        | Route::EmbedContent(model)
        | Route::BatchEmbedContents(model) => model.as_str(),
        _ => match request["model"].as_str() {
            Some(m) => m,
            None => return error_response(family, 400, "mock: `model` is required", None),
        },
    };
    let turn: Turn = match route {
        Route::ChatCompletions => from_chat(&request),
        Route::Responses => from_responses(&request),
        Route::Messages => from_anthropic(&request, body),
        Route::Generate { .. } => from_gemini(&request),
        Route::Embeddings => return openai::embeddings(&request, model, len),
        Route::EmbedContent(_) => return gemini::embed_content(&request),
        Route::BatchEmbedContents(_) => return gemini::batch_embed_contents(&request),
        _ => return error_response(family, 404, "mock: no such endpoint", None),
    };
    let plan = plan(&turn, len, cfg.pad_bytes);
    let ctx = Ctx {
        model,
        plan: &plan,
        request: &request,
        seq,
        created: now_secs(),
        chunks: cfg.chunks,
        delay: Duration::from_millis(cfg.chunk_delay_ms),
        drop_after: cfg.drop_after_chunks,
    };
    match route {
        Route::ChatCompletions => openai::chat_completions(&ctx),
        Route::Responses => openai::responses(&ctx),
        Route::Messages => anthropic::messages(&ctx),
        Route::Generate { stream, sse, .. } => gemini::generate(&ctx, *stream, *sse),
        _ => error_response(family, 404, "mock: no such endpoint", None),
    }
}
