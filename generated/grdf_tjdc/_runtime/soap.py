# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""SOAP 1.1 over httpx: envelopes, faults, and OMEGA's MessageRetour lines.

The TJDC client serialises xsdata dataclasses into the body, posts with the same httpx stack
(timeouts, TLS, client certificate) as the REST clients, and turns a Fault into
:class:`SoapFault`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from .errors import GrdfError, SoapFault

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class SoapError(GrdfError):
    """The answer is not a SOAP envelope we can read."""


def envelope(body: str) -> bytes:
    """A SOAP 1.1 envelope around ``body`` (an XML element without declaration)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}"><soapenv:Body>{body}</soapenv:Body>'
        "</soapenv:Envelope>"
    ).encode()


def body_payload(content: bytes) -> bytes:
    """The element inside ``soapenv:Body``; raises :class:`SoapFault` for a Fault."""
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SoapError(f"the answer is not XML: {exc.msg}") from None
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if root.tag != f"{{{SOAP_ENV}}}Envelope" or body is None or len(body) == 0:
        raise SoapError("the answer is not a SOAP 1.1 envelope with a body")
    payload = body[0]
    if payload.tag == f"{{{SOAP_ENV}}}Fault":
        raise SoapFault(
            payload.findtext("faultcode", "").strip(),
            payload.findtext("faultstring", "").strip(),
        )
    serialized: bytes = etree.tostring(payload)
    return serialized


@dataclass(frozen=True)
class MessageRetour:
    """One MessageRetour line, with the technical codes OMEGA appended pulled out."""

    texte: str
    code_erreur: str | None = None
    code_champ: str | None = None
    code_coherence: str | None = None


_DONNEE_INCORRECTE = re.compile(
    r"Donnée incorrecte\s*:\s*(?P<champ>.+?)\s*/\s*(?P<coherence>.+)", re.DOTALL
)
_NON_RECEVABLE = re.compile(r"Demande non recevable\s*:\s*(?P<code>.+)", re.DOTALL)
_WITH_CODE = re.compile(
    r"(?P<prefix>Numéro de PCE incorrect ou inconnu|Dialogue interrompu suite à un problème "
    r"technique, vérifiez l'état de la demande sur le portail ou les publications OMEGA\.)"
    r"\s*:?\s*(?P<code>.*)",
    re.DOTALL,
)


def parse_message(text: str) -> MessageRetour:
    """Split one MessageRetour line into its text and codes (seed 002, Annexe A).

    Forms: "Donnée incorrecte : codeChamp / codeCohérence", "Demande non recevable : code",
    and the two messages a codeErreur follows.
    """
    text = text.strip()
    if match := _DONNEE_INCORRECTE.fullmatch(text):
        return MessageRetour(
            text, code_champ=match["champ"], code_coherence=match["coherence"]
        )
    if match := _NON_RECEVABLE.fullmatch(text):
        return MessageRetour(text, code_erreur=match["code"].strip())
    if match := _WITH_CODE.fullmatch(text):
        return MessageRetour(text, code_erreur=match["code"].strip() or None)
    return MessageRetour(text)
