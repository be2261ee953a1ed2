"""The generated clients under network faults, over real sockets (tests/faults.py).

Each fault keeps what was delivered before it and surfaces as the package's own typed
error with the cause chained: reset, stall, drip, truncation, bad UTF-8, a bad line,
a refused connection, and a token endpoint echoing the secret.
"""

from __future__ import annotations

import asyncio
import pickle
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from grdf_adict import AdictClient, AsyncAdictClient, exceptions
from grdf_adict._runtime.retry import RetryPolicy
from grdf_tjdc import TjdcClient
from grdf_tjdc import exceptions as tjdc_errors

from tests import faults
from tests.faults import FaultServer, fault_server, item

TODAY = date(2026, 11, 22)
PCE = "GI999055"


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    with fault_server() as running:
        yield running


def _options(server: FaultServer, timeout: float) -> dict[str, object]:
    base = f"http://127.0.0.1:{server.port}"
    return {
        "base_url": f"{base}/adict/bas/v6",
        "token_url": f"{base}/token",
        "quota": None,
        "retry": RetryPolicy.off(),
        "timeout": timeout,
        "today": lambda: TODAY,
    }


def client(server: FaultServer, timeout: float = 5.0) -> AdictClient:
    return AdictClient("fault-client", "fault-secret", **_options(server, timeout))  # type: ignore[arg-type]


def async_client(server: FaultServer, timeout: float = 5.0) -> AsyncAdictClient:
    return AsyncAdictClient("fault-client", "fault-secret", **_options(server, timeout))  # type: ignore[arg-type]


def numbers(items: list[object]) -> list[int]:
    return [int(i.pce.id_pce) for i in items]  # type: ignore[attr-defined]


def test_each_item_is_delivered_as_soon_as_it_arrives(server: FaultServer) -> None:
    """Lock-step: item k+1 is only sent once the test holds item k (a buffer would hang)."""
    server.scenario = faults.lockstep(5)
    got: list[object] = []
    with client(server) as adict, adict.stream_consos_publiees(PCE, periode="2025") as lines:
        for line in lines:
            got.append(line)
            server.received.release()
    assert numbers(got) == [1, 2, 3, 4, 5]


def test_async_items_are_delivered_as_soon_as_they_arrive(server: FaultServer) -> None:
    server.scenario = faults.lockstep(5)

    async def main() -> list[object]:
        got: list[object] = []
        async with (
            async_client(server) as adict,
            adict.stream_consos_publiees(PCE, periode="2025") as lines,
        ):
            async for line in lines:
                got.append(line)
                server.received.release()
        return got

    assert numbers(asyncio.run(main())) == [1, 2, 3, 4, 5]


def test_a_drip_of_one_line_per_half_second_is_read_whole(server: FaultServer) -> None:
    server.scenario = faults.drip(4, 0.5)
    with client(server) as adict, adict.stream_consos_publiees(PCE, periode="2025") as lines:
        assert numbers(list(lines)) == [1, 2, 3, 4]


@pytest.mark.parametrize(
    ("label", "scenario", "cause"),
    [
        ("reset after 5 items", faults.lockstep(5, then=faults.reset), httpx.ReadError),
        ("reset without lock-step", faults.reset_after(5), httpx.ReadError),
        ("stall past the read timeout", faults.stall_after(5, 3.0), httpx.ReadTimeout),
        (
            "body shorter than its Content-Length",
            faults.body(b"".join(item(n) for n in range(1, 6)), content_length=1_000_000),
            httpx.RemoteProtocolError,
        ),
    ],
    ids=["reset", "reset-unpaced", "stall", "short-body"],
)
def test_a_fault_keeps_what_was_delivered_and_is_typed(
    server: FaultServer, label: str, scenario: faults.Writer, cause: type[Exception]
) -> None:
    server.scenario = scenario
    got: list[object] = []
    with (
        client(server, timeout=1.0) as adict,
        pytest.raises(exceptions.StreamInterrupted) as caught,
        adict.stream_consos_publiees(PCE, periode="2025") as lines,
    ):
        for line in lines:
            got.append(line)
            server.received.release()
    assert numbers(got) == [1, 2, 3, 4, 5]
    assert caught.value.delivered == 5
    assert isinstance(caught.value, exceptions.StreamError)
    assert isinstance(caught.value, exceptions.NetworkError)
    assert isinstance(caught.value.__cause__, cause)
    assert "after 5 item(s)" in str(caught.value)
    assert "GET /pce/GI999055/donnees_consos_publiees" in str(caught.value)


def test_async_reset_keeps_what_was_delivered(server: FaultServer) -> None:
    server.scenario = faults.lockstep(3, then=faults.reset)

    async def main() -> tuple[list[object], exceptions.StreamInterrupted]:
        got: list[object] = []
        async with async_client(server) as adict:
            try:
                async with adict.stream_consos_publiees(PCE, periode="2025") as lines:
                    async for line in lines:
                        got.append(line)
                        server.received.release()
            except exceptions.StreamInterrupted as exc:
                return got, exc
        raise AssertionError("no error")

    got, error = asyncio.run(main())
    assert numbers(got) == [1, 2, 3] and error.delivered == 3


