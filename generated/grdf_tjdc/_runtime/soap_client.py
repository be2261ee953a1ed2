# grdfkit's client runtime (codegen/runtime/), copied verbatim into each generated package.
"""The SOAP clients' runtime: a dialogue step as a typed call, written once for every step.

A generated SOAP facade (``facade.py`` of ``grdf_tjdc``) declares its steps in a table of
:class:`Step` (from the manifest's ``[apis.<api>.soap]``) and each method hands its
arguments to :meth:`SoapClient._step`: the step's named rules and formats are checked, the
request dataclass (xsdata's) is filled element by element from the arguments, the identity
elements and the constants, and the answer is parsed into a :class:`DialogueResult`.
Requests go through httpx with the client certificate (mutual TLS), never retried (each
step may create a request in OMEGA).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from functools import cache
from types import ModuleType, TracebackType
from typing import Any, Self

import httpx
from xsdata.formats.dataclass.parsers import XmlParser
from xsdata.formats.dataclass.parsers.config import ParserConfig
from xsdata.formats.dataclass.serializers import XmlSerializer
from xsdata.formats.dataclass.serializers.config import SerializerConfig
from xsdata.models.datatype import XmlDate

from . import rules
from .classify import error_for
from .errors import NetworkError, ValidationError
from .recording import Recorder
from .retry import RetryPolicy
from .settings import DEFAULT_TIMEOUT, resolve_environment, sync_client
from .soap import MessageRetour, body_payload, envelope, parse_message


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


@dataclass(frozen=True)
class Param:
    """A method's parameter and the request element it fills."""

    name: str
    element: str
    #: ``str``, ``date`` or ``oui-non`` (a bool sent as OUI / NON).
    type: str = "str"
    #: A format checked before sending: ``pce`` or ``postcode``.
    rule: str | None = None


@dataclass(frozen=True)
class Step:
    """One SOAP operation: its action, request and answer elements, parameters and rules."""

    operation: str
    action: str
    request: str
    answer: str
    params: tuple[Param, ...]
    constants: Mapping[str, str]
    rules: tuple[str, ...] = ()


def _tjdc_request(values: Mapping[str, Any], today: date) -> None:
    rules.check_tjdc_request(
        numero_pce=values["numero_pce"],
        date_demandee=values["date_demandee"],
        autorisation_expresse=values["autorisation_expresse"],
        code_postal=values.get("code_postal"),
        today=today,
    )


#: The rules a step or a dialogue may name (``rules = [...]`` in the manifest).
STEP_RULES: dict[str, Callable[[Mapping[str, Any], date], None]] = {
    "tjdc_request": _tjdc_request,
}
#: The defaults a dialogue may name for a parameter left out.
DEFAULTS: dict[str, Callable[[date], Any]] = {
    "earliest_tjdc_date": rules.earliest_tjdc_date
}


def _pce(field: str, value: Any) -> None:
    rules.check_pce(value, field)


def _postcode(field: str, value: Any) -> None:
    if not rules.POSTCODE.fullmatch(value):
        raise ValidationError(field, "postcode_format", f"{value!r} is not 5 digits")


#: The formats a parameter may name (``rule = ...``), checked against its element's name.
FORMATS: dict[str, Callable[[str, Any], None]] = {"pce": _pce, "postcode": _postcode}


def _check_format(param: Param, value: Any) -> None:
    if param.rule is not None:
        FORMATS[param.rule](param.element.rsplit("/", 1)[-1], value)


def _element_name(item: dataclasses.Field[Any]) -> str:
    return str(item.metadata.get("name") or item.name)


def _element_type(module: ModuleType, owner: type, item: dataclasses.Field[Any]) -> Any:
    hint = typing.get_type_hints(owner, vars(module))[item.name]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    return hint


#: How a parameter's value goes on the wire, by its declared ``type``.
PARAM_TYPES: dict[str, Callable[[Any], Any]] = {
    "str": lambda value: value,
    "date": XmlDate.from_date,
    "oui-non": lambda value: "OUI" if value else "NON",
}


