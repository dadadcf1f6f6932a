#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Rule sets: parsing, validation, and application on captured client requests.

use gproxy_config::rules::{self, Action, CompiledRules, HeaderEdit, RuleContext, RuleSet};
use gproxy_protocol::{Operation, OperationKind};
use serde_json::{json, Value};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/fixtures/clients"
);

/// The body and headers of the `nth` POST to a path starting with `path` in a fixture file.
fn fixture(file: &str, path: &str, nth: usize) -> (Value, Vec<(String, String)>) {
    let text = std::fs::read_to_string(format!("{FIXTURES}/{file}")).unwrap();
    let rec: Value = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["method"] == "POST" && r["path"].as_str().unwrap().starts_with(path))
        .nth(nth)
        .unwrap_or_else(|| panic!("{file} has no POST #{nth} to {path}"));
    let headers = rec["headers"]
        .as_array()
        .map(|hs| {
            hs.iter()
                .map(|h| {
                    (
                        h[0].as_str().unwrap().to_string(),
                        h[1].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    (rec["body"].clone(), headers)
}

fn claude_code() -> (Value, Vec<(String, String)>) {
    fixture(
        "claude-code_messages_tool-roundtrip.jsonl",
        "/v1/messages",
        1,
    )
}

fn chat_with_tools() -> Value {
    let (b, _) = fixture("python-sdks_all-endpoints.jsonl", "/v1/chat/completions", 5);
    assert!(b["tools"].is_array(), "fixture drifted: {b}");
    b
}

fn gemini_cli() -> Value {
    fixture(
        "gemini-cli_stream-generate_tool-roundtrip.jsonl",
        "/v1beta/models/",
        0,
    )
    .0
}

fn sets(yaml: &str) -> Vec<RuleSet> {
    serde_yaml::from_str(yaml).unwrap()
}

fn compile(yaml: &str) -> CompiledRules {
    let sets = sets(yaml);
    let refs: Vec<&RuleSet> = sets.iter().collect();
    CompiledRules::compile(&refs).unwrap()
}

/// One always-matching rule with the given actions (YAML flow list).
fn one_rule(actions: &str) -> CompiledRules {
    compile(&format!("- name: t\n  rules:\n    - actions: {actions}\n"))
}

fn ctx(model: &str, kind: OperationKind) -> RuleContext<'_> {
    RuleContext {
        model,
        operation: Operation::GenerateContent,
        kind,
        stream: false,
    }
}

const CHAT: OperationKind = OperationKind::OpenAiChat;
const MESSAGES: OperationKind = OperationKind::AnthropicMessages;
const GEMINI: OperationKind = OperationKind::Gemini;

fn count_key(v: &Value, key: &str) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| usize::from(k == key) + count_key(x, key))
            .sum(),
        Value::Array(a) => a.iter().map(|x| count_key(x, key)).sum(),
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// Document

const EXAMPLE: &str = r####"
rule_sets:
  - name: anthropic-defaults
    description: optional text
    enabled: true
    rules:
      - name: cap-output
        when:
          models: ["claude-*"]
          operations: [generate_content, stream_generate_content]
          kinds: [anthropic_messages]
          stream: true
          present: ["/tools"]
          absent: ["/temperature"]
        actions:
          - {op: set, path: /max_tokens, value: 4096}
          - {op: default, path: /temperature, value: 0.2}
          - {op: remove, path: /metadata}
          - {op: rename, from: /user, to: /metadata/user_id}
          - {op: clamp, path: /max_tokens, min: 1, max: 8192}
          - {op: append, path: /stop_sequences, value: "###"}
          - {op: prepend, path: /messages, value: {role: user, content: "Be brief."}}
          - {op: merge, path: /generationConfig, value: {temperature: 0.5, topK: null}}
          - {op: set_header, name: anthropic-beta, value: "prompt-caching-2024-07-31"}
          - {op: remove_header, name: "x-stainless-*"}
"####;

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    rule_sets: Vec<RuleSet>,
}

#[test]
fn the_documented_example_parses_validates_and_round_trips() {
    let doc: Doc = serde_yaml::from_str(EXAMPLE).unwrap();
    let set = &doc.rule_sets[0];
    assert_eq!(set.name, "anthropic-defaults");
    assert!(set.enabled);
    let rule = &set.rules[0];
    assert_eq!(rule.name.as_deref(), Some("cap-output"));
    assert_eq!(rule.when.models, ["claude-*"]);
    assert_eq!(rule.when.stream, Some(true));
    assert_eq!(rule.actions.len(), 10);
    assert_eq!(
        rule.actions[4],
        Action::Clamp {
            path: "/max_tokens".into(),
            min: Some(json!(1)),
            max: Some(json!(8192)),
        }
    );
    assert_eq!(
        rule.actions[7],
        Action::Merge {
            path: "/generationConfig".into(),
            value: json!({"temperature": 0.5, "topK": null}),
        }
    );
    assert!(rules::validate(&doc.rule_sets, "rule_sets").is_empty());

    // and it does what it says on a Claude Code request
    let compiled = CompiledRules::compile(&[set]).unwrap();
    let (mut body, _) = claude_code();
    let n_messages = body["messages"].as_array().unwrap().len();
    let mut c = ctx("claude-sonnet-4-5", MESSAGES);
    c.stream = true;
    let a = compiled.apply(&c, &mut body);
    assert_eq!(a.matched, ["anthropic-defaults/cap-output"]);
    assert_eq!((a.body_changed, a.skipped, a.headers.len()), (true, 0, 2));
    assert_eq!(body["max_tokens"], 4096);
    assert_eq!(body["temperature"], 0.2);
    assert!(body.get("metadata").is_none());
    assert_eq!(body["stop_sequences"], json!(["###"]));
    assert_eq!(body["messages"].as_array().unwrap().len(), n_messages + 1);
    assert_eq!(body["messages"][0]["content"], "Be brief.");
    assert_eq!(body["generationConfig"], json!({"temperature": 0.5}));
    // the rule's conditions: not for a non-streaming request, nor once a temperature is set
    c.stream = false;
    assert_eq!(compiled.apply(&c, &mut claude_code().0).rules_matched, 0);
    c.stream = true;
    assert_eq!(compiled.apply(&c, &mut body).rules_matched, 0);

    // JSON round trip; `enabled: true` is the default and not written
    let text = serde_json::to_string(&doc).unwrap();
    assert!(!text.contains("\"enabled\""), "{text}");
    assert!(text.contains(r#""op":"set_header""#), "{text}");
    let back: Doc = serde_json::from_str(&text).unwrap();
    assert_eq!(back.rule_sets, doc.rule_sets);
    // YAML round trip
    let yaml = serde_yaml::to_string(&doc).unwrap();
    let back: Doc = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(back.rule_sets, doc.rule_sets);
}

#[test]
fn unknown_fields_and_ops_are_rejected_when_parsing() {
    for bad in [
        "- {name: a, rules: [], colour: red}",
        "- {name: a, rules: [{actions: [], label: x}]}",
        "- {name: a, rules: [{when: {model: [x]}, actions: []}]}",
        "- {name: a, rules: [{actions: [{op: set, path: /a, value: 1, extra: 2}]}]}",
        "- {name: a, rules: [{actions: [{op: upsert, path: /a, value: 1}]}]}",
        "- {name: a, rules: [{actions: [{op: set, path: /a}]}]}",
        "- {name: a, rules: [{actions: [{op: set_header, name: x-a, value: 3}]}]}",
        "- {name: a, rules: [{when: {}}]}",
    ] {
        assert!(
            serde_yaml::from_str::<Vec<RuleSet>>(bad).is_err(),
            "accepted: {bad}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Actions on captured requests

#[test]
fn set_creates_replaces_and_reports_unchanged_values() {
    let mut body = chat_with_tools();
    let r = one_rule(
        "[{op: set, path: /max_tokens, value: 1024}, {op: set, path: /metadata/tier, value: gold}, \
         {op: set, path: /model, value: gpt-4.1-mini}]",
    );
    let a = r.apply(&ctx("gpt-4o-mini", CHAT), &mut body);
    assert_eq!(a.rules_matched, 1);
    assert_eq!(a.matched, ["t#0"]);
    assert!(a.body_changed);
    assert_eq!(a.skipped, 0);
    assert_eq!(body["max_tokens"], 1024);
    assert_eq!(body["metadata"], json!({"tier": "gold"}));
    assert_eq!(body["model"], "gpt-4.1-mini");
    // the tools are untouched and the key order kept: new keys go last
    assert_eq!(body["tools"], chat_with_tools()["tools"]);
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        ["model", "messages", "tools", "max_tokens", "metadata"],
        "{keys:?}"
    );

    let again = r.apply(&ctx("gpt-4o-mini", CHAT), &mut body);
    assert_eq!(again.rules_matched, 1);
    assert!(!again.body_changed, "setting equal values changes nothing");
}

#[test]
fn set_through_a_scalar_or_past_an_array_end_is_skipped() {
    let mut body = chat_with_tools();
    let before = body.clone();
    let r = one_rule(
        "[{op: set, path: /model/name, value: x}, {op: set, path: /messages/5/role, value: user}, \
         {op: set, path: /messages/role, value: user}]",
    );
    let a = r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(a.skipped, 3);
    assert!(!a.body_changed);
    assert_eq!(body, before);
}

#[test]
fn set_addresses_existing_array_elements_by_index() {
    let mut body = chat_with_tools();
    let r = one_rule("[{op: set, path: /messages/0/content, value: 'weather in Paris?'}]");
    assert!(r.apply(&ctx("m", CHAT), &mut body).body_changed);
    assert_eq!(body["messages"][0]["content"], "weather in Paris?");
    assert_eq!(body["messages"].as_array().unwrap().len(), 3);
}

#[test]
fn default_fills_only_missing_or_null_values() {
    let r = one_rule("[{op: default, path: /temperature, value: 0.2}, {op: default, path: /reasoning/effort, value: low}]");
    let mut body = chat_with_tools();
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["temperature"], 0.2);
    assert_eq!(body["reasoning"], json!({"effort": "low"}));

    let mut body = json!({"temperature": 1.0, "reasoning": {"effort": "high"}});
    let a = r.apply(&ctx("m", CHAT), &mut body);
    assert!(!a.body_changed);
    assert_eq!(
        body,
        json!({"temperature": 1.0, "reasoning": {"effort": "high"}})
    );

    let mut body = json!({"temperature": null, "reasoning": null});
    assert!(r.apply(&ctx("m", CHAT), &mut body).body_changed);
    assert_eq!(
        body,
        json!({"temperature": 0.2, "reasoning": {"effort": "low"}})
    );
}

#[test]
fn remove_deletes_keys_and_array_elements_and_ignores_missing_ones() {
    let (mut body, _) = claude_code();
    assert!(body["metadata"].is_object());
    let r = one_rule("[{op: remove, path: /metadata}, {op: remove, path: /context_management/edits/0}, {op: remove, path: /nope/deeper}]");
    let a = r.apply(&ctx("claude-sonnet-4-5", MESSAGES), &mut body);
    assert!(a.body_changed);
    assert_eq!(a.skipped, 0);
    assert!(body.get("metadata").is_none());
    assert_eq!(body["context_management"]["edits"], json!([]));
    // the remaining keys keep their order
    let keys: Vec<_> = body.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "model",
            "messages",
            "system",
            "tools",
            "max_tokens",
            "thinking",
            "context_management",
            "stream"
        ]
    );

    let mut small = json!({"a": 1});
    let r = one_rule("[{op: remove, path: /b}]");
    let a = r.apply(&ctx("m", CHAT), &mut small);
    assert!(!a.body_changed);
    assert_eq!(a.skipped, 0);
}

#[test]
fn rename_moves_present_values_and_restores_them_when_blocked() {
    let r = one_rule("[{op: rename, from: /user, to: /metadata/user_id}]");
    let mut body = json!({"model": "claude-x", "user": "u-1", "max_tokens": 5});
    assert!(r.apply(&ctx("m", MESSAGES), &mut body).body_changed);
    assert_eq!(
        body,
        json!({"model": "claude-x", "max_tokens": 5, "metadata": {"user_id": "u-1"}})
    );

    // absent source: nothing happens
    let a = r.apply(&ctx("m", MESSAGES), &mut body);
    assert!(!a.body_changed);
    assert_eq!(a.skipped, 0);

    // destination blocked by a string: skipped, source left where it was (same position)
    let mut body = json!({"user": "u-1", "metadata": "opaque", "z": 1});
    let a = r.apply(&ctx("m", MESSAGES), &mut body);
    assert_eq!(a.skipped, 1);
    assert!(!a.body_changed);
    assert_eq!(
        serde_json::to_string(&body).unwrap(),
        r#"{"user":"u-1","metadata":"opaque","z":1}"#
    );

    // array elements move too, and a blocked one goes back to its index
    let r = one_rule("[{op: rename, from: /stop/0, to: /first_stop}]");
    let mut body = json!({"stop": ["a", "b"]});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body, json!({"stop": ["b"], "first_stop": "a"}));
    let r = one_rule("[{op: rename, from: /stop/0, to: /stop/9}]");
    let mut body = json!({"stop": ["a", "b"]});
    assert_eq!(r.apply(&ctx("m", CHAT), &mut body).skipped, 1);
    assert_eq!(body, json!({"stop": ["a", "b"]}));
}

#[test]
fn clamp_bounds_numbers_and_keeps_integers_integral() {
    let (mut body, _) = claude_code();
    assert_eq!(body["max_tokens"], 32000);
    let r = one_rule("[{op: clamp, path: /max_tokens, min: 1, max: 8192}]");
    assert!(r.apply(&ctx("m", MESSAGES), &mut body).body_changed);
    assert_eq!(body["max_tokens"], 8192);
    assert!(body["max_tokens"].is_u64());
    // within bounds: unchanged
    assert!(!r.apply(&ctx("m", MESSAGES), &mut body).body_changed);

    let r = one_rule("[{op: clamp, path: /temperature, min: 0.1}]");
    let mut body = json!({"temperature": 0});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["temperature"], 0.1);
    let r = one_rule("[{op: clamp, path: /temperature, max: 1}]");
    let mut body = json!({"temperature": 1.7});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["temperature"], 1);
    let mut body = json!({"temperature": -3.5});
    assert!(!r.apply(&ctx("m", CHAT), &mut body).body_changed);

    // missing or null: nothing; wrong type: skipped
    for (mut body, skipped) in [
        (json!({}), 0),
        (json!({"temperature": null}), 0),
        (json!({"temperature": "hot"}), 1),
    ] {
        let before = body.clone();
        let a = r.apply(&ctx("m", CHAT), &mut body);
        assert_eq!(a.skipped, skipped, "{before}");
        assert_eq!(body, before);
    }

    // large integers compare exactly, not through f64
    let r = one_rule("[{op: clamp, path: /n, max: 9007199254740993}]");
    let mut body = json!({"n": 9007199254740992u64});
    assert!(!r.apply(&ctx("m", CHAT), &mut body).body_changed);
    let mut body = json!({"n": 9007199254740994u64});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["n"], 9007199254740993u64);
}

