"""The differential test against aiohttp-cors 0.8.1 (see test_differential.py)."""
