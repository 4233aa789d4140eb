"""The one outbound HTTP layer: settings, TLS, proxies, auth, bounded retries, typed errors, no secrets shown.

Every client (Grafana, Prometheus) sends through `HttpClient`. Retries cover 429, 5xx, timeouts and dropped
connections, with exponential backoff and jitter, and honour `Retry-After`; 4xx answers are typed errors and
are never retried. TLS is verified (system CAs, or `ca_file`); `insecure=True` skips it with a warning.
Proxies come from the environment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY, read by httpx). A credential bound for
a plain `http://` URL that is not loopback is announced with a warning before anything is sent. Secrets never
appear in a repr, a message or an exception: every text that leaves this module passes through `redact`.
This module never reads the environment itself; the CLI does and passes settings down.
"""
from __future__ import annotations

import base64
import email.utils
import ipaddress
import json
import random
import re
import ssl
import signal
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

import httpcore
import httpx

from .errors import ExitCode, ObserveError

SECRET_HEADER = re.compile(r"auth|token|key|secret|password|cookie", re.IGNORECASE)
"""Extra headers whose values are credentials (redacted); others, such as X-Scope-OrgID, are shown."""


class InsecureTransportWarning(UserWarning):
    """TLS verification is off, or a credential is about to travel over plain HTTP beyond this machine."""


@dataclass(frozen=True)
class Auth:
    """A bearer token, or a user and password (Basic); secrets are left out of repr."""

    token: str | None = field(default=None, repr=False)
    user: str | None = None
    password: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        """Refuse credentials no server could take before any is sent (the messages never show the value)."""
        if self.token is not None and not TOKEN.fullmatch(self.token):
            lines = len(self.token.splitlines())
            raise ValueError("the token must be one line of letters, digits and -._~+/ (then = padding)"
                             + (f": it has {lines} lines (a comment or a second value?)" if lines > 1 else
                                ": it has spaces or control characters" if any(c.isspace() or not c.isprintable()
                                                                             for c in self.token) else ""))
        if self.user is not None and (":" in self.user or not self.user.isprintable()):
            raise ValueError("the user name must be printable and must not contain ':'")
        if self.password is not None and not self.password.isprintable():
            raise ValueError("the password must not contain line breaks or control characters")

    def header(self) -> str:
        """The Authorization header value."""
        if self.token:
            return f"Bearer {self.token}"
        if self.user is not None and self.password is not None:
            return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        raise ValueError("Auth needs a token, or a user and a password")

    def secrets(self) -> tuple[str, ...]:
        """Every string that must never be shown: the token, the password and the encoded header."""
        parts = [s for s in (self.token, self.password) if s]
        return tuple(parts + [self.header().split(" ", 1)[1]])


TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
"""A bearer token as RFC 6750 allows it (b64token)."""


def escaped_forms(secret: str) -> set[str]:
    """The secret as libraries may print it: as is, repr- and JSON-escaped, URL-encoded."""
    return {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], quote(secret, safe=""), quote_plus(secret)}


def secret_forms(secrets: Iterable[str]) -> tuple[str, ...]:
    """Every escaped form of the (non-empty) secrets, longest first, for `redact`."""
    return tuple(sorted({form for secret in secrets if secret for form in escaped_forms(secret)}, key=len,
                        reverse=True))


def redact(text: str, forms: Sequence[str]) -> str:
    """The text with every form (from `secret_forms`) replaced by ***."""
    for form in forms:
        text = text.replace(form, "***")
    return text