#[test]
fn append_and_prepend_grow_or_create_arrays() {
    let r = one_rule("[{op: append, path: /stop_sequences, value: '###'}]");
    let mut body = json!({"model": "claude"});
    r.apply(&ctx("m", MESSAGES), &mut body);
    assert_eq!(body["stop_sequences"], json!(["###"]));
    r.apply(&ctx("m", MESSAGES), &mut body);
    assert_eq!(body["stop_sequences"], json!(["###", "###"]));
    let mut body = json!({"stop_sequences": null});
    r.apply(&ctx("m", MESSAGES), &mut body);
    assert_eq!(body["stop_sequences"], json!(["###"]));
    let mut body = json!({"stop_sequences": "###"});
    let a = r.apply(&ctx("m", MESSAGES), &mut body);
    assert_eq!(a.skipped, 1);
    assert_eq!(body["stop_sequences"], "###");

    // an array value is pushed as one element
    let r = one_rule("[{op: append, path: /a, value: [1, 2]}]");
    let mut body = json!({"a": [0]});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["a"], json!([0, [1, 2]]));

    let mut body = chat_with_tools();
    let r = one_rule("[{op: prepend, path: /messages, value: {role: system, content: Be brief.}}]");
    r.apply(&ctx("gpt-4o-mini", CHAT), &mut body);
    let msgs = body["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    assert_eq!(msgs[0], json!({"role": "system", "content": "Be brief."}));
    assert_eq!(msgs[1]["content"], "weather?");
}

