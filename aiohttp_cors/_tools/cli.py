"""Command line: ``python -m aiohttp_cors check|demo|routes``.

``check URL --origin ORIGIN ...`` behaves like a browser against any server and explains what it
would do. Exit codes: 0 allowed, 1 blocked (or a header asked for with --read-header is hidden),
2 could not check (bad arguments, network error).

``routes MODULE:ATTR`` prints an application's CORS surface (every path and method, the
origins it admits and what they may do), as a table or JSON, and with ``--baseline FILE``
exits 1 when the surface widened since the baseline (see routes.py).

``demo`` serves a page origin and an API origin on 127.0.0.1 and shows CORS at work in a browser.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence

from aiohttp_cors import CorsConfigError, __version__

from .browser import BrowserRequest, Header
from .demo import DemoError, run_demo
from .doctor import DEFAULT_TIMEOUT, CheckError, check, format_report
from .routes import (
    RoutesError,
    compare,
    describe_target,
    dump,
    format_table,
    read_baseline,
    write_baseline,
)

EXIT_ALLOWED = 0
EXIT_BLOCKED = 1
EXIT_ERROR = 2
#: ``routes --baseline``: the surface widened.
EXIT_WIDENED = 1

_ROUTES_DESCRIPTION = """\
Print the CORS surface of an aiohttp application: every CORS-enabled path and
method, the application that owns it, and each origin entry that admits
requests there (exact, pattern, regex, callable, '*' or 'null') with its
credentials, methods, request headers, exposed headers and max-age, whether the
route is exempt, and who may open a WebSocket on it. MODULE:ATTR names an
Application, or a function (sync or async) returning one; a function that takes
an argument gets the remaining arguments, as 'python -m aiohttp.web' does.
"""

_ROUTES_EPILOG = """\
with --baseline FILE, print how the surface differs from FILE (one line per
change): a widening (a new path, origin entry, credentials, method, request
header, exposed header, Private Network Access, or a WebSocket open to more
origins) exits 1; a narrowing or a changed max-age or send_wildcard is reported
and exits 0.

exit status: 0 printed (or no widening), 1 widened, 2 could not describe the app.

examples:
  python -m aiohttp_cors routes myapp.main:create_app
  python -m aiohttp_cors routes myapp.main:create_app --write-baseline cors-surface.json
  python -m aiohttp_cors routes myapp.main:create_app --baseline cors-surface.json
"""

_CHECK_DESCRIPTION = """\
Act like a browser making a cross-origin fetch() to URL from a page on ORIGIN: send the
preflight if one is needed, then the request; check both like a browser does, and explain
every failed rule with the header values seen and a suggested fix.
"""

_CHECK_EPILOG = """\
exit status: 0 allowed, 1 blocked (or a --read-header is hidden), 2 could not check.

examples:
  python -m aiohttp_cors check https://api.example.com/items --origin https://app.example.com
  python -m aiohttp_cors check http://127.0.0.1:8081/api/items/1 --origin http://127.0.0.1:8080 \\
      --method PUT --header 'Content-Type: application/json' --header X-Token:abc --credentials
