"""``python -m aiohttp_cors``: the command line of the tools (see ``aiohttp_cors._tools.cli``)."""

import sys

from ._tools.cli import main

if __name__ == "__main__":
    sys.exit(main())