#[test]
fn merge_follows_rfc_7386() {
    let mut body = gemini_cli();
    assert_eq!(body["generationConfig"]["topK"], 64);
    let r = one_rule(
        "[{op: merge, path: /generationConfig, value: {temperature: 0.3, topK: null, \
         thinkingConfig: {thinkingBudget: 1024, extra: null}, stopSequences: [END]}}]",
    );
    let a = r.apply(&ctx("gemini-2.5-flash", GEMINI), &mut body);
    assert!(a.body_changed);
    assert_eq!(
        body["generationConfig"],
        json!({
            "temperature": 0.3,
            "topP": 0.95,
            "thinkingConfig": {"includeThoughts": true, "thinkingBudget": 1024},
            "stopSequences": ["END"],
        })
    );
    assert!(
        !r.apply(&ctx("gemini-2.5-flash", GEMINI), &mut body)
            .body_changed
    );

    // missing target: created from the patch without its nulls
    let (mut body, _) = fixture("python-sdks_all-endpoints.jsonl", "/v1/models/", 0);
    assert!(body.get("generationConfig").is_none());
    r.apply(&ctx("gemini-2.5-flash", GEMINI), &mut body);
    assert_eq!(
        body["generationConfig"],
        json!({"temperature": 0.3, "thinkingConfig": {"thinkingBudget": 1024}, "stopSequences": ["END"]})
    );

    // a nested non-object is replaced (RFC), a non-object target is skipped
    let mut body = json!({"generationConfig": {"thinkingConfig": true}});
    r.apply(&ctx("m", GEMINI), &mut body);
    assert_eq!(
        body["generationConfig"]["thinkingConfig"],
        json!({"thinkingBudget": 1024})
    );
    let mut body = json!({"generationConfig": [1]});
    assert_eq!(r.apply(&ctx("m", GEMINI), &mut body).skipped, 1);

    // merge at the root patches the whole body
    let r = one_rule("[{op: merge, path: '', value: {store: false, include: null}}]");
    let mut body = fixture(
        "codex-cli_responses_tool-roundtrip.jsonl",
        "/v1/responses",
        0,
    )
    .0;
    body["store"] = json!(true);
    r.apply(&ctx("gpt-5", OperationKind::OpenAiResponses), &mut body);
    assert_eq!(body["store"], false);
    assert!(body.get("include").is_none());
}

