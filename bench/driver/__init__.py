"""The benchmark driver behind `bench/run` (stdlib only)."""