def _convert(value: Any, kind: Any, param_type: str) -> Any:
    value = PARAM_TYPES[param_type](value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(value)
    return value


def build(module: ModuleType, cls: type, values: Mapping[str, tuple[Any, str]]) -> Any:
    """An instance of xsdata dataclass ``cls`` from ``{element path: (value, type)}``.

    A path ``Demande/NumeroPCE`` fills the ``NumeroPCE`` element of the ``Demande`` child,
    built the same way; an element no path names keeps its default.
    """
    arguments: dict[str, Any] = {}
    for item in dataclasses.fields(cls):
        name = _element_name(item)
        kind = _element_type(module, cls, item)
        if name in values:
            value, param_type = values[name]
            if value is not None:
                arguments[item.name] = _convert(value, kind, param_type)
            continue
        inner = {
            p.split("/", 1)[1]: v for p, v in values.items() if p.startswith(name + "/")
        }
        if inner:
            arguments[item.name] = build(module, kind, inner)
    return cls(**arguments)


@cache
def element_class(module: ModuleType, element: str) -> type:
    """The dataclass of ``module`` that xsdata generated for XML element ``element``."""
    for value in vars(module).values():
        if dataclasses.is_dataclass(value) and isinstance(value, type):
            meta = getattr(value, "Meta", None)
            if getattr(meta, "name", value.__name__) == element:
                return value
    raise LookupError(f"no class for element {element!r} in {module.__name__}")


def _result(answer: Any) -> DialogueResult:
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


class SoapClient:
    """What every generated SOAP client shares: identity, endpoint, the call of a step.

    ``cert`` is the client certificate GRDF issued (a PEM file, or (certificate, key));
    ``verify`` is ``True`` (system CAs), a CA bundle path, or ``False`` (tests only).
    """

    #: Set by the generated class: the xsdata module, the API's info, steps and identity.
    MODULE: ModuleType
    ENVIRONMENTS: Mapping[str, Mapping[str, str]]
    REDACT: tuple[str, ...] = ()
    #: ``{element path: constructor argument}`` of the elements every request carries.
    IDENTITY: Mapping[str, str] = {}
    #: Constructor arguments never shown in a ``repr`` (the person's login).
    PRIVATE: frozenset[str] = frozenset()

    def __init__(
        self,
        *,
        identity: Mapping[str, str],
        cert: str | tuple[str, str] | None,
        environment: str,
        base_url: str | None,
        verify: bool | str,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        today: Callable[[], date] = date.today,
        recorder: Recorder | None = None,
    ) -> None:
        for field, value in identity.items():
            if not value or not value.strip():
                raise ValidationError(
                    field,
                    "required",
                    f"{field} must be given (OMEGA refuses an empty one)",
                )
        self.identity = dict(identity)
        self.endpoint = resolve_environment(
            self.ENVIRONMENTS, environment, base_url=base_url
        )
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
            recorder=recorder.redacting(self.REDACT) if recorder else None,
        )
        self._serializer = XmlSerializer(config=SerializerConfig(xml_declaration=False))
        # An element GRDF adds to an answer is skipped, as the REST clients skip a new field:
        # an answer the client can read today stays readable (``grdfkit diff`` relies on it).
        self._parser = XmlParser(config=ParserConfig(fail_on_unknown_properties=False))

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{k}={v!r}"
            for k, v in self.identity.items()
            if k.lower() not in self.PRIVATE
        )
        return f"{type(self).__name__}(base_url={self.endpoint.base_url!r}, {shown})"

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

    def _check(self, names: tuple[str, ...], values: Mapping[str, Any]) -> None:
        for name in names:
            STEP_RULES[name](values, self._today())

    def _step(self, step: Step, values: Mapping[str, Any]) -> DialogueResult:
        """Check, build, send one step; its answer as a :class:`DialogueResult`."""
        for param in step.params:
            if param.rule is not None and values.get(param.name) is not None:
                _check_format(param, values[param.name])
        self._check(step.rules, values)
        elements: dict[str, tuple[Any, str]] = {
            path: (self.identity[argument], "str")
            for path, argument in self.IDENTITY.items()
        }
        elements |= {path: (value, "str") for path, value in step.constants.items()}
        elements |= {p.element: (values.get(p.name), p.type) for p in step.params}
        request = build(self.MODULE, element_class(self.MODULE, step.request), elements)
        body = envelope(self._serializer.render(request))
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{step.action}"',
        }
        # the absolute address: httpx would add a trailing slash to base_url + ""
        try:
            response = self.http.post(
                self.endpoint.base_url, content=body, headers=headers
            )
        except httpx.TransportError as exc:
            raise NetworkError(f"SOAP {step.operation}", exc) from exc
        if response.status_code != 200 and b"Fault>" not in response.content:
            raise error_for(
                response.status_code,
                response.content,
                operation=f"SOAP {step.operation}",
            )
        answer_class = element_class(self.MODULE, step.answer)
        return _result(
            self._parser.from_bytes(body_payload(response.content), answer_class)
        )

    def _default(self, name: str) -> Any:
        return DEFAULTS[name](self._today())
