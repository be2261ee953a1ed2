"""The generated ADICT client, driven end to end against an in-process fake of GRDF."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "generated"))

from grdf_adict import AdictClient, AsyncAdictClient, exceptions

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "seed_examples"
SECRET = "adict-secret-never-shown"
TODAY = date(2026, 11, 22)
LINE = json.loads((FIXTURES / "adict_consos_publiees_line.json").read_text())
RIGHT = json.loads((FIXTURES / "adict_droits_acces_post_line.json").read_text())
TRAILER = {
    "code_statut_traitement": "0000000000",
    "message_retour_traitement": "L'opération s'est déroulée avec succès.",
}


class FakeAdict:
    """Records requests; answers like GRDF for the paths the tests use."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.stream_body = b""
        self.tokens = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            self.tokens += 1
            return httpx.Response(
                200,
                json={
                    "access_token": f"tok{self.tokens}",
                    "token_type": "Bearer",
                    "expires_in": 14400,
                },
            )
        self.requests.append(request)
        path = request.url.path.removeprefix("/adict/bas/v6")
        if request.headers.get("Authorization") != f"Bearer tok{self.tokens}":
            return httpx.Response(
                401, json={"code_statut_traitement": "401", "message_retour_traitement": "jeton"}
            )
        if path == "/pce/GI999159/droit_acces":
            return httpx.Response(
                409,
                json={
                    "code_statut_traitement": "1000000003",
                    "message_retour_traitement": "Un droit d'accès existe déjà.",
                },
            )
        if path.endswith("/droit_acces") and request.method == "PUT":
            body = json.loads(request.content)
            answer = {
                **body,
                "code_statut_traitement": "0000000002",
                "message_retour_traitement": "La demande d'accès est en attente de la validation "
                "du titulaire du PCE.",
                "id_pce": path.split("/")[2],
                "id_droit_acces": "9388f0df-14aa-02a9-e053-2b40ec0a76fd",
                "etat_droit_acces": "A valider",
                "parcours": "TIERS_DIRECT",
            }
            answer["raison_sociale_du_titulaire"] = answer.pop("raison_sociale", None)
            return httpx.Response(201, json=answer)
        if path == "/droits_acces":
            return httpx.Response(
                200,
                content=self.stream_body
                or (json.dumps(RIGHT) + "\n" + json.dumps(TRAILER) + "\n").encode(),
                headers={"Content-Type": "application/x-ndjson"},
            )
        if "/donnees_consos_publiees" in path:
            return httpx.Response(
                200, content=self.stream_body, headers={"Content-Type": "application/x-ndjson"}
            )
        if path.startswith("/droit_acces/") and request.method == "PATCH":
            return httpx.Response(
                200,
                json={
                    "code_statut_traitement": "0000000000",
                    "message_retour_traitement": "L'opération s'est déroulée avec succès.",
                },
            )
        if path.endswith("/preuves"):
            return httpx.Response(
                200,
                json={"code_statut_traitement": "0000000000", "message_retour_traitement": "ok"},
            )
        if path.endswith("/donnees_contractuelles"):
            return httpx.Response(
                200, json=json.loads((FIXTURES / "adict_donnees_contractuelles.json").read_text())
            )
        if path.endswith("/donnees_techniques"):
            return httpx.Response(503, headers={"Retry-After": "0"}, json={})
        return httpx.Response(404, json={})


@pytest.fixture
def fake() -> FakeAdict:
    return FakeAdict()


@pytest.fixture
def client(fake: FakeAdict) -> AdictClient:
    return AdictClient(
        "client-id",
        SECRET,
        environment="bas",
        quota=None,
        transport=httpx.MockTransport(fake),
        today=lambda: TODAY,
    )


def declaration(**changes: Any) -> dict[str, Any]:
    return {
        "role_tiers": "AUTORISE_CONTRAT_FOURNITURE",
        "raison_sociale": "BabaTech",
        "code_postal": "77900",
        "courriel_titulaire": "robert.dupont@dupont.fr",
        "date_debut_droit_acces": date(2026, 11, 1),
        "date_fin_droit_acces": date(2027, 11, 1),
        "perim_donnees_conso_debut": date(2024, 1, 1),
        "perim_donnees_conso_fin": date(2026, 11, 1),
        "perim_donnees_publiees": True,
        "perim_donnees_contractuelles": True,
    } | changes


