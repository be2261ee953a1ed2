"""OMEGA CreerDemandeTJDC facade: ``TjdcClient``, the two-step SOAP dialogue.

Hand-written, placed into the generated ``grdf_tjdc`` package as ``facade.py``. Requests
and answers are the xsdata dataclasses of ``soap.py``; the envelope goes through httpx with
the client certificate (mutual TLS), TLS verification on unless explicitly changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from types import TracebackType
from typing import Self, TypeVar

import httpx
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate

from . import soap as xml
from ._api import API, DEFAULT_ENVIRONMENT, ENVIRONMENTS, SOAP_ACTIONS
from ._runtime import rules
from ._runtime.classify import error_for
from ._runtime.errors import NetworkError, ValidationError
from ._runtime.recording import Recorder
from ._runtime.retry import RetryPolicy
from ._runtime.settings import DEFAULT_TIMEOUT, resolve_environment, sync_client
from ._runtime.soap import MessageRetour, body_payload, envelope, parse_message

__all__ = ["DialogueResult", "MessageRetour", "Recorder", "TjdcClient"]

Answer = TypeVar("Answer", xml.ReponseWsverifierRecevabiliteTjdc, xml.ReponseWscreerDemandeTjdc)


@dataclass(frozen=True)
class DialogueResult:
    """What OMEGA answered to one step: P (go on), A (abandoned) or T (done)."""

    type_retour_dialogue: str
    code_retour: str
    messages: tuple[MessageRetour, ...]
    numero_demande: str | None = None
    date_demandee: date | None = None

    @property
    def a_poursuivre(self) -> bool:
        """P / Message: step 1 passed, the dialogue goes on."""
        return self.type_retour_dialogue == "P"

    @property
    def abandonne(self) -> bool:
        """A / DmdKo: refused; ``messages`` say why."""
        return self.type_retour_dialogue == "A"

    @property
    def termine(self) -> bool:
        """T / DmdOkDD: the request was recorded under ``numero_demande``."""
        return self.type_retour_dialogue == "T"


def _result(
    answer: xml.ReponseWsverifierRecevabiliteTjdc | xml.ReponseWscreerDemandeTjdc,
) -> DialogueResult:
    objet = getattr(answer, "reponse_creer_demande_objet", None)
    when = (
        objet.date_demandee.to_date()
        if objet is not None and objet.date_demandee is not None
        else None
    )
    return DialogueResult(
        type_retour_dialogue=answer.type_retour_dialogue.value,
        code_retour=answer.retour.code_retour.value,
        messages=tuple(parse_message(m) for m in answer.retour.message_retour),
        numero_demande=objet.numero_demande if objet is not None else None,
        date_demandee=when,
    )


class TjdcClient:
    """Synchronous client of OMEGA's CreerDemandeTJDC web service.

    ``cert`` is the client certificate GRDF issued (a PEM file, or (certificate, key));
    ``dn_entreprise`` its distinguished name; ``numero_cad`` the supplier's CDG-F; ``login``
    the OMEGA login of the person. ``verify`` is ``True`` (system CAs), a CA bundle path, or
    ``False`` (tests only). Calls are not retried: each step may create a request in OMEGA.
    ``recorder`` (a ``Recorder``) writes every exchange to a cassette directory, the
    customer's name and the login left out (the certificate never passes through it).
    """

    def __init__(
        self,
        *,
        cert: str | tuple[str, str] | None,
        dn_entreprise: str,
        numero_cad: str,
        login: str,
        environment: str = DEFAULT_ENVIRONMENT,
        base_url: str | None = None,
        verify: bool | str = True,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        today: Callable[[], date] = date.today,
        recorder: Recorder | None = None,
    ) -> None:
        for field, value in (
            ("dn_entreprise", dn_entreprise),
            ("numero_cad", numero_cad),
            ("login", login),
        ):
            if not value or not value.strip():
                raise ValidationError(
                    field, "required", f"{field} must be given (OMEGA refuses an empty one)"
                )
        self.endpoint = resolve_environment(ENVIRONMENTS, environment, base_url=base_url)
        self.dn_entreprise, self.numero_cad, self.login = dn_entreprise, numero_cad, login
        self._today = today
        self.http = sync_client(
            base_url=self.endpoint.base_url,
            auth=None,
            limiter=None,
            retry=RetryPolicy.off(),
            timeout=timeout,
            verify=verify,
            cert=cert,
            transport=transport,
            recorder=recorder.redacting(API.redact) if recorder else None,
        )
        self._serializer = XmlSerializer(config=SerializerConfig(xml_declaration=False))
        self._parser = XmlParser()

    def __repr__(self) -> str:
        return f"TjdcClient(base_url={self.endpoint.base_url!r}, numero_cad={self.numero_cad!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    def _call(self, action: str, request: object, answer: type[Answer]) -> Answer:
        body = envelope(self._serializer.render(request))
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{SOAP_ACTIONS[action]}"',
        }
        # the absolute address: httpx would add a trailing slash to base_url + ""
        try:
            response = self.http.post(self.endpoint.base_url, content=body, headers=headers)
        except httpx.TransportError as exc:
            raise NetworkError(f"SOAP {action}", exc) from exc
        if response.status_code != 200 and b"Fault>" not in response.content:
            raise error_for(response.status_code, response.content, operation=f"SOAP {action}")
        payload = body_payload(response.content)
        return self._parser.from_bytes(payload, answer)

    def _user(self) -> xml.Utilisateur:
        return xml.Utilisateur(login=self.login)

    def verifier_recevabilite(
        self, numero_pce: str, *, nom_du_client: str | None = None, code_postal: str | None = None
    ) -> DialogueResult:
        """Step 1: may this PCE subscribe to TJDC? P/Message to go on, A/DmdKo if not."""
        rules.check_pce(numero_pce, "NumeroPCE")
        if code_postal is not None and not rules.POSTCODE.fullmatch(code_postal):
            raise ValidationError(
                "CodePostal", "postcode_format", f"{code_postal!r} is not 5 digits"
            )
        request = xml.RequeteWsverifierRecevabiliteTjdc(
            dnentreprise=self.dn_entreprise,
            numero_cad=self.numero_cad,
            utilisateur=self._user(),
            numero_version="V1",
            type_demande=xml.TypeDemande.TJDC,
            numero_pce=numero_pce,
            nom_du_client=nom_du_client,
            code_postal=code_postal,
        )
        return _result(
            self._call("VerifierRecevabiliteTJDC", request, xml.ReponseWsverifierRecevabiliteTjdc)
        )

    def creer_demande(
        self,
        numero_pce: str,
        *,
        date_demandee: date,
        autorisation_expresse: bool,
        nom_du_client: str | None = None,
        code_postal: str | None = None,
        tarif: str | None = None,
    ) -> DialogueResult:
        """Step 2: create the request. T/DmdOkDD with ``numero_demande``, or A/DmdKo."""
        rules.check_tjdc_request(
            numero_pce=numero_pce,
            date_demandee=date_demandee,
            autorisation_expresse=autorisation_expresse,
            code_postal=code_postal,
            today=self._today(),
        )
        request = xml.RequeteWscreerDemandeTjdc(
            dnentreprise=self.dn_entreprise,
            numero_cad=self.numero_cad,
            utilisateur=self._user(),
            numero_version="V1",
            demande=xml.DemandeTjdc(
                type_demande=xml.TypeDemande.TJDC,
                numero_pce=numero_pce,
                date_demandee=XmlDate.from_date(date_demandee),
                autorisation_expresse=xml.AutorisationExpresse.OUI,
                nom_du_client=nom_du_client,
                code_postal=code_postal,
                tarif=tarif,
            ),
        )
        return _result(self._call("CreerDemandeTJDC", request, xml.ReponseWscreerDemandeTjdc))

    def souscrire(
        self,
        numero_pce: str,
        *,
        date_demandee: date | None = None,
        autorisation_expresse: bool,
        nom_du_client: str | None = None,
        code_postal: str | None = None,
    ) -> DialogueResult:
        """Run the whole dialogue: step 1, and step 2 only when step 1 says P.

        ``date_demandee`` defaults to the earliest date OMEGA accepts (today + 5 working
        days). Returns step 1's result when it abandons, else step 2's.
        """
        when = date_demandee or rules.earliest_tjdc_date(self._today())
        rules.check_tjdc_request(
            numero_pce=numero_pce,
            date_demandee=when,
            autorisation_expresse=autorisation_expresse,
            code_postal=code_postal,
            today=self._today(),
        )
        first = self.verifier_recevabilite(
            numero_pce, nom_du_client=nom_du_client, code_postal=code_postal
        )
        if not first.a_poursuivre:
            return first
        return self.creer_demande(
            numero_pce,
            date_demandee=when,
            autorisation_expresse=autorisation_expresse,
            nom_du_client=nom_du_client,
            code_postal=code_postal,
        )