#[test]
fn header_edits_are_collected_in_order_and_match_case_insensitively() {
    let (_, captured) = claude_code();
    let r = compile(
        "- name: a\n  rules:\n    - actions:\n        - {op: set_header, name: Anthropic-Beta, value: prompt-caching-2024-07-31}\n        - {op: remove_header, name: 'x-stainless-*'}\n- name: b\n  rules:\n    - actions: [{op: remove_header, name: '*'}]\n",
    );
    let applied = r.header_edits(&ctx("claude-sonnet-4-5", MESSAGES));
    assert_eq!(applied.rules_matched, 2);
    assert_eq!(applied.headers.len(), 3);
    assert_eq!(
        applied.headers[0],
        &HeaderEdit::Set {
            name: "anthropic-beta".into(),
            value: "prompt-caching-2024-07-31".into()
        }
    );
    assert!(applied.headers[0].matches("ANTHROPIC-BETA"));
    let stainless: Vec<_> = captured
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| applied.headers[1].matches(k))
        .collect();
    assert_eq!(stainless.len(), 8, "{stainless:?}");
    assert!(stainless.iter().all(|k| k.starts_with("X-Stainless-")));
    assert!(!applied.headers[1].matches("x-app"));
    // '*' matches everything the client sent except what the channel owns
    let all = &applied.headers[2];
    assert!(all.matches("x-app") && all.matches("Anthropic-Version"));
    for owned in [
        "x-api-key",
        "Host",
        "Content-Length",
        "Connection",
        "authorization",
    ] {
        assert!(!all.matches(owned), "{owned}");
    }

    // the same edits come out of apply, body untouched
    let (mut body, _) = claude_code();
    let before = body.clone();
    let a = r.apply(&ctx("claude-sonnet-4-5", MESSAGES), &mut body);
    assert_eq!(a.headers, applied.headers);
    assert!(!a.body_changed);
    assert_eq!(body, before);
}

// ---------------------------------------------------------------------------------------------
// Wildcards and pointers

#[test]
fn wildcards_strip_cache_control_everywhere_in_a_claude_code_request() {
    let (mut body, _) = claude_code();
    assert_eq!(count_key(&body, "cache_control"), 3);
    let before = body.clone();
    let r = one_rule(
        "[{op: remove, path: /system/*/cache_control}, {op: remove, path: /messages/*/content/*/cache_control}, \
         {op: remove, path: /tools/*/cache_control}]",
    );
    let a = r.apply(&ctx("claude-sonnet-4-5", MESSAGES), &mut body);
    assert!(a.body_changed);
    assert_eq!(a.skipped, 0);
    assert_eq!(count_key(&body, "cache_control"), 0);
    // nothing else moved
    assert_eq!(
        body["system"].as_array().unwrap().len(),
        before["system"].as_array().unwrap().len()
    );
    assert_eq!(
        body["messages"][2]["content"][0]["content"],
        "mock-tool-ran"
    );
    assert_eq!(body["tools"], before["tools"]);

    // string contents (SDK requests) are simply not reached
    let (mut sdk, _) = fixture("python-sdks_all-endpoints.jsonl", "/v1/messages", 0);
    assert!(sdk["messages"][0]["content"].is_string());
    let a = r.apply(&ctx("claude", MESSAGES), &mut sdk);
    assert!(!a.body_changed);
    assert_eq!(a.skipped, 0);
}

#[test]
fn wildcards_set_inside_every_element_and_every_object_value() {
    let mut body = chat_with_tools();
    let r = one_rule("[{op: set, path: /tools/*/function/strict, value: true}]");
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["tools"][0]["function"]["strict"], true);

    let mut body = gemini_cli();
    let n = body["tools"][0]["functionDeclarations"]
        .as_array()
        .unwrap()
        .len();
    let r = one_rule("[{op: remove, path: /tools/*/functionDeclarations/*/description}]");
    r.apply(&ctx("m", GEMINI), &mut body);
    let decls = body["tools"][0]["functionDeclarations"].as_array().unwrap();
    assert_eq!(decls.len(), n);
    assert!(decls
        .iter()
        .all(|d| d.get("description").is_none() && d["name"].is_string()));

    // over object values
    let r = one_rule("[{op: clamp, path: /generationConfig/*, max: 0.5}]");
    let mut body = json!({"generationConfig": {"temperature": 1, "topP": 0.95, "mode": "x"}});
    let a = r.apply(&ctx("m", GEMINI), &mut body);
    assert_eq!(
        body["generationConfig"],
        json!({"temperature": 0.5, "topP": 0.5, "mode": "x"})
    );
    assert_eq!(a.skipped, 1, "the string value is the wrong type");

    // a wildcard never creates: no /tools, nothing happens
    let mut body = json!({"model": "m"});
    let r = one_rule(
        "[{op: set, path: /tools/*/strict, value: false}, {op: set, path: /x/*, value: 1}]",
    );
    let a = r.apply(&ctx("m", CHAT), &mut body);
    assert!(!a.body_changed);
    assert_eq!(body, json!({"model": "m"}));

    // remove with a final wildcard empties the container
    let mut body = json!({"a": [1, 2], "b": {"x": 1}});
    one_rule("[{op: remove, path: /a/*}, {op: remove, path: /b/*}]")
        .apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body, json!({"a": [], "b": {}}));

    // creation resumes after the last wildcard
    let mut body = json!({"messages": [{"role": "user"}, {"role": "assistant", "meta": null}]});
    one_rule("[{op: set, path: /messages/*/meta/seen, value: true}]")
        .apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["messages"][0]["meta"], json!({"seen": true}));
    assert_eq!(body["messages"][1]["meta"], json!({"seen": true}));
}