def test_a_stream_cut_inside_an_object_is_truncated_not_lost(server: FaultServer) -> None:
    data = item(1) + item(2) + item(3)[:40]
    server.scenario = faults.body(data)
    got: list[object] = []
    with (
        client(server) as adict,
        pytest.raises(exceptions.StreamTruncated) as caught,
        adict.stream_consos_publiees(PCE, periode="2025") as lines,
    ):
        got.extend(lines)
    assert numbers(got) == [1, 2] and caught.value.delivered == 2


@pytest.mark.parametrize(
    ("label", "bad"),
    [
        ("bad UTF-8", b'{"pce": {"id_pce": "\xff\xfe"}}\n'),
        ("not JSON", b"<html>proxy error</html>\n"),
        ("a line cut short", item(99)[:60] + b"\n"),
        ("wrong shape", b'{"pce": "not an object"}\n'),
    ],
)
def test_a_bad_line_is_typed_with_its_number_or_skipped_on_request(
    server: FaultServer, label: str, bad: bytes
) -> None:
    data = item(1) + item(2) + bad + item(3) + item(4)
    server.scenario = faults.body(data)
    got: list[object] = []
    with (
        client(server) as adict,
        pytest.raises(exceptions.BadLine) as caught,
        adict.stream_consos_publiees(PCE, periode="2025") as lines,
    ):
        got.extend(lines)
    assert numbers(got) == [1, 2]
    assert (caught.value.first_line, caught.value.delivered) == (3, 2)

    with (
        client(server) as adict,
        adict.stream_consos_publiees(PCE, periode="2025").skip_bad_lines() as lines,
    ):
        assert numbers(list(lines)) == [1, 2, 3, 4]
        assert [(b.first_line, b.last_line) for b in lines.bad_lines] == [(3, 3)]


def test_a_refused_connection_is_a_network_error() -> None:
    with faults.fault_server() as gone:
        port = gone.port
    adict = AdictClient(
        "id",
        "secret",
        base_url=f"http://127.0.0.1:{port}/adict/bas/v6",
        token_url=f"http://127.0.0.1:{port}/token",
        quota=None,
        retry=RetryPolicy.off(),
        today=lambda: TODAY,
    )
    with adict, pytest.raises(exceptions.TokenError):
        adict.donnees_techniques(PCE)


def test_a_reset_on_a_plain_call_is_a_network_error(server: FaultServer) -> None:
    server.scenario = lambda sock, srv: faults.reset(sock)
    with (
        client(server) as adict,
        pytest.raises(exceptions.NetworkError) as caught,
    ):
        adict.donnees_techniques(PCE)
    assert isinstance(caught.value.__cause__, httpx.TransportError)
    assert str(caught.value).startswith("GET /pce/GI999055/donnees_techniques:")


def test_a_soap_call_reset_is_a_network_error(server: FaultServer) -> None:
    server.scenario = lambda sock, srv: faults.reset(sock)
    tjdc = TjdcClient(
        dn_entreprise="CN=FOURNISSEUR EXEMPLE,O=FOURNISSEUR EXEMPLE,C=FR",
        numero_cad="A04000010",
        login="DN6473",
        cert=None,
        base_url=f"http://127.0.0.1:{server.port}/omega/ws/CreerDemandeTJDC",
    )
    with tjdc, pytest.raises(tjdc_errors.NetworkError):
        tjdc.verifier_recevabilite("GI999055")


def test_a_token_error_page_echoing_the_form_never_shows_the_secret() -> None:
    secret = "s3cr3t+/=&value"

    def echo(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text=f"bad form: {request.content.decode()}")

    def echo_json(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401, json={"error": "invalid_client", "error_description": request.content.decode()}
        )

    for handler in (echo, echo_json):
        adict = AdictClient(
            "id", secret, quota=None, transport=httpx.MockTransport(handler), today=lambda: TODAY
        )
        with adict, pytest.raises(exceptions.TokenError) as caught:
            adict.donnees_techniques(PCE)
        shown = str(caught.value) + repr(caught.value) + "".join(map(str, caught.value.args))
        for form in (secret, "s3cr3t%2B%2F%3D%26value", "s3cr3t"):
            assert form not in shown
        assert "********" in shown


def test_a_secret_refuses_to_be_pickled() -> None:
    adict = AdictClient("id", "pickled-secret", quota=None, today=lambda: TODAY)
    with adict:
        with pytest.raises(TypeError, match="cannot be pickled"):
            pickle.dumps(adict.auth._secret)
        with pytest.raises(TypeError):
            pickle.dumps(adict.auth)
