"""The pure CORS core (internal): where every CORS rule lives.

It imports nothing from aiohttp: it takes plain strings (a method, the Origin values, the
request-header lines) and answers with precomputed objects the glue only applies.  See
ARCHITECTURE.md.
"""