#[test]
fn pointer_escapes_and_index_rules_follow_rfc_6901() {
    let r = one_rule("[{op: set, path: /a~1b, value: 1}, {op: set, path: /m~0n, value: 2}]");
    let mut body = json!({});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body, json!({"a/b": 1, "m~n": 2}));

    // "01" is a key, not an index: on an array it reaches nothing
    let r = one_rule("[{op: set, path: /a/01, value: x}, {op: set, path: /o/01, value: x}]");
    let mut body = json!({"a": ["p", "q"], "o": {}});
    let a = r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(a.skipped, 1);
    assert_eq!(body, json!({"a": ["p", "q"], "o": {"01": "x"}}));

    // "" is the whole body
    let r = one_rule("[{op: set, path: '', value: {replaced: true}}]");
    let mut body = json!([1, 2]);
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body, json!({"replaced": true}));
}

// ---------------------------------------------------------------------------------------------
// Conditions

fn cond(when: &str) -> CompiledRules {
    compile(&format!(
        "- name: c\n  rules:\n    - when: {when}\n      actions: [{{op: set_header, name: x-hit, value: '1'}}]\n"
    ))
}

fn hits(r: &CompiledRules, ctx: &RuleContext<'_>, body: &Value) -> bool {
    let mut body = body.clone();
    let a = r.apply(ctx, &mut body);
    assert_eq!(a.headers.len() as u32, a.rules_matched);
    a.rules_matched == 1
}

#[test]
fn models_are_case_sensitive_globs_over_the_upstream_model() {
    let r = cond("{models: ['claude-*-4-?', 'gpt-4o']}");
    let b = json!({});
    for (model, want) in [
        ("claude-sonnet-4-5", true),
        ("claude-opus-4-1", true),
        ("claude-sonnet-4-50", false),
        ("Claude-sonnet-4-5", false),
        ("gpt-4o", true),
        ("gpt-4o-mini", false),
        ("xclaude-sonnet-4-5", false),
    ] {
        assert_eq!(hits(&r, &ctx(model, MESSAGES), &b), want, "{model}");
    }
    // '?' is one character, not one byte
    let r = cond("{models: ['m-?-x']}");
    assert!(hits(&r, &ctx("m-é-x", CHAT), &b));
    assert!(!hits(&r, &ctx("m-éé-x", CHAT), &b));
    // backtracking across several stars
    let r = cond("{models: ['*a*b*c']}");
    assert!(hits(&r, &ctx("xxaXbYbZc", CHAT), &b));
    assert!(!hits(&r, &ctx("xxaXbYbZcd", CHAT), &b));
}

#[test]
fn operations_kinds_and_stream_conditions() {
    let b = json!({});
    let r = cond("{operations: [count_tokens], kinds: [anthropic_messages, gemini]}");
    let mut c = ctx("m", MESSAGES);
    assert!(!hits(&r, &c, &b));
    c.operation = Operation::CountTokens;
    assert!(hits(&r, &c, &b));
    c.kind = GEMINI;
    assert!(hits(&r, &c, &b));
    c.kind = CHAT;
    assert!(!hits(&r, &c, &b));

    let r = cond("{stream: true}");
    let mut c = ctx("m", CHAT);
    assert!(!hits(&r, &c, &b));
    c.stream = true;
    assert!(hits(&r, &c, &b));
    let r = cond("{stream: false}");
    assert!(!hits(&r, &c, &b));
}

#[test]
fn present_and_absent_look_at_the_body() {
    let (claude, _) = claude_code();
    let c = ctx("claude-sonnet-4-5", MESSAGES);
    assert!(hits(
        &cond("{present: [/tools, /thinking/budget_tokens]}"),
        &c,
        &claude
    ));
    assert!(!hits(
        &cond("{present: [/tools, /temperature]}"),
        &c,
        &claude
    ));
    assert!(hits(&cond("{absent: [/temperature]}"), &c, &claude));
    assert!(!hits(
        &cond("{absent: [/temperature, /metadata]}"),
        &c,
        &claude
    ));
    // with a wildcard: present when any element has it, absent when none does
    let any_cache = "[/messages/*/content/*/cache_control]";
    assert!(hits(
        &cond(&format!("{{present: {any_cache}}}")),
        &c,
        &claude
    ));
    let (sdk, _) = fixture("python-sdks_all-endpoints.jsonl", "/v1/messages", 0);
    assert!(!hits(&cond(&format!("{{present: {any_cache}}}")), &c, &sdk));
    assert!(hits(&cond(&format!("{{absent: {any_cache}}}")), &c, &sdk));
    // null counts as absent, like `default` treats it
    let nulls = json!({"temperature": null});
    assert!(hits(&cond("{absent: [/temperature]}"), &c, &nulls));
    assert!(!hits(&cond("{present: [/temperature]}"), &c, &nulls));
}

#[test]
fn body_conditions_see_earlier_edits() {
    let r = compile(
        "- name: first\n  rules:\n    - actions: [{op: remove, path: /tools}]\n\
         - name: second\n  rules:\n    - when: {present: [/tools]}\n      actions: [{op: set, path: /had_tools, value: true}]\n",
    );
    let mut body = chat_with_tools();
    let a = r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(a.rules_matched, 1);
    assert!(body.get("had_tools").is_none());
}

// ---------------------------------------------------------------------------------------------
// Sets: order, disabled, needs_body

const TWO_SETS: &str = "
- name: low
  rules:
    - actions: [{op: set, path: /max_tokens, value: 100}, {op: set_header, name: x-set, value: low}]
- name: high
  rules:
    - actions: [{op: set, path: /max_tokens, value: 200}, {op: set_header, name: x-set, value: high}]
";

