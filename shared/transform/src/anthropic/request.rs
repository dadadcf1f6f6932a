//! Anthropic Messages request → IR.
//!
//! Top-level `system` becomes leading System messages and `role: "system"` entries (and
//! `mid_conv_system` blocks) become System messages in place. Each `tool_result` block becomes
//! its own IR Tool message, in order with the user content around it. Per-block fields with no
//! IR slot (`cache_control`, document `context`, unknown fields) are kept for the same-family
//! path in `extra[BLOCK_FIELDS]`, keyed by IR location (`m{i}.p{j}`, `m{i}.p{j}.c{k}` inside
//! a tool result, `t{k}` for tools): one key, so another family drops them with one diagnostic.

use gproxy_protocol::anthropic as wire;
use gproxy_protocol::anthropic::ContentBlock as B;
use serde_json::{Map, Value};

use super::parts::{decode_block, tool_call_signature, BlockFields};
use super::tools::decode_tool;
use super::{BLOCK_FIELDS, FAMILY};
use crate::codec::DecodeContext;
use crate::error::{Result, TransformError};
use crate::ir;

pub(crate) fn decode(body: &[u8], ctx: DecodeContext<'_>) -> Result<ir::Request> {
    let w: wire::MessagesRequest = crate::error::from_json(body)?;
    from_wire(w, ctx)
}

pub(crate) fn from_wire(w: wire::MessagesRequest, ctx: DecodeContext<'_>) -> Result<ir::Request> {
    let mut b = Builder::default();
    if let Some(system) = w.system {
        b.system_content(system_blocks(system), "system")?;
        b.close();
    }
    for (i, m) in w.messages.into_iter().enumerate() {
        b.message(m, i)?;
    }
    let mut extra = w.extra;
    let mut req = ir::Request {
        model: if w.model.is_empty() {
            ctx.model.unwrap_or_default().to_owned()
        } else {
            w.model
        },
        max_output_tokens: w.max_tokens,
        temperature: w.temperature,
        top_p: w.top_p,
        top_k: w.top_k,
        stop: w.stop_sequences.unwrap_or_default(),
        stream: w.stream.unwrap_or(false),
        origin: Some(FAMILY),
        ..ir::Request::default()
    };
    for (k, tool) in w.tools.unwrap_or_default().into_iter().enumerate() {
        req.tools.push(decode_tool(tool, k, &mut b.fields)?);
    }
    if let Some(choice) = w.tool_choice {
        let (choice, disable) = match choice {
            wire::ToolChoice::Auto(o) => (Some(ir::ToolChoice::Auto), o.disable_parallel_tool_use),
            wire::ToolChoice::Any(o) => {
                (Some(ir::ToolChoice::Required), o.disable_parallel_tool_use)
            }
            wire::ToolChoice::None(o) => (Some(ir::ToolChoice::None), o.disable_parallel_tool_use),
            wire::ToolChoice::Tool(t) => (
                Some(ir::ToolChoice::Tool(t.name)),
                t.disable_parallel_tool_use,
            ),
            wire::ToolChoice::Unknown(v) => {
                extra.insert("tool_choice".into(), v);
                (None, None)
            }
        };
        req.tool_choice = choice;
        req.parallel_tool_calls = disable.map(|d| !d);
    }
    if let Some(meta) = w.metadata {
        req.user = meta.user_id;
        if !meta.extra.is_empty() {
            extra.insert("metadata".into(), Value::Object(meta.extra));
        }
    }
    req.reasoning = w.thinking.and_then(|t| decode_thinking(t, &mut extra));
    if let Some(oc) = w.output_config {
        decode_output_config(oc, &mut req, &mut extra);
    }
    if let Some(f) = w.output_format {
        match response_format(&f) {
            Some(rf) if req.response_format.is_none() => req.response_format = Some(rf),
            _ => {
                extra.insert("output_format".into(), f);
            }
        }
    }
    let passthrough = [
        ("context_management", w.context_management),
        ("service_tier", w.service_tier.map(Value::String)),
        ("container", w.container),
        ("mcp_servers", w.mcp_servers.map(Value::Array)),
    ];
    for (k, v) in passthrough {
        if let Some(v) = v {
            extra.insert(k.into(), v);
        }
    }
    if !b.fields.is_empty() {
        extra.insert(BLOCK_FIELDS.into(), Value::Object(b.fields));
    }
    req.messages = b.messages;
    req.extra = extra;
    Ok(req)
}

