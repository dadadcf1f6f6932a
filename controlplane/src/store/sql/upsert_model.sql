INSERT INTO models (provider, id, upstream, price_input, price_output, price_cache_read,
                    price_cache_write, display_name, context_window, max_output_tokens, position)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (provider, id) DO UPDATE SET
    upstream = excluded.upstream,
    price_input = excluded.price_input,
    price_output = excluded.price_output,
    price_cache_read = excluded.price_cache_read,
    price_cache_write = excluded.price_cache_write,
    display_name = excluded.display_name,
    context_window = excluded.context_window,
    max_output_tokens = excluded.max_output_tokens,
    position = excluded.position