def test_declare_sends_grdf_values_and_decodes_the_answer(
    client: AdictClient, fake: FakeAdict
) -> None:
    out = client.declarer_droit_acces("09999999900617", **declaration())
    (request,) = fake.requests
    assert (request.method, request.url.path) == (
        "PUT",
        "/adict/bas/v6/pce/09999999900617/droit_acces",
    )
    body = json.loads(request.content)
    assert body["perim_donnees_publiees"] == "Vrai" and body["perim_donnees_informatives"] == "Faux"
    assert body["date_debut_droit_acces"] == "2026-11-01" and "nom_titulaire" not in body
    assert out.etat_droit_acces == "A valider" and out.code_statut_traitement == "0000000002"


def test_grdf_code_becomes_a_named_exception(client: AdictClient) -> None:
    with pytest.raises(exceptions.AccessRightAlreadyExists) as caught:
        client.declarer_droit_acces("GI999159", **declaration())
    error = caught.value
    assert isinstance(error, exceptions.Conflict) and error.status == 409
    assert (error.code, error.message) == ("1000000003", "Un droit d'accès existe déjà.")
    assert error.operation == "PUT /pce/GI999159/droit_acces"


@pytest.mark.parametrize(
    ("call", "field", "rule"),
    [
        (lambda c: c.declarer_droit_acces("123", **declaration()), "id_pce", "pce_format"),
        (
            lambda c: c.declarer_droit_acces("GI999001", **declaration(nom_titulaire="DUPONT")),
            "nom_titulaire",
            "exactly_one_holder_name",
        ),
        (lambda c: c.consos_publiees("GI999001"), "periode", "periode_xor_dates"),
        (
            lambda c: c.consos_informatives(
                "GI999001", date_debut=date(2022, 1, 1), date_fin=date(2023, 1, 1)
            ),
            "date_debut",
            "history_3_years",
        ),
        (
            lambda c: c.transmettre_preuves(
                "9388f0df-14aa-02a9-e053-2b40ec0a76fd", [("a.exe", b"x")]
            ),
            "preuves",
            "extension",
        ),
        (lambda c: c.revoquer_droit_acces("not-a-uuid"), "id_droit_acces", "uuid_format"),
        (lambda c: c.donnees_contractuelles("GI999001", filtres=["prix"]), "filtres", "enum"),
    ],
)
def test_bad_input_is_refused_before_any_call(
    client: AdictClient, fake: FakeAdict, call: Any, field: str, rule: str
) -> None:
    with pytest.raises(exceptions.ValidationError) as caught:
        call(client)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert fake.requests == [] and fake.tokens == 0


def test_listing_with_filters_streams_items_and_keeps_the_trailer(
    client: AdictClient, fake: FakeAdict
) -> None:
    with client.stream_droits_acces_specifiques(
        id_pce=["09739073796462"], etat_droit_acces=["Active"]
    ) as stream:
        items = list(stream)
    assert [i.id_droit_acces for i in items] == [RIGHT["id_droit_acces"]]
    assert stream.status.code_statut_traitement == "0000000000"
    (request,) = fake.requests
    assert request.method == "POST" and json.loads(request.content) == {
        "id_pce": ["09739073796462"],
        "etat_droit_acces": ["Active"],
    }


def test_pretty_printed_stream_with_a_line_error_and_a_truncated_tail(
    client: AdictClient, fake: FakeAdict
) -> None:
    no_data = {
        "pce": {"id_pce": "GI999055"},
        "statut_restitution": {
            "code": "1000008",
            "message": "Il n'y a pas de données correspondant à ce PCE sur la période demandée.",
        },
    }
    fake.stream_body = (
        json.dumps(LINE, indent=2)
        + "\n"
        + json.dumps(no_data, indent=2)
        + "\r\n"
        + '{"pce": {"id_pce": "GI9'
    ).encode()
    received = []
    with (
        pytest.raises(exceptions.StreamTruncated),
        client.stream_consos_publiees("GI999055", periode="2024") as stream,
    ):
        for item in stream:
            received.append(item)
    assert [i.pce.id_pce for i in received] == ["22090020010222", "GI999055"]
    assert (
        received[0].consommation.energie == 11 and received[1].statut_restitution.code == "1000008"
    )
    assert fake.requests[0].url.params["periode"] == "2024"


