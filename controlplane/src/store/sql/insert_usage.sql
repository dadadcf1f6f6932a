INSERT INTO usage (request_id, ts_ms, user_name, key, route, provider, credential, model,
                   operation, inbound_kind, upstream_kind, stream, input_tokens, output_tokens,
                   cache_read_tokens, cache_write_tokens, reasoning_tokens, cost_usd, status,
                   end_state, latency_ms, ttft_ms, attempts)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
        $20, $21, $22, $23)
ON CONFLICT (request_id) DO NOTHING
