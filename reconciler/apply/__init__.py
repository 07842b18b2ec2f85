"""Apply engine: run a plan safely, concurrently and idempotently."""
