INSERT INTO usage_daily (bucket_ms, user_name, route, provider, model, requests, errors,
                         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                         reasoning_tokens, cost_usd)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (bucket_ms, user_name, route, provider, model) DO UPDATE SET
    requests = usage_daily.requests + excluded.requests,
    errors = usage_daily.errors + excluded.errors,
    input_tokens = usage_daily.input_tokens + excluded.input_tokens,
    output_tokens = usage_daily.output_tokens + excluded.output_tokens,
    cache_read_tokens = usage_daily.cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = usage_daily.cache_write_tokens + excluded.cache_write_tokens,
    reasoning_tokens = usage_daily.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = usage_daily.cost_usd + excluded.cost_usd
