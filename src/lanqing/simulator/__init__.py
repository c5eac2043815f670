"""HJ 212 device simulator: ``device`` (what a logger sends and answers, no I/O), ``client`` (asyncio)."""
