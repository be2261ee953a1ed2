"""Load and check ``specs/apis.toml``, the one declarative description of every API.

The manifest is read into frozen pydantic models so that every later stage works on
checked, typed values. A mistake is reported once per problem with its key path
(``apis.adict.auth.type``) and the rule it breaks, never as a traceback.
"""

from __future__ import annotations

import hashlib
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: Where the manifest lives when nothing else is said: ``<project>/specs/apis.toml``.
DEFAULT_MANIFEST = Path(__file__).resolve().parent.parent / "specs" / "apis.toml"

_PACKAGE_NAME = r"^[a-z][a-z0-9_]*$"
_API_NAME = r"^[a-z][a-z0-9_]*$"


class ManifestError(Exception):
    """The manifest cannot be used; ``problems`` lists each one as ``key.path: rule``."""

    def __init__(self, source: Path, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: " + "; ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpecKind(StrEnum):
    """Which family of spec an API is described in; it decides the generators used."""

    SWAGGER2 = "swagger2"
    OPENAPI3 = "openapi3"
    WSDL_XSD = "wsdl+xsd"


class AuthType(StrEnum):
    """How clients of an API authenticate."""

    OAUTH2_CLIENT_CREDENTIALS = "oauth2_client_credentials"
    CLIENT_CERTIFICATE = "client_certificate"


class Auth(_Strict):
    """Authentication of one API; token settings apply to OAuth2 only."""

    type: AuthType
    token_lifetime_s: Annotated[int, Field(gt=0)] | None = None
    user_login_header: str | None = None

    @model_validator(mode="after")
    def _token_lifetime_for_oauth2(self) -> Auth:
        if self.type is AuthType.OAUTH2_CLIENT_CREDENTIALS and self.token_lifetime_s is None:
            raise ValueError("token_lifetime_s is required for oauth2_client_credentials")
        return self


class Environment(_Strict):
    """Where one environment of an API lives; ``base_url`` may be empty when not public."""

    base_url: str
    token_url: str | None = None
    scope: str | None = None


class QuotaTier(_Strict):
    """Call limits of one contract tier; ``per_day`` absent means no daily limit."""

    portfolio: str
    per_second: Annotated[int, Field(gt=0)]
    per_day: Annotated[int, Field(gt=0)] | None = None


class Facade(_Strict):
    """The hand-written facade placed in a package: its module and the names it exports."""

    module: Annotated[str, Field(pattern=_PACKAGE_NAME)]
    exports: tuple[str, ...]
    #: GRDF's ADICT codes classify this API's errors: the package exports ``AdictCode``,
    #: ``RestitutionCode`` and their named errors (the runtime's ``grdf_codes``).
    adict_codes: bool = False


class Upstream(_Strict):
    """The provider's own spec our spec is rebased on: our delta over it lives in ``delta``."""

    #: The Overlay 1.1 file of our delta over the provider's export (relative to specs/).
    delta: str


class SoapParam(_Strict):
    """One parameter of a SOAP step's method and the request element it fills."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    #: The element's path in the request, ``/``-separated (``Demande/NumeroPCE``).
    element: Annotated[str, Field(pattern=r"^[A-Za-z][\w.-]*(/[A-Za-z][\w.-]*)*$")]
    #: A type of the runtime's ``PARAM_TYPES``: ``str``, ``date`` (an ``xs:date``) or
    #: ``oui-non`` (a bool sent as OUI / NON); checked when the client is rendered.
    type: str = "str"
    optional: bool = False
    #: Before the first keyword-only parameter.
    positional: bool = False
    #: A format of the runtime's ``FORMATS`` checked first (``pce``, ``postcode``).
    rule: str | None = None


class SoapStep(_Strict):
    """One SOAP operation as a typed method: its parameters and its fixed elements."""

    operation: str
    method: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    doc: str
    params: tuple[SoapParam, ...]
    #: Elements every request of the step carries with this value (``NumeroVersion``).
    constants: dict[str, str] = {}
    #: Named rules of the runtime's ``STEP_RULES`` checked before sending (``tjdc_request``).
    rules: tuple[str, ...] = ()


class SoapDialogue(_Strict):
    """A method running steps in order while each answers ``go_on`` (TJDC: P, then T)."""

    method: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    doc: str
    #: The steps' method names, in order.
    steps: tuple[str, ...]
    #: The TypeRetourDialogue that lets the next step run.
    go_on: str
    #: Its parameters: names of the steps' parameters.
    params: tuple[str, ...]
    #: Parameters made optional, computed by a default of the runtime's ``DEFAULTS``.
    defaults: dict[str, str] = {}
    rules: tuple[str, ...] = ()


class Soap(_Strict):
    """A SOAP API's client, declared: identity elements, steps, and the dialogue."""

    client: Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]*$")]
    doc: str
    #: Elements every request carries, from the client's constructor (element -> argument).
    identity: dict[str, Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]]
    steps: tuple[SoapStep, ...]
    dialogue: SoapDialogue | None = None


class Recording(_Strict):
    """What a client's recorder must redact: field and header names, case-insensitive."""

    redact: tuple[str, ...] = ()