#[test]
fn sets_apply_in_the_order_given() {
    let all = sets(TWO_SETS);
    let value = |order: [usize; 2]| {
        let refs: Vec<&RuleSet> = order.iter().map(|&i| &all[i]).collect();
        let r = CompiledRules::compile(&refs).unwrap();
        let mut body = json!({"max_tokens": 1});
        let a = r.apply(&ctx("m", CHAT), &mut body);
        assert_eq!(a.rules_matched, 2);
        let mut want = vec!["low#0", "high#0"];
        if order[0] == 1 {
            want.reverse();
        }
        assert_eq!(a.matched, want);
        let last_header = match a.headers.last().unwrap() {
            HeaderEdit::Set { value, .. } => value.clone(),
            other => panic!("{other:?}"),
        };
        (body["max_tokens"].as_u64().unwrap(), last_header)
    };
    assert_eq!(value([0, 1]), (200, "high".to_string()));
    assert_eq!(value([1, 0]), (100, "low".to_string()));
}

#[test]
fn disabled_sets_are_skipped_but_still_validated() {
    let mut all = sets(TWO_SETS);
    all[1].enabled = false;
    let refs: Vec<&RuleSet> = all.iter().collect();
    let r = CompiledRules::compile(&refs).unwrap();
    assert_eq!(r.len(), 1);
    let mut body = json!({});
    r.apply(&ctx("m", CHAT), &mut body);
    assert_eq!(body["max_tokens"], 100);

    let only_disabled = CompiledRules::compile(&[&all[1]]).unwrap();
    assert!(only_disabled.is_empty());
    let empty = CompiledRules::compile(&[]).unwrap();
    assert!(empty.is_empty() && !empty.needs_body(&ctx("m", CHAT)));

    all[1].rules[0].actions.clear();
    assert_eq!(rules::validate(&all, "rule_sets").len(), 1);
    assert!(
        CompiledRules::compile(&[&all[1]]).is_ok(),
        "disabled: not compiled"
    );
}

#[test]
fn needs_body_only_for_matching_rules_with_body_actions_or_conditions() {
    let r = compile(
        "
- name: s
  rules:
    - when: {kinds: [gemini]}
      actions: [{op: clamp, path: /generationConfig/temperature, max: 1}]
    - actions: [{op: set_header, name: x-a, value: '1'}]
    - when: {kinds: [openai_chat], present: [/tools]}
      actions: [{op: set_header, name: x-tools, value: '1'}]
",
    );
    let anthropic = ctx("m", MESSAGES);
    assert!(!r.needs_body(&anthropic));
    assert!(r.needs_body(&ctx("m", GEMINI)));
    assert!(
        r.needs_body(&ctx("m", CHAT)),
        "a body condition needs the body"
    );
    let h = r.header_edits(&anthropic);
    assert_eq!(h.rules_matched, 1);
    assert_eq!(h.headers.len(), 1);
    // without the body, rules with body conditions do not match
    let h = r.header_edits(&ctx("m", CHAT));
    assert_eq!(h.rules_matched, 1);
    assert!(h.headers.iter().all(|e| !e.matches("x-tools")));
}

