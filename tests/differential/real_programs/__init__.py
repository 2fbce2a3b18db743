"""Replays of public programs' aiohttp-cors usage, one module each.

Each module is a complete program, written for this test in our own words after the *shape*
of the cited program's use of aiohttp-cors (its configuration, what it passes to
``cors.add``, which routes exist): a ``build()`` returning the application, and ``TARGETS``,
the paths and methods to probe.  Its docstring starts with ``Replays owner/name: path``.
The differential test runs each under both packages, so a replay must use only 0.8.1's API.
"""