@dataclass(frozen=True)
class RetryPolicy:
    """At most `attempts` tries; waits grow as backoff * 2**n with jitter, capped at max_delay."""

    attempts: int = 5
    backoff: float = 0.5
    max_delay: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.backoff < 0 or self.max_delay < 0:
            raise ValueError(f"retry policy needs attempts >= 1 and delays >= 0 (got {self})")

    def delay(self, attempt: int, retry_after: float | None, rand: Callable[[], float]) -> float:
        """Seconds to wait after failed try number `attempt` (0-based): Retry-After when given, else backoff."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        ceiling = min(self.max_delay, self.backoff * 2 ** attempt)
        return ceiling / 2 + rand() * ceiling / 2


@dataclass(frozen=True, kw_only=True)
class ServerSettings:
    """A server URL with its auth, TLS, timeout and retries: what every client takes (built by keyword)."""

    url: str
    auth: Auth | None = field(default=None, repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Extra headers sent with every request, e.g. {"X-Scope-OrgID": "team-a"} for Mimir or Cortex."""
    ca_file: str | None = None
    """CA bundle to verify the server's certificate with, instead of the system's."""
    insecure: bool = False
    """Skip TLS verification (warns)."""
    timeout: float = 10.0
    retry: RetryPolicy = RetryPolicy()
    pool: int = 16
    """Requests sent at the same time at most (each sending thread keeps one connection open)."""
    trust_env: bool = True
    """Take proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) from the environment, as httpx does."""
    max_response_bytes: int = 64 * 1024 * 1024
    """A larger answer is refused (it is not what any call here expects, and memory is not unbounded)."""

    def __post_init__(self) -> None:
        for name, value in self.headers.items():
            if not value.isprintable() or not name.isprintable():
                raise ValueError(f"header {name.strip()!r} must be one printable line")
        why = url_problem(self.url)
        if why:
            raise ValueError(f"server URL {why}")
        if self.ca_file and self.insecure:
            raise ValueError("a CA file and skipping TLS verification exclude each other")

    def secrets(self) -> tuple[str, ...]:
        """Every credential these settings carry (auth and credential-like extra headers), in every escaped
        form a library may print it, longest first."""
        found = list(self.auth.secrets()) if self.auth else []
        found += [v for k, v in self.headers.items() if SECRET_HEADER.search(k) and v]
        return secret_forms(found)


class SettingsError(ObserveError):
    """Server options that cannot work (a usage error): an empty token file, a bad header, an unusable CA file."""

    exit_code = ExitCode.USAGE


class RequestFailed(ObserveError):
    """A server answered with an error, or could not be reached; `status` is the HTTP status when there was one."""

    exit_code = ExitCode.PUBLISH_FAILED

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ResponseTooLarge(RequestFailed):
    """The answer exceeded the settings' max_response_bytes (never retried)."""


class MalformedAnswer(RequestFailed):
    """The server answered 2xx with JSON of the wrong shape (or a listing that never ends): not what its API says."""

    exit_code = ExitCode.UNAVAILABLE


class Unreachable(RequestFailed):
    """No answer (connection refused, timeouts, resets) after every retry, or an untrusted certificate."""

    exit_code = ExitCode.UNAVAILABLE


class NotAttempted(Unreachable):
    """Not sent: the server had stopped answering (the circuit breaker is open)."""


class AuthRejected(RequestFailed):
    """401: the token or the user/password is wrong."""

    exit_code = ExitCode.UNAVAILABLE


class PermissionDenied(RequestFailed):
    """403: the credentials are valid but lack a permission (or the endpoint is switched off)."""

    exit_code = ExitCode.UNAVAILABLE


class BadRequest(RequestFailed):
    """400 or 422: the server refused the request (a bad payload, a bad query...)."""


class NotFound(RequestFailed):
    """404."""


class Conflict(RequestFailed):
    """409: e.g. an object with that uid already exists."""


class VersionMismatch(RequestFailed):
    """412: the object was changed by someone else since the version we sent."""


class ServerError(RequestFailed):
    """429 or 5xx on every try."""


BREAKER_SLACK = 2
"""When more requests in a row than the pool has connections, plus this, got no answer at all (every retry
spent), the server is taken for gone: later requests fail at once instead of spending their retries (a circuit
breaker); any answer closes it. Requests in flight together may all fail at once while the server still
answers others, hence the pool in the count."""

STATUS_ERRORS: dict[int, type[RequestFailed]] = {
    400: BadRequest, 401: AuthRejected, 403: PermissionDenied, 404: NotFound, 409: Conflict, 412: VersionMismatch,
    422: BadRequest}
HINTS = {401: " (the token or user/password was rejected)", 403: " (the credentials lack permission for this)"}


_deadline = threading.local()
"""The monotonic time by which the current thread's request must be answered (None outside a request)."""


