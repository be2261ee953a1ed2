"""OAuth2 client credentials: caching, single flight, 401 retry, and secrecy."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from urllib.parse import parse_qs

import httpx
import pytest

from codegen.runtime.auth import OAuth2ClientCredentials, Secret
from codegen.runtime.errors import TokenError

SECRET = "s3cr3t-value-never-printed"


class FakeOkta:
    """A token endpoint and an API: tokens are t1, t2...; the API accepts the latest one."""

    def __init__(self, *, expires_in: int = 14400, delay: float = 0.0) -> None:
        self.issued = 0
        self.expires_in = expires_in
        self.delay = delay
        self.lock = threading.Lock()
        self.revoked: set[str] = set()
        self.forms: list[dict[str, list[str]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            form = parse_qs(request.content.decode())
            self.forms.append(form)
            if form.get("client_secret") != [SECRET]:
                return httpx.Response(
                    401, json={"error": "invalid_client", "error_description": "bad secret"}
                )
            time.sleep(self.delay)
            with self.lock:
                self.issued += 1
                token = f"t{self.issued}"
            return httpx.Response(
                200,
                json={"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in},
            )
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if token in self.revoked or not token:
            return httpx.Response(
                401, json={"code_statut_traitement": "401", "message_retour_traitement": "expired"}
            )
        return httpx.Response(200, json={"token": token})


def auth_for(
    okta: FakeOkta, clock: object = time.monotonic, secret: str = SECRET
) -> OAuth2ClientCredentials:
    return OAuth2ClientCredentials(
        "my-client",
        secret,
        token_url="https://okta.test/token",
        scope="/adict/bas/v6",
        transport=httpx.MockTransport(okta),
        async_transport=httpx.MockTransport(okta),
        clock=clock,  # type: ignore[arg-type]
    )


def test_form_is_client_credentials_with_scope() -> None:
    okta = FakeOkta()
    auth = auth_for(okta)
    with httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client:
        assert client.get("https://api.test/x").json() == {"token": "t1"}
    assert okta.forms == [
        {
            "grant_type": ["client_credentials"],
            "client_id": ["my-client"],
            "client_secret": [SECRET],
            "scope": ["/adict/bas/v6"],
        }
    ]


def test_token_is_reused_until_expiry_minus_margin() -> None:
    okta = FakeOkta(expires_in=3600)
    now = [1000.0]
    auth = auth_for(okta, clock=lambda: now[0])
    with httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client:
        assert {client.get("https://api.test/x").json()["token"] for _ in range(5)} == {"t1"}
        now[0] += 3600 - 61
        assert client.get("https://api.test/x").json()["token"] == "t1"
        now[0] += 2  # within the 60 s margin of expiry
        assert client.get("https://api.test/x").json()["token"] == "t2"
    assert auth.fetch_count == 2


def test_sixteen_threads_share_one_token_request() -> None:
    okta = FakeOkta(delay=0.2)
    auth = auth_for(okta)
    barrier = threading.Barrier(16)
    tokens: list[str] = []

    def worker() -> None:
        with httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client:
            barrier.wait()
            tokens.append(client.get("https://api.test/x").json()["token"])

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert tokens == ["t1"] * 16
    assert okta.issued == 1


def test_sixteen_tasks_share_one_token_request() -> None:
    okta = FakeOkta()

    async def slow_okta(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            await asyncio.sleep(0.1)
        return okta(request)

    auth = OAuth2ClientCredentials(
        "my-client",
        SECRET,
        token_url="https://okta.test/token",
        scope="s",
        async_transport=httpx.MockTransport(slow_okta),
    )

    async def main() -> list[str]:
        async with httpx.AsyncClient(transport=httpx.MockTransport(slow_okta), auth=auth) as client:
            responses = await asyncio.gather(*(client.get("https://api.test/x") for _ in range(16)))
        return [r.json()["token"] for r in responses]

    assert asyncio.run(main()) == ["t1"] * 16
    assert okta.issued == 1


def test_401_retries_once_with_a_fresh_token() -> None:
    okta = FakeOkta()
    auth = auth_for(okta)
    with httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client:
        assert client.get("https://api.test/x").json()["token"] == "t1"
        okta.revoked.add("t1")
        assert client.get("https://api.test/x").json()["token"] == "t2"
        okta.revoked.add("t2")
        okta.revoked.add("t3")  # the fresh token is refused too: the 401 comes back, once
        response = client.get("https://api.test/x")
        assert response.status_code == 401
    assert okta.issued == 3


def test_bad_secret_is_a_clear_token_error_without_the_secret() -> None:
    okta = FakeOkta()
    auth = auth_for(okta, secret="wrong-secret-value")
    with (
        httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client,
        pytest.raises(TokenError) as caught,
    ):
        client.get("https://api.test/x")
    message = str(caught.value)
    assert "refused client 'my-client'" in message and "invalid_client" in message
    assert "wrong-secret-value" not in message


def test_secret_and_token_never_show(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    okta = FakeOkta()
    auth = auth_for(okta)
    with httpx.Client(transport=httpx.MockTransport(okta), auth=auth) as client:
        client.get("https://api.test/x")
    token = auth.token()
    shown = " ".join([repr(auth), str(auth), repr(token), str(token.value), caplog.text])
    assert SECRET not in shown and "t1" not in repr(token)
    assert "********" in repr(auth)
    assert Secret("x") == Secret("x") and Secret("x").reveal() == "x"


def test_unreachable_token_endpoint_is_a_token_error() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    auth = OAuth2ClientCredentials(
        "c",
        SECRET,
        token_url="https://okta.test/token",
        scope="s",
        transport=httpx.MockTransport(down),
    )
    with pytest.raises(TokenError, match="cannot reach token endpoint"):
        auth.token()
