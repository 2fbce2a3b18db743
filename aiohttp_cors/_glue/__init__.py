"""The aiohttp glue (internal): registration, routing, and the hooks that apply the core's
answers to requests.  It holds no CORS rule of its own.  See ARCHITECTURE.md.
"""