fn system_blocks(system: wire::System) -> Vec<B> {
    match system {
        wire::System::Text(s) => vec![B::text(s)],
        wire::System::Blocks(blocks) => blocks,
    }
}

#[derive(Default)]
struct Builder {
    messages: Vec<ir::Message>,
    /// Whether the last message still takes parts of the current wire message.
    open: bool,
    fields: Map<String, Value>,
}

impl Builder {
    fn close(&mut self) {
        self.open = false;
    }

    fn push(&mut self, role: ir::Role, part: ir::Part, fields: BlockFields) {
        let reuse = self.open && self.messages.last().is_some_and(|m| m.role == role);
        if !reuse {
            self.messages.push(ir::Message::new(role, Vec::new()));
            self.open = true;
        }
        let i = self.messages.len() - 1;
        let Some(msg) = self.messages.last_mut() else {
            return;
        };
        let j = msg.parts.len();
        for (suffix, m) in fields {
            self.fields
                .insert(format!("m{i}.p{j}{suffix}"), Value::Object(m));
        }
        msg.parts.push(part);
    }

    fn system_content(&mut self, blocks: Vec<B>, at: &str) -> Result<()> {
        for (k, block) in blocks.into_iter().enumerate() {
            let (part, f) = decode_block(block, &format!("{at}[{k}]"))?;
            self.push(ir::Role::System, part, f);
        }
        Ok(())
    }

    fn message(&mut self, m: wire::Message, i: usize) -> Result<()> {
        self.close();
        let first = self.messages.len();
        let at = format!("messages[{i}]");
        let role = match m.role {
            wire::Role::User => ir::Role::User,
            wire::Role::Assistant => ir::Role::Assistant,
            wire::Role::System => ir::Role::System,
            wire::Role::Other(r) => {
                return Err(TransformError::invalid(
                    format!("{at}.role"),
                    format!("unknown role `{r}`"),
                ));
            }
        };
        let blocks = match m.content {
            wire::MessageContent::Text(s) => vec![B::text(s)],
            wire::MessageContent::Blocks(blocks) => blocks,
        };
        if role == ir::Role::Assistant {
            self.assistant(blocks, &at)?;
        } else {
            for (k, block) in blocks.into_iter().enumerate() {
                let at = format!("{at}.content[{k}]");
                match block {
                    B::ToolResult(_) => {
                        self.close();
                        let (part, f) = decode_block(block, &at)?;
                        self.push(ir::Role::Tool, part, f);
                        self.close();
                    }
                    B::MidConvSystem(s) => self.mid_conversation_system(s, &at)?,
                    block => {
                        let (part, f) = decode_block(block, &at)?;
                        self.push(role, part, f);
                    }
                }
            }
        }
        if self.messages.len() == first {
            self.messages.push(ir::Message::new(role, Vec::new()));
        }
        if let Some(msg) = self.messages.get_mut(first) {
            msg.extra = m.extra;
        }
        self.close();
        Ok(())
    }

    fn mid_conversation_system(&mut self, s: wire::MidConvSystemBlock, at: &str) -> Result<()> {
        self.close();
        self.system_content(s.content, &format!("{at}.content"))?;
        self.close();
        Ok(())
    }