class Api(_Strict):
    """Everything the toolkit knows about one API, as declared in the manifest."""

    name: str = ""
    title: str
    kind: SpecKind
    spec: str
    schemas: tuple[str, ...] = ()
    package: Annotated[str, Field(pattern=_PACKAGE_NAME)]
    #: The version of GRDF's document the spec follows, when the spec cannot say it (a WSDL
    #: has no version field); a REST spec's ``info.version`` is used otherwise.
    version: Annotated[str, Field(pattern=r"^\d+(\.\d+)*$")] | None = None
    #: The generated distribution's exact version, when a team wants to choose it (PEP 440);
    #: otherwise ``grdfkit build`` derives ``<spec version>+<hash of the package's files>``.
    package_version: str | None = None
    default_environment: str
    auth: Auth
    environments: dict[str, Environment]
    quota_group: str | None = None
    default_quota_tier: str | None = None
    quota_tiers: dict[str, QuotaTier] = {}
    stream_media_types: tuple[str, ...] = ()
    facade: Facade | None = None
    #: A SOAP API's typed client, declared step by step (rendered, not hand-written).
    soap: Soap | None = None
    #: GRDF publishes this API's spec: ours is that export plus our delta (``grdfkit rebase``).
    upstream: Upstream | None = None
    #: Personal fields (and headers) a recorded cassette never shows (``recording.redact``).
    recording: Recording = Field(default_factory=lambda: Recording())

    @model_validator(mode="after")
    def _cross_references(self) -> Api:
        if self.default_environment not in self.environments:
            raise ValueError(
                f"default_environment {self.default_environment!r} is not one of "
                f"the environments {sorted(self.environments)}"
            )
        if self.default_quota_tier is not None and self.default_quota_tier not in self.quota_tiers:
            raise ValueError(
                f"default_quota_tier {self.default_quota_tier!r} is not one of "
                f"the quota_tiers {sorted(self.quota_tiers)}"
            )
        if self.auth.type is AuthType.OAUTH2_CLIENT_CREDENTIALS:
            for env_name, env in self.environments.items():
                if not env.token_url or not env.scope:
                    raise ValueError(
                        f"environments.{env_name} needs token_url and scope for oauth2 auth"
                    )
        return self

    def environment(self, name: str) -> Environment:
        """Return environment ``name``, or raise ``KeyError`` naming the ones that exist."""
        try:
            return self.environments[name]
        except KeyError:
            raise KeyError(
                f"API {self.name!r} has no environment {name!r}; "
                f"choose one of {', '.join(sorted(self.environments))}"
            ) from None


class _ManifestHeader(_Strict):
    version: int


class _ManifestFile(_Strict):
    manifest: _ManifestHeader
    apis: dict[Annotated[str, Field(pattern=_API_NAME)], Api]


class Manifest(BaseModel):
    """The checked manifest: the APIs by name, plus where it came from and its hash."""

    model_config = ConfigDict(frozen=True)

    source: Path
    sha256: str
    apis: dict[str, Api]

    def api(self, name: str) -> Api:
        """Return API ``name``, or raise ``KeyError`` naming the APIs that exist."""
        try:
            return self.apis[name]
        except KeyError:
            raise KeyError(
                f"unknown API {name!r}; the manifest declares {', '.join(sorted(self.apis))}"
            ) from None

    def spec_path(self, api: Api) -> Path:
        """Absolute path of the main spec file of ``api``."""
        return (self.source.parent / api.spec).resolve()

    def delta_path(self, api: Api) -> Path | None:
        """Absolute path of the API's delta over its provider's export, if it has one."""
        if api.upstream is None:
            return None
        return (self.source.parent / api.upstream.delta).resolve()

    def schema_paths(self, api: Api) -> list[Path]:
        """Absolute paths of the extra schema files (XSD) of ``api``."""
        return [(self.source.parent / s).resolve() for s in api.schemas]


def _format_error(error: dict[str, object]) -> str:
    loc = ".".join(str(part) for part in error["loc"])  # type: ignore[attr-defined]
    return f"{loc or '(top level)'}: {error['msg']}"


def parse_manifest(data: bytes, source: Path) -> Manifest:
    """Parse manifest bytes; raise :class:`ManifestError` listing every problem found."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(source, [f"not valid TOML: {exc}"]) from None
    try:
        checked = _ManifestFile.model_validate(raw)
    except ValidationError as exc:
        raise ManifestError(source, [_format_error(dict(e)) for e in exc.errors()]) from None
    problems: list[str] = []
    packages: dict[str, str] = {}
    for name, api in checked.apis.items():
        if api.package in packages:
            owner = packages[api.package]
            problems.append(f"apis.{name}.package: {api.package!r} is already used by apis.{owner}")
        packages[api.package] = name
        for rel in (api.spec, *api.schemas):
            if not (source.parent / rel).is_file():
                problems.append(f"apis.{name}: spec file {rel!r} not found next to {source.name}")
    if problems:
        raise ManifestError(source, problems)
    apis = {name: api.model_copy(update={"name": name}) for name, api in checked.apis.items()}
    return Manifest(source=source, sha256=hashlib.sha256(data).hexdigest(), apis=apis)


def find_manifest(start: Path | None = None) -> Path:
    """The project's manifest, found as ruff and pytest find their settings.

    ``specs/apis.toml`` in ``start`` (default: the working directory) or its nearest parent
    that has one; the installed project's own when none of them has one.
    """
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / "specs" / "apis.toml"
        if candidate.is_file():
            return candidate
    return DEFAULT_MANIFEST


def load_manifest(path: Path = DEFAULT_MANIFEST) -> Manifest:
    """Read and check the manifest at ``path``."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ManifestError(path, [f"cannot read the manifest: {exc.strerror}"]) from None
    return parse_manifest(data, path.resolve())
