# Shared by scripts/run-demo and scripts/run-tests (sourced, not run): set up the project's
# virtualenv on a fresh Debian machine.

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

# Run a command as root (directly when already root, else with sudo).
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

apt_install() {
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Create $VENV if needed and install this package into it, with the extras given
# (e.g. "test"), or none.
#
# The install is editable, so the tests, the demo and anything else run from $VENV use
# this checkout's code as it is now, without reinstalling after each change (a normal
# install would copy the package into $VENV, and code run from outside the checkout
# would use that stale copy).  setup.cfg's `package_dir = = .` makes setuptools write
# that editable install as a plain path entry (a .pth file naming the checkout), not
# as an import hook: mypy, pyright and IDEs follow path entries, so a user's code that
# imports aiohttp_cors type-checks against the checkout from $VENV, and setuptools
# prints no "Editable installation" warning.
install_package() {
    if [ ! -x "$VENV/bin/python" ]; then
        # Debian's python3 ships venv without ensurepip until python3-venv is installed.
        if ! "$PYTHON" -c "import ensurepip" >/dev/null 2>&1; then
            echo "== installing Debian's python3-venv"
            apt_install python3-venv
        fi
        echo "== creating $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    local target="."
    if [ -n "${1:-}" ]; then target=".[$1]"; fi
    echo "== installing the package${1:+ with its $1 extras} into $VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -U pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$target"
}