def test_line_errors_can_raise(client: AdictClient, fake: FakeAdict) -> None:
    fake.stream_body = json.dumps(
        {
            "pce": {"id_pce": "GI999055"},
            "statut_restitution": {"code": "1000008", "message": "pas de données"},
        }
    ).encode()
    with pytest.raises(exceptions.LineError, match="1000008: pas de données"):
        client.consos_publiees(
            "GI999055",
            date_debut=date(2024, 1, 1),
            date_fin=date(2024, 12, 31),
            raise_on_line_error=True,
        )
    assert fake.requests[0].url.params["date_debut"] == "2024-01-01"


def test_proofs_are_one_multipart_part_each(
    client: AdictClient, fake: FakeAdict, tmp_path: Path
) -> None:
    proof = tmp_path / "consentement.pdf"
    proof.write_bytes(b"%PDF-1.4 ... --+++ ...")
    client.transmettre_preuves(
        "9388f0df-14aa-02a9-e053-2b40ec0a76fd", [proof, ("appel.mp3", b"ID3")]
    )
    (request,) = fake.requests
    content_type = request.headers["Content-Type"]
    assert (
        content_type.startswith("multipart/form-data; boundary=")
        and "boundary=+++" not in content_type
    )
    assert request.content.count(b'name="preuves"') == 2
    assert (
        b'filename="consentement.pdf"' in request.content
        and b'filename="appel.mp3"' in request.content
    )


def test_revoke_filters_and_retries(client: AdictClient, fake: FakeAdict) -> None:
    assert (
        client.revoquer_droit_acces("f13a3109-39a7-47a0-8017-3192620dee4e").code_statut_traitement
        == "0000000000"
    )
    contract = client.donnees_contractuelles("GI999055", filtres=["car", "cja"])
    assert contract.donnees_contractuelles.car == 9475
    assert fake.requests[1].url.params.get_list("filtre") == ["car", "cja"]
    with pytest.raises(exceptions.ServerError):
        client.donnees_techniques("GI999055")
    assert (
        len([r for r in fake.requests if r.url.path.endswith("donnees_techniques")]) == 4
    )  # retried, then given up


def test_expired_token_is_renewed_transparently(client: AdictClient, fake: FakeAdict) -> None:
    client.revoquer_droit_acces("f13a3109-39a7-47a0-8017-3192620dee4e")
    fake.tokens += 1  # the server now expects a newer token than the client holds
    assert (
        client.revoquer_droit_acces("f13a3109-39a7-47a0-8017-3192620dee4e").code_statut_traitement
        == "0000000000"
    )


def test_repr_never_shows_the_secret(client: AdictClient) -> None:
    assert SECRET not in repr(client) and "client-id" in repr(client) and "bas" in repr(client)


def test_environments_and_quota_come_from_the_manifest() -> None:
    production = AdictClient("c", SECRET, environment="production")
    assert str(production.http.base_url) == "https://api.grdf.fr/adict/v2/"
    assert production.auth.scope == "/adict/v2" and production.auth.token_url.startswith(
        "https://adict-connexion.grdf.fr/"
    )
    assert (production.limiter.config.per_second, production.limiter.config.per_day) == (1, 6000)
    large = AdictClient("c", SECRET, quota="large", base_url="http://127.0.0.1:9/adict/v2")
    assert (large.limiter.config.per_second, large.limiter.config.per_day) == (3, 240000)
    with pytest.raises(exceptions.ValidationError, match="environment"):
        AdictClient("c", SECRET, environment="staging")
    with pytest.raises(exceptions.ValidationError, match="quota"):
        AdictClient("c", SECRET, quota="huge")


def test_async_client_streams_and_calls(fake: FakeAdict) -> None:
    fake.stream_body = (json.dumps(LINE) + "\n") * 3

    async def main() -> tuple[int, str]:
        async with AsyncAdictClient(
            "client-id",
            SECRET,
            quota=None,
            transport=httpx.MockTransport(fake),
            today=lambda: TODAY,
        ) as client:
            items = await client.consos_publiees("GI999055", periode="2024")
            listing = client.stream_droits_acces()
            fake.stream_body = b""
            async with listing as stream:
                rights = [r async for r in stream]
            return len(items), f"{len(rights)} {stream.status.code_statut_traitement}"

    assert asyncio.run(main()) == (3, "1 0000000000")
    assert fake.tokens == 1
    params = parse_qs(fake.requests[0].url.query.decode())
    assert params == {"periode": ["2024"]}