"""


def _header(text: str) -> Header:
    name, sep, value = text.partition(":")
    name = name.strip()
    if not name:
        raise argparse.ArgumentTypeError(f"{text!r} has no header name (use NAME or NAME:VALUE)")
    return name, value.strip() if sep else ""


def _cookie(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name.strip(), value.strip()


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range 0-65535")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number of seconds")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m aiohttp_cors",
        description=(
            "CORS tools of aiohttp_cors: a CORS doctor, a browser demo and the CORS surface "
            "of an application."
        ),
    )
    parser.add_argument("--version", action="version", version=f"aiohttp_cors {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check_cmd = commands.add_parser(
        "check",
        help="act like a browser against URL and explain whether CORS allows the request",
        description=_CHECK_DESCRIPTION,
        epilog=_CHECK_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check_cmd.add_argument("url", metavar="URL", help="the http:// or https:// URL to fetch")
    check_cmd.add_argument(
        "--origin",
        required=True,
        help="origin of the calling page, e.g. https://app.example.com (or null)",
    )
    check_cmd.add_argument(
        "--method", default="GET", help="request method as the page writes it (default GET)"
    )
    check_cmd.add_argument(
        "--header",
        "-H",
        dest="headers",
        metavar="NAME[:VALUE]",
        action="append",
        type=_header,
        default=[],
        help="a request header the page sets (repeatable)",
    )
    check_cmd.add_argument(
        "--credentials",
        action="store_true",
        help="the page uses credentials: 'include' (cookies, HTTP auth)",
    )
    check_cmd.add_argument(
        "--cookie",
        dest="cookies",
        metavar="NAME=VALUE",
        action="append",
        type=_cookie,
        default=[],
        help="a cookie the browser holds for URL, sent with --credentials (repeatable)",
    )
    check_cmd.add_argument(
        "--read-header",
        dest="read_headers",
        metavar="NAME",
        action="append",
        default=[],
        help="a response header the page wants to read (repeatable)",
    )
    check_cmd.add_argument("--data", help="a text request body, as fetch(url, {body: DATA})")
    check_cmd.add_argument(
        "--private-network",
        action="store_true",
        help="the URL is on a more private network than the page (Private Network Access)",
    )
    check_cmd.add_argument("--json", action="store_true", help="print a JSON report")
    check_cmd.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="S",
        help=f"seconds allowed for each request (default {DEFAULT_TIMEOUT:g})",
    )

    routes_cmd = commands.add_parser(
        "routes",
        help="print an application's CORS surface; gate on a baseline",
        description=_ROUTES_DESCRIPTION,
        epilog=_ROUTES_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        # The factory's own options follow: "--base" must not be taken for --baseline.
        allow_abbrev=False,
    )
    routes_cmd.add_argument(
        "target", metavar="MODULE:ATTR", help="the application, or a function returning it"
    )
    routes_cmd.add_argument("--json", action="store_true", help="print JSON instead of a table")
    baseline = routes_cmd.add_mutually_exclusive_group()
    baseline.add_argument(
        "--write-baseline",
        metavar="FILE",
        help="write the surface to FILE (JSON) for later --baseline runs",
    )
    baseline.add_argument(
        "--baseline",
        metavar="FILE",
        help="compare with FILE; exit 1 if the surface widened",
    )

    demo_cmd = commands.add_parser(
        "demo",
        help="serve a page and an API on two local origins and watch CORS in a browser",
        description=(
            "Serve a page origin and an API origin (configured with aiohttp_cors) and print the "
            "URL to open; the page runs cross-origin calls and shows which the browser allows."
        ),
    )
    demo_cmd.add_argument(
        "--host", default="127.0.0.1", help="address for both origins (default: 127.0.0.1)"
    )
    demo_cmd.add_argument(
        "--page-port", type=_port, default=0, help="port of the page origin (default: any free)"
    )
    demo_cmd.add_argument(
        "--api-port", type=_port, default=0, help="port of the API origin (default: any free)"
    )
    return parser


def _write(text: str) -> None:
    """Write to stdout; a reader that went away (``| head``) is not an error."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Point stdout at devnull so that the interpreter's final flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run_check(args: argparse.Namespace) -> int:
    request = BrowserRequest(
        origin=args.origin,
        method=args.method,
        headers=tuple(args.headers),
        credentials=args.credentials,
        read_headers=tuple(args.read_headers),
        private_network=args.private_network,
    )
    try:
        report = asyncio.run(
            check(args.url, request, body=args.data, cookies=args.cookies, timeout=args.timeout)
        )
    except CheckError as exc:
        print(f"error: could not check: {exc}", file=sys.stderr)
        if args.json:
            _write(json.dumps({"verdict": "error", "error": str(exc)}, indent=2) + "\n")
        return EXIT_ERROR
    _write(json.dumps(report.to_dict(), indent=2) + "\n" if args.json else format_report(report))
    # A hidden --read-header fails the check too: the page cannot do what it wants.
    return EXIT_ALLOWED if report.ok else EXIT_BLOCKED


def _run_routes(args: argparse.Namespace, extra: Sequence[str]) -> int:
    try:
        surface = asyncio.run(describe_target(args.target, extra))
        if args.write_baseline is not None:
            write_baseline(args.write_baseline, surface)
            count = len(surface)
            _write(f"wrote the CORS surface ({count} routes) to {args.write_baseline}\n")
            return EXIT_ALLOWED
        if args.baseline is None:
            _write(dump(surface) if args.json else format_table(surface))
            return EXIT_ALLOWED
        comparison = compare(read_baseline(args.baseline), surface)
    except (RoutesError, CorsConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.json:
        _write(json.dumps(comparison.to_json(), indent=2) + "\n")
    else:
        _write(comparison.format())
    return EXIT_WIDENED if comparison.widened else EXIT_ALLOWED


def _run_demo(args: argparse.Namespace) -> int:
    try:
        return run_demo(args.host, args.page_port, args.api_port)
    except DemoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    # Arguments after routes' own go to the application's factory, as with aiohttp.web.
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "routes":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "check":
            return _run_check(args)
        if args.command == "routes":
            return _run_routes(args, extra)
        return _run_demo(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
