"""Where a client goes: its environment, and the URLs given explicitly."""

from __future__ import annotations

import pytest

from codegen.runtime.settings import resolve_environment

ENVIRONMENTS = {
    "bas": {
        "base_url": "https://api.grdf.fr/adict/bas/v6",
        "token_url": "https://adict-connexion.grdf.fr/oauth2/aus5y2ta2uEHjCWIR417/v1/token",
    },
    "mock": {
        "base_url": "http://127.0.0.1:8080/adict/bas/v6",
        "token_url": "http://127.0.0.1:8080/oauth2/aus5y2ta2uEHjCWIR417/v1/token",
    },
}


@pytest.mark.parametrize(
    ("environment", "base_url", "token_url", "expected"),
    [
        # a token endpoint on the API's own origin follows the base URL given
        ("mock", "http://127.0.0.1:9123/adict/bas/v6", None,
         "http://127.0.0.1:9123/oauth2/aus5y2ta2uEHjCWIR417/v1/token"),
        ("mock", "https://mock.example:8443/adict/bas/v6", None,
         "https://mock.example:8443/oauth2/aus5y2ta2uEHjCWIR417/v1/token"),
        # GRDF's identity provider is elsewhere: it stays
        ("bas", "https://proxy.example/adict/bas/v6", None,
         "https://adict-connexion.grdf.fr/oauth2/aus5y2ta2uEHjCWIR417/v1/token"),
        # an explicit token URL always wins
        ("mock", "http://127.0.0.1:9123/adict/bas/v6", "http://idp.example/token",
         "http://idp.example/token"),
        # nothing given: the environment's own
        ("mock", None, None, "http://127.0.0.1:8080/oauth2/aus5y2ta2uEHjCWIR417/v1/token"),
    ],
)  # fmt: skip
def test_the_token_url_follows_the_base_url_only_when_it_lived_beside_it(
    environment: str, base_url: str | None, token_url: str | None, expected: str
) -> None:
    endpoint = resolve_environment(
        ENVIRONMENTS, environment, base_url=base_url, token_url=token_url
    )
    assert endpoint.token_url == expected


def test_a_client_reaches_a_mock_on_another_port_with_one_argument() -> None:
    """``environment="mock"`` and the mock's ``base_url``: the token comes from there too."""
    from grdf_adict import AdictClient

    from conformance.mock.server import running_mock

    with (
        running_mock() as url,
        AdictClient(
            "grdfkit-demo",
            "grdfkit-demo-secret",
            environment="mock",
            base_url=f"{url}/adict/bas/v6",
        ) as client,
    ):
        assert client.auth.token()
        assert client.donnees_techniques("09999999900617") is not None