def _left(timeout: float | None) -> float | None:
    """The socket timeout to use now: the operation's own, cut to what is left of the request's deadline."""
    end = getattr(_deadline, "at", None)
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the whole answer took longer than the timeout")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read and write ends by the request's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, _left(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own socket backend, with connections that keep to the request's deadline."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None, local_address: str | None = None,
                    socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_tcp(host, port, _left(timeout), local_address, socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Any = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(path, _left(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _keep_deadlines(client: httpx.Client) -> httpx.Client:
    """Give every connection pool of the client (direct, and one per proxy from the environment) the deadline
    backend. httpx has no total timeout and no public way to pass a network backend, so this sets httpcore's
    documented `network_backend` on the pools httpx built; pyproject pins httpx and httpcore to the versions
    whose layout this matches, and tests/test_http_hardening.py fails if it stops working."""
    for transport in (client._transport, *client._mounts.values()):
        pool = getattr(transport, "_pool", None)
        if pool is not None:
            pool._network_backend = _DeadlineBackend()
    return client


class HttpClient:
    """Thread-safe client (one keep-alive connection per sending thread) with the retries, deadlines, size bounds,
    circuit breaker, errors and redaction above; counts its requests."""

    def __init__(self, settings: ServerSettings, sleep: Callable[[float], None] = time.sleep,
                 rand: Callable[[], float] = random.random) -> None:
        self.url = public_url(settings.url)
        self._retry, self._timeout = settings.retry, settings.timeout
        self._max_bytes = settings.max_response_bytes
        self._unanswered = 0
        """Requests in a row that got no answer after all their tries; at `_breaker_after` the circuit opens."""
        self._breaker_after = settings.pool + BREAKER_SLACK
        self._secrets = settings.secrets()
        self._sleep, self._rand = sleep, rand
        self._lock = threading.Lock()
        self.requests = 0
        headers = {"Accept": "application/json", **settings.headers}
        if settings.auth is not None:
            headers["Authorization"] = settings.auth.header()
        _warn_if_unsafe(settings, bool(self._secrets))
        ssl_context = _ssl_context(settings)

        def new_client() -> httpx.Client:
            return _keep_deadlines(httpx.Client(
                base_url=settings.url.rstrip("/"), headers=headers, timeout=settings.timeout, verify=ssl_context,
                trust_env=settings.trust_env, limits=httpx.Limits(max_connections=1, max_keepalive_connections=1)))

        self._new_client = new_client
        self._local = threading.local()
        self._clients: list[httpx.Client] = []

    def _http(self) -> httpx.Client:
        """This thread's own keep-alive connection. Threads do not share one httpx pool: with a dozen threads,
        httpcore spent more CPU assigning pooled connections to requests than the requests themselves took."""
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = self._new_client()
            with self._lock:
                self._clients.append(client)
        return client

    def __repr__(self) -> str:
        return f"HttpClient({self.url!r})"

    def close(self) -> None:
        with self._lock:
            clients, self._clients = self._clients, []
        for client in clients:
            client.close()

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call with retries; the decoded JSON body, or a RequestFailed subclass."""
        response = self.send(method, path, **kwargs)
        try:
            return response.json()
        except ValueError:
            raise RequestFailed(self.redact(f"{method} {_path(path)}: answer is not JSON: {response.text[:200]!r}"),
                                response.status_code) from None

    def ready(self) -> None:
        """GET /-/ready, the readiness endpoint of Prometheus, Alertmanager and their kin; Unreachable when there is
        no answer or the server is not ready yet."""
        try:
            self.send("GET", "/-/ready")
        except Unreachable as err:
            raise Unreachable(f"{self.url} is unreachable: {err}") from None
        except (ServerError, NotFound) as err:
            raise Unreachable(f"{self.url} is not ready: {err}", err.status) from None

    def send(self, method: str, path: str, params: Any = None, json: Any = None, content: bytes | None = None,
             headers: Mapping[str, str] | None = None) -> httpx.Response:
        """One call with retries; the 2xx/3xx answer, or a RequestFailed subclass (4xx at once, else at the end)."""
        what = f"{method} {_path(path)}"
        if self._unanswered >= self._breaker_after:
            raise NotAttempted(f"{what}: not attempted: {self.url} stopped answering ({self._unanswered} requests "
                               "in a row got no answer)")
        failure, unreachable = "", False
        for attempt in range(self._retry.attempts):
            retry_after: float | None = None
            with self._lock:
                self.requests += 1
            try:
                http = self._http()
                response = self._answer(http, http.build_request(method, path, params=params, json=json,
                                                                 content=content, headers=headers))
            except httpx.TimeoutException:
                failure, unreachable = f"no answer within {self._timeout:g}s", True
            except httpx.TransportError as err:
                untrusted = _untrusted_certificate(err)
                if untrusted is not None:
                    raise Unreachable(self.redact(
                        f"{what} at {self.url}: TLS certificate not trusted ({untrusted.verify_message}); "
                        "pass a CA file, or skip verification explicitly")) from None
                failure, unreachable = f"connection failed ({type(err).__name__}: {err})", True
            else:
                self._unanswered = 0
                if response.status_code < 400:
                    return response
                if response.status_code != 429 and response.status_code < 500:
                    cls = STATUS_ERRORS.get(response.status_code, RequestFailed)
                    raise cls(self.redact(f"{what}: {describe(response)}{HINTS.get(response.status_code, '')}"),
                              response.status_code)
                failure, unreachable = describe(response), False
                retry_after = _retry_after(response.headers.get("Retry-After"))
            if attempt + 1 < self._retry.attempts:
                self._sleep(self._retry.delay(attempt, retry_after, self._rand))
        if unreachable:
            with self._lock:
                self._unanswered += 1
        cls = Unreachable if unreachable else ServerError
        raise cls(self.redact(f"{what} at {self.url}: {failure} (gave up after {self._retry.attempts} tries)"))

    def _answer(self, http: httpx.Client, request: httpx.Request) -> httpx.Response:
        """Send and read the whole answer within the timeout in total, however slowly the server trickles it.

        Every socket read and write waits at most what is left of the deadline (see `_DeadlineStream`), so a
        server sending its headers or body a byte at a time cannot hold the caller past it; the body is also
        bounded in size. Ctrl-C or SIGTERM during it takes effect when it ends (`_signals_after_request`).
        """
        _deadline.at = time.monotonic() + self._timeout
        with _signals_after_request():
            try:
                response = http.send(request, stream=True)
                try:
                    chunks, size = [], 0
                    for chunk in response.iter_bytes():
                        size += len(chunk)
                        if size > self._max_bytes:
                            raise ResponseTooLarge(self.redact(f"{request.method} {request.url.path}: the answer "
                                                               f"is larger than {self._max_bytes} bytes"))
                        chunks.append(chunk)
                finally:
                    response.close()
            finally:
                _deadline.at = None
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=b"".join(chunks), request=request)

    def redact(self, text: str) -> str:
        """The text with every secret replaced by ***."""
        return redact(text, self._secrets)


DEFERRED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_after_request() -> Iterator[None]:
    """On the main thread (the only one Python runs signal handlers in), Ctrl-C and SIGTERM arriving inside take
    effect when it ends: at most the request's timeout later. Raised at an arbitrary point in httpcore, their
    exception can leave its connection pool's lock taken, and the next request, such as the reload that rolls a
    change back, would wait on it for ever."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[tuple[int, Any]] = []
    previous = {sig: signal.getsignal(sig) for sig in DEFERRED_SIGNALS}
    deferred = {sig: handler for sig, handler in previous.items() if handler is not None}  # None: set outside Python
    for sig in deferred:
        signal.signal(sig, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield
    finally:
        for sig, handler in deferred.items():
            signal.signal(sig, handler)
        for signum, frame in caught[:1]:
            handler = deferred[signum]
            if callable(handler):
                handler(signum, frame)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def describe(response: httpx.Response) -> str:
    """'412 version-mismatch: changed by someone else' or '400 bad_data: parse error' from an error answer."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        message = body.get("message") or body.get("error")
        kind = body.get("status") if body.get("message") else body.get("errorType")
        if message:
            shown = f" {kind}" if isinstance(kind, str) and kind != str(response.status_code) else ""
            return f"{response.status_code}{shown}: {message}"
    text = response.text.strip()[:200] if not body else ""
    return f"{response.status_code} {response.reason_phrase}".strip() + (f": {text}" if text else "")


def url_problem(url: str) -> str | None:
    """Why a server URL cannot work (said at once, as a usage error, rather than after retries), else None."""
    shown = re.sub(r"//[^/@]*@", "//", url)  # never print credentials written into the URL
    example = "e.g. http://localhost:9090 or https://grafana.example.com"
    if not url.strip() or any(c.isspace() or not c.isprintable() for c in url):
        return f"must not be empty or contain spaces or control characters (got {shown!r}): {example}"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        hint = f"did you mean 'http://{shown}'?" if "://" not in url else example
        return f"must be http:// or https:// with a host (got {shown!r}): {hint}"
    try:
        parts.port
    except ValueError:
        return f"has a port that is not a number from 1 to 65535 (got {shown!r}): {example}"
    return None


def public_url(url: str) -> str:
    """The URL without any user:password@ part, query or trailing slash; safe to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _warn_if_unsafe(settings: ServerSettings, has_secrets: bool) -> None:
    parts = urlsplit(settings.url)
    if settings.insecure:
        warnings.warn(f"TLS verification is off for {public_url(settings.url)}: anyone on the path can read "
                      "and change the traffic", InsecureTransportWarning, stacklevel=3)
    if has_secrets and parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        warnings.warn(f"credentials will be sent in clear text to {public_url(settings.url)} (plain http:// to "
                      "another machine): use https://", InsecureTransportWarning, stacklevel=3)


def _untrusted_certificate(err: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind a transport error, if that is what it is (never retried)."""
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, ssl.SSLCertVerificationError):
        cause = cause.__cause__ or cause.__context__
    return cause


def _ssl_context(settings: ServerSettings) -> ssl.SSLContext:
    """The TLS settings, built once per client (loading a CA bundle takes tens of milliseconds): the given CA file,
    else httpx's default bundle (or $SSL_CERT_FILE / $SSL_CERT_DIR when the environment is trusted); no checks at
    all when verification is skipped. A plain http:// server gets a context that trusts no certificate, so none is
    loaded: the client never follows redirects and a proxy's TLS has its own context, so no request uses it, and
    one that did would fail verification rather than go unchecked."""
    if settings.insecure:
        return httpx.create_ssl_context(verify=False)
    if settings.ca_file is None and urlsplit(settings.url).scheme == "http":
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if settings.ca_file is None:
        return httpx.create_ssl_context(verify=True, trust_env=settings.trust_env)
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (OSError, ssl.SSLError) as err:
        raise SettingsError(f"cannot use CA file {settings.ca_file}: {err}") from None


def _path(path: str) -> str:
    """The path of a relative path or an absolute URL, without the query (which may be long)."""
    return urlsplit(path).path or "/"


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def server_settings(url: str, env: Mapping[str, str], prefix: str, *, token_file: Path | None = None,
                    ca_file: str | None = None, insecure: bool = False, headers: Sequence[str] = (),
                    timeout: float = 10.0, retry: RetryPolicy = RetryPolicy(), pool: int = 16) -> ServerSettings:
    """ServerSettings from command-line option values; credentials as `auth_from` finds them in `env`."""
    try:
        return ServerSettings(url=url, auth=auth_from(env, prefix, token_file),
                              headers=dict(parse_header(h) for h in headers), ca_file=ca_file, insecure=insecure,
                              timeout=timeout, retry=retry, pool=pool)
    except ValueError as err:
        raise SettingsError(str(err)) from None


def read_secret(path: Path, what: str) -> str:
    """The stripped content of a secret file; SettingsError (naming the file, never the content) when empty."""
    try:
        text = path.read_text().strip()
    except (OSError, UnicodeDecodeError) as err:
        raise SettingsError(f"cannot read {path}: {getattr(err, 'strerror', None) or 'not UTF-8 text'}") from None
    if not text:
        raise SettingsError(f"{path} is empty: expected {what}")
    return text


def auth_from(env: Mapping[str, str], prefix: str, token_file: Path | None = None) -> Auth | None:
    """Credentials from a token file, else $<prefix>_TOKEN, else $<prefix>_USER + $<prefix>_PASSWORD; else None.

    The caller passes the environment (the CLI passes os.environ); nothing here reads it by itself.
    """
    if token_file is not None:
        return _auth(f"the token in {token_file}", token=read_secret(token_file, "a token"))
    if env.get(f"{prefix}_TOKEN", "").strip():
        return _auth(f"${prefix}_TOKEN", token=env[f"{prefix}_TOKEN"].strip())
    user, password = env.get(f"{prefix}_USER"), env.get(f"{prefix}_PASSWORD")
    if user and password is not None:
        return _auth(f"${prefix}_USER/${prefix}_PASSWORD", user=user, password=password)
    return None


def _auth(source: str, **credentials: str) -> Auth:
    """Auth from one source; a SettingsError naming the source (never the value) when it cannot work."""
    try:
        return Auth(**credentials)
    except ValueError as err:
        raise SettingsError(f"{source}: {err}") from None


def parse_header(text: str) -> tuple[str, str]:
    """'X-Scope-OrgID: team-a' -> ('X-Scope-OrgID', 'team-a'); ValueError when it is not 'Name: value'."""
    name, sep, value = text.partition(":")
    if not sep or not re.fullmatch(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+", name.strip()) or not value.strip():
        raise ValueError(f"a header must read 'Name: value' (got {text.split(':')[0]!r}...)")
    return name.strip(), value.strip()
