"""A real OpenID Connect provider for the tests: oidc-provider-mock served on 127.0.0.1 in a thread."""

from __future__ import annotations

import json
import socket
import threading
import urllib.parse
import urllib.request
from contextlib import contextmanager

import oidc_provider_mock
import werkzeug.serving


def loopback_port(candidates: range = range(0)) -> int:
    """The first of ``candidates`` free on 127.0.0.1, else any free port."""
    for port in candidates:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(users: dict[str, dict], ports: range = range(0)):
    """The provider's base URL while it serves, with ``users`` (subject -> claims) registered."""
    server = werkzeug.serving.make_server("127.0.0.1", loopback_port(ports), oidc_provider_mock.app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        for sub, claims in users.items():
            call(url, f"/users/{urllib.parse.quote(sub)}", claims, method="PUT")
        yield url
    finally:
        server.shutdown()
        thread.join(timeout=10)


def call(url: str, path: str, body: dict | None = None, method: str = "POST") -> int:
    """One call to the provider's test API (register a user, revoke a user's tokens); its status."""
    request = urllib.request.Request(f"{url}{path}", data=json.dumps(body or {}).encode(), method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def access_token(url: str, sub: str) -> str:
    """An access token for ``sub``, by the authorisation-code flow a browser would drive."""
    import http.cookiejar

    redirect = "http://127.0.0.1:9/callback"
    opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    query = urllib.parse.urlencode({"response_type": "code", "client_id": "kpi-test", "redirect_uri": redirect,
                                    "scope": "openid email", "state": "s"})
    form = urllib.parse.urlencode({"sub": sub}).encode()
    response = opener.open(urllib.request.Request(f"{url}/oauth2/authorize?{query}", data=form))
    code = urllib.parse.parse_qs(urllib.parse.urlparse(response.headers["Location"]).query)["code"][0]
    token = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": redirect,
                                    "client_id": "kpi-test", "client_secret": "s"}).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{url}/oauth2/token", data=token), timeout=10) as answer:
        return json.loads(answer.read())["access_token"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def http_error_302(self, req, fp, code, msg, headers):
        return fp
