INSERT INTO usage_hourly (bucket_ms, user_name, route, provider, model, requests, errors,
                         input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                         reasoning_tokens, cost_usd)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (bucket_ms, user_name, route, provider, model) DO UPDATE SET
    requests = usage_hourly.requests + excluded.requests,
    errors = usage_hourly.errors + excluded.errors,
    input_tokens = usage_hourly.input_tokens + excluded.input_tokens,
    output_tokens = usage_hourly.output_tokens + excluded.output_tokens,
    cache_read_tokens = usage_hourly.cache_read_tokens + excluded.cache_read_tokens,
    cache_write_tokens = usage_hourly.cache_write_tokens + excluded.cache_write_tokens,
    reasoning_tokens = usage_hourly.reasoning_tokens + excluded.reasoning_tokens,
    cost_usd = usage_hourly.cost_usd + excluded.cost_usd