    /// Assistant blocks; an empty thinking block carrying a Gemini signature belongs to the
    /// `tool_use` it precedes (or, when tagged with a call id, to that call).
    fn assistant(&mut self, blocks: Vec<B>, at: &str) -> Result<()> {
        let first = self.messages.len();
        let mut pending = None;
        let mut tagged = Vec::new();
        let mut iter = blocks.into_iter().enumerate().peekable();
        while let Some((k, block)) = iter.next() {
            if let Some((id, op)) = tool_call_signature(&block) {
                match id {
                    Some(id) => {
                        tagged.push((id, op));
                        continue;
                    }
                    None if matches!(iter.peek(), Some((_, B::ToolUse(_)))) => {
                        pending = Some(op);
                        continue;
                    }
                    None => {}
                }
            }
            if let B::MidConvSystem(s) = block {
                self.mid_conversation_system(s, &format!("{at}.content[{k}]"))?;
                continue;
            }
            let (mut part, f) = decode_block(block, &format!("{at}.content[{k}]"))?;
            if let ir::Part::ToolCall(c) = &mut part {
                c.signature = pending.take();
            }
            self.push(ir::Role::Assistant, part, f);
        }
        for (id, op) in tagged {
            let call = self
                .messages
                .iter_mut()
                .skip(first)
                .flat_map(|m| m.parts.iter_mut())
                .find_map(|p| match p {
                    ir::Part::ToolCall(c) if c.id == id => Some(c),
                    _ => None,
                });
            match call {
                Some(c) => c.signature = Some(op),
                None => {
                    let r = ir::Reasoning {
                        signature: Some(op),
                        ..ir::Reasoning::default()
                    };
                    self.push(ir::Role::Assistant, ir::Part::Reasoning(r), Vec::new());
                }
            }
        }
        Ok(())
    }
}

fn decode_thinking(
    t: wire::Thinking,
    extra: &mut Map<String, Value>,
) -> Option<ir::ReasoningConfig> {
    let (enabled, budget, options) = match t {
        wire::Thinking::Enabled(e) => (true, Some(e.budget_tokens), e.options),
        wire::Thinking::Adaptive(o) => (true, None, o),
        wire::Thinking::Disabled(o) => (false, None, o),
        wire::Thinking::Unknown(v) => {
            extra.insert("thinking".into(), v);
            return None;
        }
    };
    if !options.extra.is_empty() {
        extra.insert("thinking".into(), Value::Object(options.extra));
    }
    Some(ir::ReasoningConfig {
        enabled: Some(enabled),
        budget_tokens: budget,
        include_thoughts: options.display.map(|d| d != "omitted"),
        ..ir::ReasoningConfig::default()
    })
}

/// `output_config.effort` → reasoning effort (`max` has no IR level: `xhigh`, with the original
/// kept for the same family); `output_config.format` → response format.
fn decode_output_config(
    oc: wire::OutputConfig,
    req: &mut ir::Request,
    extra: &mut Map<String, Value>,
) {
    let mut residual = oc.extra;
    if let Some(effort) = oc.effort {
        let level = match effort.as_str() {
            "max" => Some(ir::ReasoningEffort::XHigh),
            s => ir::ReasoningEffort::parse(s),
        };
        if level.is_none() || effort == "max" {
            residual.insert("effort".into(), Value::String(effort));
        }
        if let Some(level) = level {
            req.reasoning
                .get_or_insert_with(ir::ReasoningConfig::default)
                .effort = Some(level);
        }
    }
    if let Some(f) = oc.format {
        match response_format(&f) {
            Some(rf) => req.response_format = Some(rf),
            None => {
                residual.insert("format".into(), f);
            }
        }
    }
    if !residual.is_empty() {
        extra.insert("output_config".into(), Value::Object(residual));
    }
}

fn response_format(f: &Value) -> Option<ir::ResponseFormat> {
    if f.get("type").and_then(Value::as_str) != Some("json_schema") {
        return None;
    }
    Some(ir::ResponseFormat::JsonSchema {
        name: None,
        schema: f.get("schema")?.clone(),
        strict: None,
        description: None,
    })
}