#[test]
fn non_object_bodies_never_panic_and_count_skips() {
    let r = one_rule(
        "[{op: set, path: /max_tokens, value: 1}, {op: default, path: /t, value: 1}, {op: remove, path: /a/b}, \
         {op: rename, from: /a, to: /b}, {op: clamp, path: /x, max: 1}, {op: append, path: /s, value: 1}, \
         {op: prepend, path: /s, value: 1}, {op: merge, path: /g, value: {a: 1}}]",
    );
    for body in [
        json!(null),
        json!("text"),
        json!(42),
        json!([1, 2]),
        json!(true),
    ] {
        let mut b = body.clone();
        let a = r.apply(&ctx("m", CHAT), &mut b);
        assert_eq!(b, body);
        assert!(!a.body_changed);
        assert_eq!(a.skipped, 5, "{body}: set, default, append, prepend, merge");
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

fn errors(yaml: &str) -> Vec<(String, String)> {
    rules::validate(&sets(yaml), "rule_sets")
        .into_iter()
        .map(|e| (e.path, e.message))
        .collect()
}

fn assert_error(yaml: &str, path: &str, needle: &str) {
    let errs = errors(yaml);
    assert!(
        errs.iter().any(|(p, m)| p == path && m.contains(needle)),
        "want {path}: …{needle}… in {errs:#?}"
    );
}

#[test]
fn every_validation_error_is_reported_with_its_path() {
    let r = "- name: ok\n  rules:\n    - ";
    let cases: &[(&str, &str, &str)] = &[
        (
            "- {name: 'bad name', rules: []}",
            "rule_sets[0].name",
            "1-64 characters",
        ),
        (
            "- {name: '', rules: []}",
            "rule_sets[0].name",
            "1-64 characters",
        ),
        (
            "- {name: a}\n- {name: a}",
            "rule_sets[1].name",
            "duplicate rule set `a`",
        ),
        (
            &format!("{r}{{name: 'x y', actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].name",
            "1-64",
        ),
        (
            &format!("{r}{{when: {{operations: [chat]}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.operations[0]",
            "unknown operation `chat`",
        ),
        (
            &format!("{r}{{when: {{kinds: [claude]}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.kinds[0]",
            "unknown kind `claude`",
        ),
        (
            &format!("{r}{{when: {{models: ['']}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.models[0]",
            "empty",
        ),
        (
            &format!("{r}{{when: {{models: [\"a\\tb\"]}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.models[0]",
            "control",
        ),
        (
            &format!("{r}{{when: {{present: [tools]}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.present[0]",
            "start with '/'",
        ),
        (
            &format!("{r}{{when: {{absent: [/a~2]}}, actions: [{{op: remove, path: /a}}]}}"),
            "rule_sets[0].rules[0].when.absent[0]",
            "'~'",
        ),
        (
            &format!("{r}{{actions: []}}"),
            "rule_sets[0].rules[0].actions",
            "at least one action",
        ),
        (
            &format!("{r}{{actions: [{{op: set, path: max_tokens, value: 1}}]}}"),
            "rule_sets[0].rules[0].actions[0].path",
            "not a JSON pointer",
        ),
        (
            &format!("{r}{{actions: [{{op: remove, path: ''}}]}}"),
            "rule_sets[0].rules[0].actions[0].path",
            "whole body",
        ),
        (
            &format!("{r}{{actions: [{{op: rename, from: /a/*/b, to: /c}}]}}"),
            "rule_sets[0].rules[0].actions[0].from",
            "`*`",
        ),
        (
            &format!("{r}{{actions: [{{op: rename, from: /a, to: /*}}]}}"),
            "rule_sets[0].rules[0].actions[0].to",
            "`*`",
        ),
        (
            &format!("{r}{{actions: [{{op: rename, from: '', to: /a}}]}}"),
            "rule_sets[0].rules[0].actions[0].from",
            "whole body",
        ),
        (
            &format!("{r}{{actions: [{{op: rename, from: /a~1b, to: /a~1b}}]}}"),
            "rule_sets[0].rules[0].actions[0].to",
            "itself",
        ),
        (
            &format!("{r}{{actions: [{{op: clamp, path: /a, min: 10, max: 1}}]}}"),
            "rule_sets[0].rules[0].actions[0].min",
            "greater than max",
        ),
        (
            &format!("{r}{{actions: [{{op: clamp, path: /a, min: low}}]}}"),
            "rule_sets[0].rules[0].actions[0].min",
            "must be a number",
        ),
        (
            &format!("{r}{{actions: [{{op: clamp, path: /a, max: [1]}}]}}"),
            "rule_sets[0].rules[0].actions[0].max",
            "must be a number",
        ),
        (
            &format!("{r}{{actions: [{{op: clamp, path: /a}}]}}"),
            "rule_sets[0].rules[0].actions[0]",
            "needs `min`, `max`",
        ),
        (
            &format!("{r}{{actions: [{{op: merge, path: /a, value: 3}}]}}"),
            "rule_sets[0].rules[0].actions[0].value",
            "must be an object",
        ),
        (
            &format!("{r}{{actions: [{{op: set_header, name: 'bad header', value: v}}]}}"),
            "rule_sets[0].rules[0].actions[0].name",
            "not a valid header name",
        ),
        (
            &format!("{r}{{actions: [{{op: set_header, name: 'x-a:', value: v}}]}}"),
            "rule_sets[0].rules[0].actions[0].name",
            "not a valid header name",
        ),
        (
            &format!("{r}{{actions: [{{op: set_header, name: x-a, value: \"a\\nb\"}}]}}"),
            "rule_sets[0].rules[0].actions[0].value",
            "visible ASCII",
        ),
        (
            &format!("{r}{{actions: [{{op: remove_header, name: 'x y*'}}]}}"),
            "rule_sets[0].rules[0].actions[0].name",
            "not a valid header name glob",
        ),
        (
            &format!("{r}{{actions: [{{op: remove_header, name: ''}}]}}"),
            "rule_sets[0].rules[0].actions[0].name",
            "not a valid header name glob",
        ),
        (
            &format!(
                "{r}{{actions: [{{op: set, path: {}, value: 1}}]}}",
                "/a".repeat(33)
            ),
            "rule_sets[0].rules[0].actions[0].path",
            "more than 32 segments",
        ),
    ];
    for (yaml, path, needle) in cases {
        assert_error(yaml, path, needle);
    }
}

#[test]
fn channel_owned_headers_are_refused() {
    for h in [
        "authorization",
        "Authorization",
        "x-api-key",
        "X-Goog-Api-Key",
        "host",
        "content-length",
        "transfer-encoding",
        "connection",
    ] {
        for op in [
            "{op: set_header, name: NAME, value: v}",
            "{op: remove_header, name: NAME}",
        ] {
            let yaml = format!(
                "- name: s\n  rules:\n    - actions: [{}]\n",
                op.replace("NAME", h)
            );
            assert_error(
                &yaml,
                "rule_sets[0].rules[0].actions[0].name",
                "owned by the channel",
            );
        }
    }
}

#[test]
fn all_errors_are_reported_at_once_and_compile_names_the_set() {
    let yaml = "
- name: 'bad!'
  rules:
    - when: {operations: [nope], kinds: [nope]}
      actions:
        - {op: clamp, path: /a, min: 2, max: 1}
        - {op: rename, from: /a/*, to: /b}
        - {op: set_header, name: host, value: x}
    - actions: []
- name: fine
  rules: [{actions: [{op: remove, path: nope}]}]
";
    let errs = errors(yaml);
    assert_eq!(errs.len(), 8, "{errs:#?}");
    let all = sets(yaml);
    let compiled = CompiledRules::compile(&[&all[1]]).unwrap_err();
    assert_eq!(compiled.len(), 1);
    assert_eq!(compiled[0].path, "rule_sets.fine.rules[0].actions[0].path");
}

// ---------------------------------------------------------------------------------------------
// Hot path

/// Rough cost of applying a realistic rule set to the largest captured request. Run with
/// `cargo test --release -p gproxy-config --test rules -- --ignored --nocapture`.
#[test]
#[ignore = "timing; run in release"]
fn apply_cost_on_a_claude_code_request() {
    let r = compile(
        "
- name: compat
  rules:
    - when: {models: ['claude-*'], kinds: [anthropic_messages]}
      actions:
        - {op: remove, path: /system/*/cache_control}
        - {op: remove, path: /messages/*/content/*/cache_control}
        - {op: clamp, path: /max_tokens, max: 8192}
        - {op: default, path: /temperature, value: 0.2}
        - {op: set_header, name: anthropic-beta, value: prompt-caching-2024-07-31}
        - {op: remove_header, name: 'x-stainless-*'}
",
    );
    let (body, _) = claude_code();
    let size = serde_json::to_vec(&body).unwrap().len();
    let c = ctx("claude-sonnet-4-5", MESSAGES);
    // steady state: the second application finds nothing left to strip but still walks the body
    let mut warm = body.clone();
    r.apply(&c, &mut warm);
    let n = 2_000u32;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.apply(&c, &mut warm));
    }
    let steady = t.elapsed() / n;
    // first application (does the removals); clones made outside the timed part
    let mut first = std::time::Duration::ZERO;
    for _ in 0..20 {
        let mut bodies: Vec<Value> = (0..100).map(|_| body.clone()).collect();
        let t = std::time::Instant::now();
        for b in &mut bodies {
            std::hint::black_box(r.apply(&c, b));
        }
        first += t.elapsed();
    }
    let per = first / 2_000;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(r.needs_body(&c));
    }
    let needs = t.elapsed() / n;
    println!("{size} B body: apply {per:?} (first), {steady:?} (nothing left to change); needs_body {needs:?}");
    assert!(per < std::time::Duration::from_micros(50), "{per:?}");
}

// ---------------------------------------------------------------------------------------------
// Properties

mod props {
    use super::*;
    use proptest::prelude::*;

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e6f64..1e6).prop_map(|f| json!(f)),
            "[a-c]{0,3}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec(("[abc0-2*~/]{1,2}|0|1", inner), 0..4)
                    .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    fn segment() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("a".to_string()),
            Just("b".to_string()),
            Just("c".to_string()),
            Just("0".to_string()),
            Just("1".to_string()),
            Just("01".to_string()),
            Just("*".to_string()),
            Just("~0".to_string()),
            Just("~1".to_string()),
        ]
    }

    fn pointer() -> impl Strategy<Value = String> {
        prop::collection::vec(segment(), 0..4)
            .prop_map(|segs| segs.iter().map(|s| format!("/{s}")).collect::<String>())
    }

    fn plain_pointer() -> impl Strategy<Value = String> {
        prop::collection::vec(segment().prop_filter("no wildcard", |s| s != "*"), 1..4)
            .prop_map(|segs| segs.iter().map(|s| format!("/{s}")).collect::<String>())
    }

    fn number() -> impl Strategy<Value = Value> {
        prop_oneof![
            any::<i32>().prop_map(|n| json!(n)),
            (-10f64..10.0).prop_map(|f| json!(f))
        ]
    }

    fn action() -> impl Strategy<Value = Action> {
        prop_oneof![
            (pointer(), json_value()).prop_map(|(path, value)| Action::Set { path, value }),
            (pointer(), json_value()).prop_map(|(path, value)| Action::Default { path, value }),
            prop::collection::vec(segment(), 1..4).prop_map(|segs| Action::Remove {
                path: segs.iter().map(|s| format!("/{s}")).collect()
            }),
            (plain_pointer(), plain_pointer())
                .prop_filter("distinct", |(a, b)| a != b)
                .prop_map(|(from, to)| Action::Rename { from, to }),
            (pointer(), number(), number()).prop_map(|(path, a, b)| {
                let (min, max) = if a.as_f64() <= b.as_f64() {
                    (a, b)
                } else {
                    (b, a)
                };
                Action::Clamp {
                    path,
                    min: Some(min),
                    max: Some(max),
                }
            }),
            (pointer(), json_value()).prop_map(|(path, value)| Action::Append { path, value }),
            (pointer(), json_value()).prop_map(|(path, value)| Action::Prepend { path, value }),
            (pointer(), json_value()).prop_map(|(path, value)| Action::Merge {
                path,
                value: if value.is_object() {
                    value
                } else {
                    json!({"k": value})
                },
            }),
            Just(Action::RemoveHeader { name: "x-*".into() }),
        ]
    }

    fn rule_set() -> impl Strategy<Value = RuleSet> {
        let rule = (
            prop::collection::vec(action(), 1..5),
            prop::option::of(pointer()),
            prop::option::of(pointer()),
        )
            .prop_map(|(actions, present, absent)| rules::Rule {
                name: None,
                when: rules::When {
                    present: present.into_iter().collect(),
                    absent: absent.into_iter().collect(),
                    ..Default::default()
                },
                actions,
            });
        prop::collection::vec(rule, 1..4).prop_map(|rules| RuleSet {
            name: "p".into(),
            description: None,
            enabled: true,
            rules,
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Generated rules always compile, application never panics, and an unchanged flag means
        /// an unchanged body (the data plane then forwards the original bytes).
        #[test]
        fn apply_never_panics_and_reports_changes(set in rule_set(), body in json_value()) {
            let compiled = CompiledRules::compile(&[&set]);
            prop_assert!(compiled.is_ok(), "{:?}", compiled.err());
            let compiled = compiled.unwrap();
            let mut b = body.clone();
            let a = compiled.apply(&ctx("m", CHAT), &mut b);
            if !a.body_changed {
                prop_assert_eq!(&b, &body);
            }
            let actions: usize = set.rules.iter().map(|r| r.actions.len()).sum();
            prop_assert!(a.skipped as usize <= actions);
            prop_assert!(a.rules_matched as usize <= set.rules.len());
            // header-only view agrees on the header edits of rules without body conditions
            let h = compiled.header_edits(&ctx("m", CHAT));
            prop_assert!(h.rules_matched as usize <= set.rules.len());
        }

        /// For one action, `body_changed` is exactly whether the body differs.
        #[test]
        fn one_action_reports_changes_exactly(action in action(), body in json_value()) {
            let set = RuleSet {
                name: "p".into(),
                description: None,
                enabled: true,
                rules: vec![rules::Rule { name: None, when: Default::default(), actions: vec![action] }],
            };
            let compiled = CompiledRules::compile(&[&set]).unwrap();
            let mut b = body.clone();
            let a = compiled.apply(&ctx("m", CHAT), &mut b);
            prop_assert_eq!(a.body_changed, b != body, "before {} after {}", body, b);
            prop_assert!(a.skipped <= 1);
        }

        /// Without wildcards, `set` agrees with serde_json's own RFC 6901 lookup.
        #[test]
        fn set_then_lookup_agrees_with_rfc_6901(path in plain_pointer(), value in json_value(), body in json_value()) {
            let set = RuleSet {
                name: "p".into(),
                description: None,
                enabled: true,
                rules: vec![rules::Rule {
                    name: None,
                    when: Default::default(),
                    actions: vec![Action::Set { path: path.clone(), value: value.clone() }],
                }],
            };
            let compiled = CompiledRules::compile(&[&set]).unwrap();
            let mut b = body;
            let a = compiled.apply(&ctx("m", CHAT), &mut b);
            if a.skipped == 0 {
                prop_assert_eq!(b.pointer(&path), Some(&value));
            }
        }

        /// `present` on a wildcard-free pointer is serde_json's lookup finding a non-null value.
        #[test]
        fn present_agrees_with_rfc_6901(path in plain_pointer(), body in json_value()) {
            let r = cond(&format!("{{present: ['{path}']}}"));
            let want = body.pointer(&path).is_some_and(|v| !v.is_null());
            prop_assert_eq!(hits(&r, &ctx("m", CHAT), &body), want);
        }
    }
}
