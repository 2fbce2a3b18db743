"""``ResourceOptions``: what one origin may do on one resource, validated and normalised."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, Final, Literal, NamedTuple, Union

from .errors import CorsConfigError, Problem, ProblemCollector
from .headers import FORBIDDEN_METHODS, is_token

#: The largest ``max_age`` accepted.  Firefox caps preflight caching at 24 hours and
#: Chromium at 2 hours; a larger value would only mislead the reader of the config.
MAX_AGE_LIMIT: Final = 86400

Star = Literal["*"]
HeaderNames = Union[Star, frozenset[str]]  # noqa: UP007 - the alias is evaluated at runtime
MethodNames = Union[Star, frozenset[str], None]  # noqa: UP007


class _ResourceOptionsFields(NamedTuple):
    allow_credentials: bool
    expose_headers: HeaderNames
    allow_headers: HeaderNames
    max_age: int | None
    allow_methods: MethodNames
    allow_private_network: bool
    send_wildcard: bool


def _header_names(
    field: str,
    value: object,
    problems: ProblemCollector,
    *,
    upper: bool,
) -> HeaderNames:
    """Validate a header-name collection, in 0.8.1's words where 0.8.1 had any."""
    if isinstance(value, str):
        if value == "*":
            return "*"
    elif isinstance(value, Collection) and all(isinstance(item, str) for item in value):
        names = frozenset(item.upper() if upper else item for item in value)
        for name in sorted(names):
            if not is_token(name):
                problems.add(
                    f"'{field}' holds {name!r}, which is not a valid header name "
                    "(letters, digits and !#$%&'*+-.^_`|~ only, no spaces or colons)",
                    code="header-name-invalid",
                )
        return names
    problems.add(
        f"'{field}' must be either '*', or sequence of strings, got {value!r}",
        code="option-type",
    )
    return frozenset()


def _is_bool(value: object) -> bool:
    # A function of its own so the type checker does not assume the annotation holds:
    # configuration comes from users, and the point is to catch what does not fit.
    return isinstance(value, bool)


def _method_names(value: object, problems: ProblemCollector) -> MethodNames:
    if value is None:
        return None
    if isinstance(value, str):
        if value == "*":
            return "*"
    elif isinstance(value, Collection) and all(isinstance(item, str) for item in value):
        methods = frozenset(item.upper() for item in value)
        for method in sorted(methods):
            if not is_token(method):
                problems.add(
                    f"'allow_methods' holds {method!r}, which is not a valid method name",
                    code="method-name-invalid",
                )
            elif method in FORBIDDEN_METHODS:
                problems.add(
                    f"'allow_methods' holds {method!r}, which browsers never send "
                    "(CONNECT, TRACE and TRACK are forbidden methods): remove it",
                    code="forbidden-method",
                )
        return methods
    problems.add(
        f"'allow_methods' must be either '*', or sequence of strings, got {value!r}",
        code="option-type",
    )
    return None


class ResourceOptions(_ResourceOptionsFields):
    """CORS options for one origin on a resource (an immutable tuple, compared by value).

    :param allow_credentials: let the page send cookies/HTTP auth and read the response.
    :param expose_headers: response headers the page may read: ``"*"`` (every header of
        the response, computed per response) or names.
    :param allow_headers: request headers a preflight may ask for: ``"*"`` or names.
    :param max_age: seconds a browser may cache the preflight answer (0..86400).
    :param allow_methods: methods a preflight may ask for: ``"*"``, names, or ``None``
        for the methods of the routes registered with ``cors.add`` on the resource (all
        its routes when the resource itself was added).  Compared case-sensitively.
    :param allow_private_network: answer Private Network Access preflights.
    :param send_wildcard: answer with a literal ``Access-Control-Allow-Origin: *`` instead
        of the request's origin, so shared caches keep one copy for every origin.  Only
        under the ``"*"`` origin key and without credentials.
    """

    __slots__ = ()

    def __new__(
        cls,
        *,
        allow_credentials: bool = False,
        expose_headers: str | Iterable[str] = (),
        allow_headers: str | Iterable[str] = (),
        max_age: int | None = None,
        allow_methods: str | Iterable[str] | None = None,
        allow_private_network: bool = False,
        send_wildcard: bool = False,
    ) -> ResourceOptions:
        problems = ProblemCollector()
        if not _is_bool(allow_credentials):
            problems.add(
                f"'allow_credentials' must be boolean, got {allow_credentials!r}",
                code="option-type",
            )
        expose = _header_names("expose_headers", expose_headers, problems, upper=False)
        allow = _header_names("allow_headers", allow_headers, problems, upper=True)
        if max_age is not None:
            if isinstance(max_age, bool) or not isinstance(max_age, int) or max_age < 0:
                problems.add(
                    f"'max_age' must be non-negative integer, got {max_age!r}", code="option-type"
                )
            elif max_age > MAX_AGE_LIMIT:
                problems.add(
                    f"'max_age' is {max_age}, above the largest useful value {MAX_AGE_LIMIT} "
                    "(browsers cap preflight caching at 7200 s in Chromium, 86400 s in Firefox)",
                    code="max-age-too-long",
                )
        methods = _method_names(allow_methods, problems)
        if not _is_bool(allow_private_network):
            problems.add(
                f"'allow_private_network' must be boolean, got {allow_private_network!r}",
                code="option-type",
            )
        if not _is_bool(send_wildcard):
            problems.add(
                f"'send_wildcard' must be boolean, got {send_wildcard!r}", code="option-type"
            )
        elif send_wildcard and allow_credentials is True:
            problems.add(
                "'send_wildcard' cannot go with 'allow_credentials': browsers refuse "
                "'Access-Control-Allow-Origin: *' on credentialed requests; drop one of them",
                code="wildcard-with-credentials",
            )
        problems.raise_if_any()
        return super().__new__(
            cls,
            allow_credentials=allow_credentials,
            expose_headers=expose,
            allow_headers=allow,
            max_age=max_age,
            allow_methods=methods,
            allow_private_network=allow_private_network,
            send_wildcard=send_wildcard,
        )

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"ResourceOptions({fields})"

    def is_method_allowed(self, method: str) -> bool:
        """Whether these options alone allow a preflight to ask for *method*.

        ``allow_methods=None`` defers to the routes, so it allows nothing by itself.
        The comparison is case-sensitive, as a browser's is.
        """
        if self.allow_methods is None:
            return False
        if self.allow_methods == "*":
            return True
        return method in self.allow_methods


#: Keyword names ``ResourceOptions`` accepts, for configs given as plain mappings: its
#: fields, written once (in ``_ResourceOptionsFields``).
OPTION_NAMES: Final = frozenset(_ResourceOptionsFields._fields)


def options_from(value: object) -> ResourceOptions:
    """Turn a config value (``ResourceOptions`` or a mapping of its keywords) into options."""
    if isinstance(value, ResourceOptions):
        return value
    if isinstance(value, Mapping):
        unexpected = sorted(str(key) for key in value if key not in OPTION_NAMES)
        if unexpected:
            raise CorsConfigError(
                [
                    Problem(
                        "Unexpected keywords in resource options: {}".format(",".join(unexpected)),
                        code="options-keyword",
                    )
                ]
            )
        keywords: dict[str, Any] = dict(value)
        return ResourceOptions(**keywords)
    raise CorsConfigError(
        [
            Problem(
                "Origin options must be either aiohttp_cors.ResourceOptions instance or "
                f"mapping, got {value!r}",
                code="options-type",
            )
        ]
    )
