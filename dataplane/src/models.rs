//! Model listing answered from the snapshot (never upstream), filtered by the key's permissions,
//! and the local token estimate.

use axum::body::Body;
use axum::response::Response;
use gproxy_protocol::Operation;
use gproxy_transform::{codec, ir};

use crate::classify::Inbound;
use crate::error::ApiError;
use crate::runtime::{Runtime, UserRt};

/// The models a user may address: routes, exact aliases, and `provider/model` of every provider
/// model (or bare model ids for a scoped path).
pub fn visible(rt: &Runtime, user: &UserRt, scoped: Option<&str>) -> Vec<ir::ModelInfo> {
    let mut out = Vec::new();
    if let Some(p) = scoped {
        if let Some(provider) = rt.provider(p) {
            for m in &provider.spec.models {
                if user.may_use(&format!("{p}/{}", m.id)) {
                    out.push(info(&m.id, m, &provider.spec.name));
                }
            }
        }
        return out;
    }
    for name in &rt.route_order {
        if !user.may_use(name) {
            continue;
        }
        let first = rt
            .routes
            .get(name)
            .and_then(|r| r.members.first())
            .and_then(|m| {
                let p = rt.providers.get(m.provider)?;
                Some((p.model(&m.model)?.clone(), p.spec.name.clone()))
            });
        match first {
            Some((m, owner)) => out.push(info(name, &m, &owner)),
            None => out.push(ir::ModelInfo {
                id: name.clone(),
                owned_by: Some("gproxy".into()),
                ..Default::default()
            }),
        }
    }
    for p in &rt.providers {
        for m in &p.spec.models {
            let id = format!("{}/{}", p.spec.name, m.id);
            if user.may_use(&id) {
                out.push(info(&id, m, &p.spec.name));
            }
        }
    }
    out
}

fn info(id: &str, m: &gproxy_config::bundle::Model, owner: &str) -> ir::ModelInfo {
    ir::ModelInfo {
        id: id.to_owned(),
        display_name: m.display_name.clone(),
        description: None,
        created: None,
        owned_by: Some(owner.to_owned()),
        input_token_limit: m.context_window,
        output_token_limit: m.max_output_tokens,
    }
}

pub fn answer(
    rt: &Runtime,
    user: &UserRt,
    inbound: &Inbound,
    request_id: &str,
) -> Result<Response, ApiError> {
    let c = codec(inbound.kind);
    let list = visible(rt, user, inbound.scoped.as_deref());
    let body = if inbound.operation == Operation::GetModel {
        let want = inbound.path_model.as_deref().unwrap_or_default();
        let want = want.strip_prefix("models/").unwrap_or(want);
        let m = list
            .into_iter()
            .find(|m| m.id == want)
            .ok_or_else(|| ApiError::model_not_found(want))?;
        c.encode_model(&m)
    } else {
        c.encode_model_list(&ir::ModelList {
            models: list,
            next_page: None,
        })
    };
    Ok(Response::builder()
        .status(200)
        .header(http::header::CONTENT_TYPE, "application/json")
        .header("x-request-id", request_id)
        .body(Body::from(body))
        .unwrap_or_else(|_| Response::new(Body::empty())))
}

/// About four bytes of text per token, plus a few tokens of framing per message.
pub fn estimate_input_tokens(req: &ir::Request) -> u64 {
    let mut bytes = 0usize;
    let mut messages = 0u64;
    for m in &req.messages {
        messages += 1;
        for p in &m.parts {
            bytes += match p {
                ir::Part::Text(t) => t.text.len(),
                ir::Part::Reasoning(r) => r.text.len(),
                ir::Part::ToolCall(c) => c.name.len() + c.arguments.len(),
                ir::Part::ToolResult(r) => r
                    .content
                    .iter()
                    .map(|p| {
                        if let ir::Part::Text(t) = p {
                            t.text.len()
                        } else {
                            1000
                        }
                    })
                    .sum(),
                ir::Part::Image(_) | ir::Part::File(_) => 3000,
                ir::Part::Refusal(s) => s.len(),
                ir::Part::Opaque(_) => 0,
            };
        }
    }
    for t in &req.tools {
        if let ir::Tool::Function(f) = t {
            bytes += f.name.len()
                + f.description.as_ref().map_or(0, String::len)
                + f.parameters.as_ref().map_or(0, |p| p.get().len());
        }
    }
    (bytes as u64).div_ceil(4) + messages * 4
}
