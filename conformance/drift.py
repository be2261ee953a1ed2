"""``grdfkit drift DIR``: what the recorded answers say that our specs and tables do not.

Every exchange of a cassette directory is matched to an operation of the project's specs
(method and path, under any base path; GRDF's other spellings, ``x-grdf-path-aliases``,
count as a quirk) and checked:

- REST: the status is documented; the body matches the documented schema; each NDJSON line
  is one JSON object valid against the stream's item (the last one against its trailer);
  fields the spec does not have are listed; GRDF's code and text (``statut_restitution``,
  the ``traitement`` fields, Suivi Demande's ``{code, message}``) are in the return-code
  tables, with the documented text and the documented status;
- SOAP (TJDC): the answer is a SOAP envelope whose payload the XSD accepts, its
  TypeRetourDialogue / CodeRetour pair is documented and its MessageRetour lines match the
  documented patterns;
- a recording made by ``grdfkit conformance --record`` names the table row that sent each
  exchange: the answer must be the row's (status, GRDF code).

Quirks (pretty-printed streams of concatenated objects, singular paths) are findings too:
``--allow quirk`` accepts them once reviewed. The report is Markdown or JSON; the exit code
is 1 when something not allowed differs.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any
from urllib.parse import unquote, urlsplit

from codegen.spec_doc import deref, operations
from conformance import project
from conformance.cases import TableRow, all_rows, message_pattern
from conformance.cassettes import Exchange, Recording, Run
from conformance.checks import NDJSON, body_problems
from conformance.drift_kinds import KINDS
from conformance.drivers import TJDC_NS, grdf_code, soap_payload
from conformance.facts.messages import messages

#: Reports one finding of an exchange: ``say(kind, message)``.
Say = Callable[[str, str], None]


@dataclass(frozen=True)
class Finding:
    """One difference between a recorded exchange and our documents."""

    kind: str
    file: str
    operation: str
    message: str
    case: str | None = None


@dataclass(frozen=True)
class _Route:
    api: str
    method: str
    template: str
    spelled: str
    pattern: re.Pattern[str]
    alias: bool


@cache
def _routes() -> tuple[_Route, ...]:
    routes = []
    for api in project.rest_apis():
        for template, method, operation in operations(project.normalized(api.name)):
            if "responses" in operation:
                spellings = [(template, False)] + [
                    (str(alias), True) for alias in operation.get("x-grdf-path-aliases", ())
                ]
                for spelled, alias in spellings:
                    regex = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(spelled))
                    routes.append(
                        _Route(
                            api.name,
                            method.upper(),
                            template,
                            spelled,
                            re.compile(f"(?P<base>.*){regex}$"),
                            alias,
                        )
                    )
    return tuple(routes)


def _bases(run: Run) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for api in project.manifest().apis.values():
        paths = {
            urlsplit(env.base_url).path.rstrip("/")
            for env in api.environments.values()
            if env.base_url
        }
        recorded = run.base_path(api.name)
        found[api.name] = paths | ({recorded} if recorded else set())
    return found


def match(exchange: Exchange, run: Run, *, any_method: bool = False) -> _Route | None:
    """The spec operation ``exchange`` was a call of, if any (the most specific one).

    ``any_method``: an operation on the same path, whatever its method.
    """
    path = unquote(exchange.path)
    bases = _bases(run)
    found = []
    for route in _routes():
        if route.method != exchange.method and not any_method:
            continue
        hit = route.pattern.match(path)
        if hit is None:
            continue
        known_base = hit["base"] in bases.get(route.api, set())
        found.append(((known_base, not route.alias, len(route.template)), route))
    return max(found, key=lambda pair: pair[0])[1] if found else None


def _is_soap(exchange: Exchange) -> bool:
    return "xml" in exchange.content_type or "soapaction" in exchange.request_headers


# ------------------------------------------------------------------------ code tables
@dataclass(frozen=True)
class _Code:
    code: str
    http: int
    #: ``None``: GRDF documents the status only (the API gateway's own text).
    message: str | None


def _adict_codes() -> tuple[_Code, ...]:
    return tuple(
        _Code(entry.code, entry.http, entry.message)
        for group in messages().values()
        for entry in group.values()
    )


@cache
def _suivi_codes() -> tuple[_Code, ...]:
    return tuple(
        _Code(str(row.expect_status), int(row.expect_status or 0), message)
        for row in all_rows()
        if row.api == "suivi_demande"
        for message in (row.expect_messages or (None,))
    )


def _code_findings(api: str, exchange: Exchange, content: bytes, say: Say) -> None:
    media = exchange.content_type.split(";", 1)[0].strip()
    code, message = grdf_code(media, content)
    if code is None and message is None:
        return
    table = _adict_codes() if api == "adict" else _suivi_codes()
    same_code = [entry for entry in table if entry.code == str(code)]
    if code is None or not same_code:
        say("unknown_code", f"code {code!r} ({message!r}) is in no return-code table")
        return
    if message is None:
        say("other_message", f"code {code} comes without its text")
        return
    documented = [entry for entry in same_code if entry.message in (message, None)]
    if not documented:
        texts = " / ".join(sorted({str(entry.message) for entry in same_code}))[:200]
        say("other_message", f"code {code}: {message!r}, documented: {texts!r}")
        return
    statuses = sorted({entry.http for entry in documented})
    if exchange.status not in statuses:
        say("code_status", f"code {code} answered {exchange.status}, documented {statuses}")


# ------------------------------------------------------------------------ REST bodies
def _resolve(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return {}
    if "allOf" in schema:
        merged: dict[str, Any] = {"properties": {}}
        for part in schema["allOf"]:
            merged["properties"].update(_resolve(document, part).get("properties", {}))
        merged["properties"].update(schema.get("properties", {}))
        return merged
    return schema


def undocumented(
    document: dict[str, Any], schema: Any, instance: Any, where: str = ""
) -> list[str]:
    """Field paths of ``instance`` that ``schema`` does not name (free-form objects aside)."""
    resolved = _resolve(document, schema)
    if isinstance(instance, list):
        items = resolved.get("items")
        found: list[str] = []
        for value in instance[:50]:
            found += undocumented(document, items, value, where + "[]") if items else []
        return sorted(set(found))
    if not isinstance(instance, dict) or "properties" not in resolved:
        return []
    properties = resolved["properties"]
    found = []
    for key, value in instance.items():
        path = f"{where}.{key}" if where else key
        if key not in properties:
            found.append(path)
        else:
            found += undocumented(document, properties[key], value, path)
    return found


def _response_schema(api: str, route: _Route, status: int, media: str) -> Any:
    operation = project.normalized(api)["paths"][route.template][route.method.lower()]
    responses = operation["responses"]
    response = responses.get(str(status)) or responses.get("default") or {}
    if media == NDJSON:
        stream = operation.get("x-grdf-stream") or {}
        return {"$ref": stream["item"]} if "item" in stream else None
    return ((response.get("content") or {}).get(media) or {}).get("schema")


def _trailer(api: str, route: _Route) -> Any:
    operation = project.normalized(api)["paths"][route.template][route.method.lower()]
    trailer = (operation.get("x-grdf-stream") or {}).get("trailer")
    return {"$ref": trailer} if trailer else None


def _objects(content: bytes) -> tuple[list[Any], bool]:
    """The JSON values of an NDJSON body, and whether it was written one per line."""
    lines = [line for line in content.split(b"\n") if line.strip()]
    try:
        return [json.loads(line) for line in lines], True
    except ValueError:
        pass
    decoder, text, index = json.JSONDecoder(), content.decode("utf-8", "replace"), 0
    values: list[Any] = []
    while True:
        while index < len(text) and text[index].isspace():
            index += 1
        if index >= len(text):
            return values, False
        try:
            value, index = decoder.raw_decode(text, index)
        except ValueError:
            return [], False
        values.append(value)


def _rest(api: str, route: _Route, exchange: Exchange, say: Say) -> None:
    content = exchange.content()
    media = exchange.content_type.split(";", 1)[0].strip()
    if route.alias:
        say("quirk", f"answered under GRDF's other spelling {route.spelled} of {route.template}")
    if exchange.streamed and 200 <= exchange.status < 300:
        values, one_per_line = _objects(content)
        if values and not one_per_line:
            say("quirk", f"the stream is {len(values)} pretty-printed concatenated objects")
            content = b"".join(json.dumps(v, ensure_ascii=False).encode() + b"\n" for v in values)
        if exchange.unterminated:
            say("cut_short", "the last stream line arrived without its newline")
    problems = body_problems(api, route.method, route.template, exchange.status, media, content)
    for problem in problems:
        check, _, text = problem.partition(": ")
        say(check if check in KINDS else "schema", text)
    if problems and any(p.startswith(("status:", "content_type:")) for p in problems):
        return
    schema = _response_schema(api, route, exchange.status, media)
    if schema is not None and content:
        document = project.normalized(api)
        values = _objects(content)[0] if media == NDJSON else [_json_or_none(content)]
        schemas = [schema] * len(values)
        trailer = _trailer(api, route) if media == NDJSON else None
        if trailer and values:
            schemas[-1] = trailer
        fields = sorted(
            {f for v, s in zip(values, schemas, strict=True) for f in undocumented(document, s, v)}
        )
        if fields:
            say("undocumented_field", ", ".join(fields[:10]))
    _code_findings(api, exchange, content, say)


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


# ------------------------------------------------------------------------ SOAP
@cache
def _tjdc_pairs() -> dict[tuple[str, str], tuple[re.Pattern[str], ...]]:
    pairs: dict[tuple[str, str], list[re.Pattern[str]]] = {}
    for row in all_rows():
        if row.api != "tjdc":
            continue
        source = row.source
        key = (str(getattr(source, "type_retour_dialogue", "")), str(row.expect_code))
        pairs.setdefault(key, []).extend(message_pattern(m) for m in row.expect_messages)
    return {key: tuple(patterns) for key, patterns in pairs.items()}


def _soap(exchange: Exchange, say: Say) -> tuple[str | None, str | None]:
    payload, problems = soap_payload(exchange.content())
    for problem in problems:
        say("soap", problem.partition(": ")[2] or problem)
    if payload is None:
        return None, None
    q = f"{{{TJDC_NS}}}"
    kind = payload.findtext(f"{q}TypeRetourDialogue")
    code = payload.findtext(f"{q}Retour/{q}CodeRetour")
    texts = [m.text or "" for m in payload.findall(f"{q}Retour/{q}MessageRetour")]
    patterns = _tjdc_pairs().get((str(kind), str(code)))
    if patterns is None:
        documented = ", ".join(f"{k}/{c}" for k, c in sorted(_tjdc_pairs()))
        say(
            "soap_code",
            f"TypeRetourDialogue {kind} with CodeRetour {code} (documented: {documented})",
        )
    else:
        for text in texts:
            if not any(pattern.match(text) for pattern in patterns):
                say("other_message", f"MessageRetour {text!r} is not documented for {kind}/{code}")
    return kind, code


def _step(exchange: Exchange) -> str:
    action = exchange.request_headers.get("soapaction", "").strip('"')
    return action.rsplit("/", 1)[-1] or "SOAP"


# ------------------------------------------------------------------------ rows
def _row_findings(recording: Recording, say_for: Callable[[Exchange, str], Say]) -> None:
    rows: dict[str, TableRow] = {row.name: row for row in all_rows()}
    last: dict[str, Exchange] = {}
    for exchange in recording.exchanges:
        row = rows.get(exchange.case or "")
        if row is None:
            continue
        method, _, template = row.operation.partition(" ")
        if row.api == "tjdc":
            if _step(exchange) == template:
                last[row.name] = exchange
            continue
        route = match(exchange, recording.run)
        if route is not None and (route.method, route.template) == (method, template):
            last[row.name] = exchange
    for name, exchange in last.items():
        row = rows[name]
        say = say_for(exchange, row.operation)
        if row.expect_status is not None and exchange.status != row.expect_status:
            say("row", f"{name}: status {exchange.status}, the row expects {row.expect_status}")
        if row.api == "tjdc":
            payload, _ = soap_payload(exchange.content())
            q = f"{{{TJDC_NS}}}"
            code = payload.findtext(f"{q}Retour/{q}CodeRetour") if payload is not None else None
            if row.expect_code and code != row.expect_code:
                say("row", f"{name}: CodeRetour {code}, the row expects {row.expect_code}")


# ------------------------------------------------------------------------ the report
@dataclass
class DriftReport:
    """Every finding of one cassette directory."""

    directory: str
    exchanges: int
    findings: list[Finding]

    def by_kind(self) -> Counter[str]:
        """How many findings of each kind."""
        return Counter(finding.kind for finding in self.findings)

    def failing(self, allowed: frozenset[str] = frozenset()) -> list[Finding]:
        """The findings not in ``allowed`` kinds."""
        return [finding for finding in self.findings if finding.kind not in allowed]

    def to_json(self) -> str:
        """The report as JSON (for CI)."""
        data = {
            "directory": self.directory,
            "exchanges": self.exchanges,
            "by_kind": dict(sorted(self.by_kind().items())),
            "findings": [asdict(finding) for finding in self.findings],
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self, allowed: frozenset[str] = frozenset(), limit: int = 200) -> str:
        """The report as Markdown: the totals by kind, then each finding."""
        failing = self.failing(allowed)
        verdict = "**no drift**" if not failing else f"**{len(failing)} differences**"
        lines = [
            f"# Drift report: `{self.directory}`",
            "",
            f"- Exchanges: {self.exchanges}",
            f"- Result: {verdict}"
            + (f" (accepted: {', '.join(sorted(allowed))})" if allowed else ""),
            "",
        ]
        if self.findings:
            lines += ["| kind | count | meaning |", "|---|---|---|"]
            for kind, count in sorted(self.by_kind().items()):
                lines.append(f"| {kind} | {count} | {KINDS[kind]} |")
            lines += [
                "",
                "| kind | operation | cassette | case | finding |",
                "|---|---|---|---|---|",
            ]
            for finding in self.findings[:limit]:
                text = finding.message.replace("|", "\\|").replace("\n", " ")
                lines.append(
                    f"| {finding.kind} | `{finding.operation}` | {finding.file} "
                    f"| {finding.case or ''} | {text} |"
                )
            if len(self.findings) > limit:
                lines.append(f"\n… {len(self.findings) - limit} more (see the JSON report)")
        return "\n".join(lines) + "\n"


def drift(recording: Recording) -> DriftReport:
    """Check every exchange of ``recording`` against the specs and the tables."""
    findings: list[Finding] = []

    def say_for(exchange: Exchange, operation: str) -> Say:
        def say(kind: str, message: str) -> None:
            findings.append(Finding(kind, exchange.file.name, operation, message, exchange.case))

        return say

    for exchange in recording.exchanges:
        if not exchange.complete:
            say_for(exchange, exchange.label)("cut_short", "the cassette has no end record")
        if _is_soap(exchange):
            _soap(exchange, say_for(exchange, f"SOAP {_step(exchange)}"))
            continue
        route = match(exchange, recording.run)
        if route is None:
            other = match(exchange, recording.run, any_method=True)
            if other is None:
                say_for(exchange, exchange.label)("unknown_operation", KINDS["unknown_operation"])
            elif exchange.status != 405:
                say = say_for(exchange, f"{exchange.method} {other.template}")
                say(
                    "status",
                    f"{exchange.method} is not an operation of {other.template}, "
                    f"answered {exchange.status} (405 expected)",
                )
            continue
        _rest(route.api, route, exchange, say_for(exchange, f"{route.method} {route.template}"))
    _row_findings(recording, say_for)
    return DriftReport(str(recording.directory), len(recording.exchanges), findings)
