INSERT INTO providers (name, channel, base_url, enabled, credential_strategy, headers_json,
                       timeouts_json, proxy, prefer, stream_only, position, rule_sets_json)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (name) DO UPDATE SET
    channel = excluded.channel,
    base_url = excluded.base_url,
    enabled = excluded.enabled,
    credential_strategy = excluded.credential_strategy,
    headers_json = excluded.headers_json,
    timeouts_json = excluded.timeouts_json,
    proxy = excluded.proxy,
    prefer = excluded.prefer,
    stream_only = excluded.stream_only,
    position = excluded.position,
    rule_sets_json = excluded.rule_sets_json
