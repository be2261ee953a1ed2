"""ADICT facade: ``AdictClient`` and ``AsyncAdictClient``.

Hand-written, placed into the generated ``grdf_adict`` package as ``facade.py``. Each method
takes typed Python values (``date``, ``bool``, enums), checks GRDF's rules before any call,
and returns msgspec Structs from ``structs.py``. Streams yield items as they arrive.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from types import TracebackType
from typing import Any, NotRequired, Required, Self, TypedDict, Unpack

import httpx

from . import structs
from ._api import DEFAULT_ENVIRONMENT, DEFAULT_QUOTA_TIER, ENVIRONMENTS, OPERATIONS, QUOTA_TIERS
from ._runtime import rules
from ._runtime.auth import OAuth2ClientCredentials, Secret
from ._runtime.errors import ValidationError
from ._runtime.http import AsyncStream, PlannedCall, Stream, StreamSpec, aexecute, execute
from ._runtime.retry import RetryPolicy
from ._runtime.settings import (
    DEFAULT_TIMEOUT,
    QuotaArg,
    async_client,
    resolve_environment,
    resolve_quota,
    sync_client,
)

#: A proof to upload: a path, or a (file name, content) pair.
Proof = Path | str | tuple[str, bytes]

_HISTORY_YEARS = {
    "getPceId_pceDonnees_consos_publiees": 5,
    "getPceId_pceDonnees_consos_informatives": 3,
    "getPceId_pceDonnees_injections_publiees": 5,
}
_DROITS_ACCES = StreamSpec(structs.ListeAccesOut, trailer=structs.RetourTraitement)
_CONSOS_PUBLIEES = StreamSpec(structs.Model1)
_CONSOS_INFORMATIVES = StreamSpec(structs.ConsoRestit)
_INJECTIONS_PUBLIEES = StreamSpec(structs.Model5)
_FILTRES = ("car", "cja", "profil_type_actuel", "tarif_acheminement", "date_mes")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _values(values: Iterable[Any]) -> list[str]:
    return [str(getattr(v, "value", v)) for v in values]


def _proof(proof: Proof) -> tuple[str, tuple[str, bytes, str]]:
    if isinstance(proof, tuple):
        name, content = proof
    else:
        path = Path(proof)
        try:
            name, content = path.name, path.read_bytes()
        except OSError as exc:
            raise ValidationError(
                "preuves", "readable_file", f"cannot read {path}: {exc.strerror}"
            ) from None
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return ("preuves", (name, content, kind))


class Declaration(TypedDict, total=False):
    """The fields of an access-right declaration, typed (see ``declarer_droit_acces``)."""

    role_tiers: Required[structs.RoleTiers | str]
    code_postal: Required[str]
    courriel_titulaire: str | None
    date_debut_droit_acces: date | None
    date_fin_droit_acces: date | None
    nom_titulaire: str | None
    raison_sociale: str | None
    numero_telephone_mobile_titulaire: str | None
    perim_donnees_conso_debut: date | None
    perim_donnees_conso_fin: date | None
    perim_donnees_inj_debut: date | None
    perim_donnees_inj_fin: date | None
    perim_donnees_contractuelles: bool
    perim_donnees_techniques: bool
    perim_donnees_informatives: bool
    perim_donnees_publiees: bool


class Filters(TypedDict, total=False):
    """Array filters of ``POST /droits_acces``, combined with AND."""

    id_pce: Sequence[str]
    role_tiers: Sequence[structs.RoleTiers | str]
    etat_droit_acces: Sequence[structs.EtatDroitAcces | str]
    statut_controle_preuve: Sequence[structs.StatutControlePreuve | str]


class Period(TypedDict, total=False):
    """``periode``, or ``date_debut`` and ``date_fin``."""

    periode: NotRequired[str | None]
    date_debut: NotRequired[date | None]
    date_fin: NotRequired[date | None]


class _Planner:
    """Validate inputs and plan each ADICT call; shared by the sync and async clients."""

    def __init__(self, today: Any) -> None:
        self._today = today

    def today(self) -> date:
        """Today, as GRDF's date rules see it (injectable for tests)."""
        return self._today()  # type: ignore[no-any-return]

    def declarer_droit_acces(
        self,
        id_pce: str,
        *,
        role_tiers: structs.RoleTiers | str,
        code_postal: str,
        courriel_titulaire: str | None = None,
        date_debut_droit_acces: date | None = None,
        date_fin_droit_acces: date | None = None,
        nom_titulaire: str | None = None,
        raison_sociale: str | None = None,
        numero_telephone_mobile_titulaire: str | None = None,
        perim_donnees_conso_debut: date | None = None,
        perim_donnees_conso_fin: date | None = None,
        perim_donnees_inj_debut: date | None = None,
        perim_donnees_inj_fin: date | None = None,
        perim_donnees_contractuelles: bool = False,
        perim_donnees_techniques: bool = False,
        perim_donnees_informatives: bool = False,
        perim_donnees_publiees: bool = False,
    ) -> PlannedCall:
        """Plan ``PUT /pce/{id_pce}/droit_acces``."""
        rules.check_pce(id_pce)
        role = str(getattr(role_tiers, "value", role_tiers))
        rules.check_declaration(
            role_tiers=role,
            nom_titulaire=nom_titulaire,
            raison_sociale=raison_sociale,
            code_postal=code_postal,
            courriel_titulaire=courriel_titulaire,
            numero_telephone_mobile_titulaire=numero_telephone_mobile_titulaire,
            date_debut_droit_acces=date_debut_droit_acces,
            date_fin_droit_acces=date_fin_droit_acces,
            perim_donnees_conso_debut=perim_donnees_conso_debut,
            perim_donnees_conso_fin=perim_donnees_conso_fin,
            perim_donnees_inj_debut=perim_donnees_inj_debut,
            perim_donnees_inj_fin=perim_donnees_inj_fin,
            today=self.today(),
        )
        body: dict[str, Any] = {
            "role_tiers": role,
            "code_postal": code_postal,
            "perim_donnees_contractuelles": rules.vrai_faux(
                perim_donnees_contractuelles, "perim_donnees_contractuelles"
            ),
            "perim_donnees_techniques": rules.vrai_faux(
                perim_donnees_techniques, "perim_donnees_techniques"
            ),
            "perim_donnees_informatives": rules.vrai_faux(
                perim_donnees_informatives, "perim_donnees_informatives"
            ),
            "perim_donnees_publiees": rules.vrai_faux(
                perim_donnees_publiees, "perim_donnees_publiees"
            ),
        }
        optional = {
            "courriel_titulaire": courriel_titulaire,
            "date_debut_droit_acces": _day(date_debut_droit_acces),
            "date_fin_droit_acces": _day(date_fin_droit_acces),
            "nom_titulaire": nom_titulaire,
            "raison_sociale": raison_sociale,
            "numero_telephone_mobile_titulaire": numero_telephone_mobile_titulaire,
            "perim_donnees_conso_debut": _day(perim_donnees_conso_debut),
            "perim_donnees_conso_fin": _day(perim_donnees_conso_fin),
            "perim_donnees_inj_debut": _day(perim_donnees_inj_debut),
            "perim_donnees_inj_fin": _day(perim_donnees_inj_fin),
        }
        body.update({k: v for k, v in optional.items() if v})
        return PlannedCall(OPERATIONS["droit_acces"], {"id_pce": id_pce}, json=body)

    def droits_acces(self) -> PlannedCall:
        """Plan ``GET /droits_acces``."""
        return PlannedCall(OPERATIONS["consulter_acces"])

    def droits_acces_specifiques(
        self,
        *,
        id_pce: Sequence[str] = (),
        role_tiers: Sequence[structs.RoleTiers | str] = (),
        etat_droit_acces: Sequence[structs.EtatDroitAcces | str] = (),
        statut_controle_preuve: Sequence[structs.StatutControlePreuve | str] = (),
    ) -> PlannedCall:
        """Plan ``POST /droits_acces`` with array filters (combined with AND)."""
        if len(id_pce) > 1000:
            raise ValidationError(
                "id_pce", "max_1000", f"{len(id_pce)} PCE; GRDF takes 1000 per call"
            )
        for pce in id_pce:
            rules.check_pce(pce)
        filters = {
            "id_pce": list(id_pce),
            "role_tiers": _values(role_tiers),
            "etat_droit_acces": _values(etat_droit_acces),
            "statut_controle_preuve": _values(statut_controle_preuve),
        }
        return PlannedCall(
            OPERATIONS["consulter_acces_specifiques"], json={k: v for k, v in filters.items() if v}
        )

    def revoquer_droit_acces(self, id_droit_acces: str) -> PlannedCall:
        """Plan ``PATCH /droit_acces/{id_droit_acces}``."""
        rules.check_uuid(id_droit_acces)
        return PlannedCall(OPERATIONS["fin_acces"], {"id_droit_acces": id_droit_acces})

    def transmettre_preuves(self, id_droit_acces: str, preuves: Sequence[Proof]) -> PlannedCall:
        """Plan ``PUT /droit_acces/{id}/preuves``: one multipart part ``preuves`` per file."""
        rules.check_uuid(id_droit_acces)
        files = [_proof(p) for p in preuves]
        rules.check_proofs([(name, content) for _, (name, content, _) in files])
        return PlannedCall(OPERATIONS["preuve"], {"id_droit_acces": id_droit_acces}, files=files)

    def donnees(
        self,
        operation: str,
        id_pce: str,
        *,
        periode: str | None,
        date_debut: date | None,
        date_fin: date | None,
    ) -> PlannedCall:
        """Plan a consumption or injection data call (``periode`` xor dates)."""
        rules.check_pce(id_pce)
        rules.check_period(
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
            history_years=_HISTORY_YEARS[operation],
            today=self.today(),
        )
        params = (
            [("periode", periode)]
            if periode
            else [("date_debut", _day(date_debut)), ("date_fin", _day(date_fin))]
        )
        return PlannedCall(
            OPERATIONS[operation], {"id_pce": id_pce}, params=[(k, v) for k, v in params if v]
        )

    def donnees_contractuelles(self, id_pce: str, filtres: Sequence[str]) -> PlannedCall:
        """Plan ``GET /pce/{id_pce}/donnees_contractuelles`` (``filtre`` repeated)."""
        rules.check_pce(id_pce)
        for filtre in filtres:
            if filtre not in _FILTRES:
                raise ValidationError(
                    "filtres", "enum", f"{filtre!r} is not one of {', '.join(_FILTRES)}"
                )
        return PlannedCall(
            OPERATIONS["getPceId_pceDonnees_contractuelles"],
            {"id_pce": id_pce},
            params=[("filtre", f) for f in filtres],
        )

    def donnees_techniques(self, id_pce: str) -> PlannedCall:
        """Plan ``GET /pce/{id_pce}/donnees_techniques``."""
        rules.check_pce(id_pce)
        return PlannedCall(OPERATIONS["getPceId_pceDonnees_techniques"], {"id_pce": id_pce})


class _Base:
    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str,
        base_url: str | None,
        token_url: str | None,
        scope: str | None,
        quota: QuotaArg,
        quota_max_wait_s: float | None,
        retry: RetryPolicy | None,
        timeout: httpx.Timeout | float,
        verify: bool | str,
        today: Any,
        transport: httpx.BaseTransport | None = None,
        async_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        endpoint = resolve_environment(
            ENVIRONMENTS, environment, base_url=base_url, token_url=token_url, scope=scope
        )
        self.environment = environment
        self.endpoint = endpoint
        self.auth = OAuth2ClientCredentials(
            client_id,
            Secret(client_secret),
            token_url=endpoint.token_url or "",
            scope=endpoint.scope or "",
            verify=verify,
            timeout=timeout,
            transport=transport,
            async_transport=async_transport,
        )
        self.limiter = resolve_quota(quota, QUOTA_TIERS, max_wait_s=quota_max_wait_s)
        self.retry = retry if retry is not None else RetryPolicy()
        self._plan = _Planner(today)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.auth.client_id!r}, "
            f"environment={self.environment!r}, base_url={self.endpoint.base_url!r}, "
            f"quota={self.limiter!r})"
        )


def _today() -> date:
    return date.today()


class AdictClient(_Base):
    """Synchronous ADICT client.

    ``environment`` is ``"bas"`` (GRDF's sandbox, the default), ``"production"`` or ``"mock"``;
    ``base_url``, ``token_url`` and ``scope`` override it. ``quota`` is a tier of the contract
    (``"small"``, ``"medium"``, ``"large"``), a ``QuotaConfig``, a shared ``QuotaLimiter``
    (SQLite or Redis bucket for several processes or machines), or ``None``. ``retry`` is a
    ``RetryPolicy`` (``RetryPolicy.off()`` to disable); retries apply to idempotent calls only.
    """

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str = DEFAULT_ENVIRONMENT,
        base_url: str | None = None,
        token_url: str | None = None,
        scope: str | None = None,
        quota: QuotaArg = DEFAULT_QUOTA_TIER,
        quota_max_wait_s: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.BaseTransport | None = None,
        today: Any = _today,
    ) -> None:
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            scope=scope,
            quota=quota,
            quota_max_wait_s=quota_max_wait_s,
            retry=retry,
            timeout=timeout,
            verify=verify,
            today=today,
            transport=transport,
        )
        self.http = sync_client(
            base_url=self.endpoint.base_url,
            auth=self.auth,
            limiter=self.limiter,
            retry=self.retry,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

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

    def declarer_droit_acces(
        self, id_pce: str, **fields: Unpack[Declaration]
    ) -> structs.DemanderAccesOut:
        """Declare an access right to a PCE's data (``PUT /pce/{id_pce}/droit_acces``).

        Fields: ``role_tiers``, ``code_postal``; for the AUTORISE roles (acting for the holder)
        also ``courriel_titulaire``, ``date_debut_droit_acces`` / ``date_fin_droit_acces``
        (dates) and the role's perimeter dates; exactly one of
        ``nom_titulaire`` (person) and ``raison_sociale`` (company),
        ``numero_telephone_mobile_titulaire``, the perimeter dates of the role
        (``perim_donnees_conso_*`` for supply, ``perim_donnees_inj_*`` for injection), and the
        four perimeter booleans ``perim_donnees_contractuelles`` / ``_techniques`` /
        ``_informatives`` / ``_publiees``.
        """
        return execute(
            self.http, self._plan.declarer_droit_acces(id_pce, **fields), structs.DemanderAccesOut
        )

    def consulter_droits_acces(self) -> list[structs.ListeAccesOut]:
        """Every access right (``GET /droits_acces``); see :meth:`stream_droits_acces`."""
        with self.stream_droits_acces() as stream:
            return list(stream)

    def stream_droits_acces(self) -> Stream[structs.ListeAccesOut]:
        """Access rights as they arrive; ``stream.status`` holds the final line afterwards."""
        return Stream(self.http, self._plan.droits_acces(), _DROITS_ACCES)

    def consulter_droits_acces_specifiques(
        self, **filters: Unpack[Filters]
    ) -> list[structs.ListeAccesOut]:
        """Access rights matching array filters (``POST /droits_acces``).

        Filters, combined with AND: ``id_pce`` (≤ 1000), ``role_tiers``,
        ``etat_droit_acces``, ``statut_controle_preuve``.
        """
        with self.stream_droits_acces_specifiques(**filters) as stream:
            return list(stream)

    def stream_droits_acces_specifiques(
        self, **filters: Unpack[Filters]
    ) -> Stream[structs.ListeAccesOut]:
        """Streaming twin of :meth:`consulter_droits_acces_specifiques`."""
        return Stream(self.http, self._plan.droits_acces_specifiques(**filters), _DROITS_ACCES)

    def revoquer_droit_acces(self, id_droit_acces: str) -> structs.RetourTraitement:
        """End an access right (``PATCH /droit_acces/{id_droit_acces}``)."""
        return execute(
            self.http, self._plan.revoquer_droit_acces(id_droit_acces), structs.RetourTraitement
        )

    def transmettre_preuves(
        self, id_droit_acces: str, preuves: Sequence[Proof]
    ) -> structs.RetourTraitement:
        """Upload 1 to 3 consent proofs (paths or (name, bytes)), 4 MB each at most."""
        return execute(
            self.http,
            self._plan.transmettre_preuves(id_droit_acces, preuves),
            structs.RetourTraitement,
        )

    def consos_publiees(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> list[structs.Model1]:
        """Published consumption: ``periode`` or ``date_debut`` + ``date_fin`` (≤ 5 years)."""
        with self.stream_consos_publiees(
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
            raise_on_line_error=raise_on_line_error,
        ) as stream:
            return list(stream)

    def stream_consos_publiees(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> Stream[structs.Model1]:
        """Streaming twin of :meth:`consos_publiees`; flat memory whatever the size."""
        call = self._plan.donnees(
            "getPceId_pceDonnees_consos_publiees",
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
        )
        return Stream(self.http, call, _CONSOS_PUBLIEES, raise_on_line_error=raise_on_line_error)

    def consos_informatives(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> list[structs.ConsoRestit]:
        """Informative (daily) consumption, ≤ 3 years of history."""
        with self.stream_consos_informatives(
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
            raise_on_line_error=raise_on_line_error,
        ) as stream:
            return list(stream)

    def stream_consos_informatives(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> Stream[structs.ConsoRestit]:
        """Streaming twin of :meth:`consos_informatives`."""
        call = self._plan.donnees(
            "getPceId_pceDonnees_consos_informatives",
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
        )
        return Stream(
            self.http, call, _CONSOS_INFORMATIVES, raise_on_line_error=raise_on_line_error
        )

    def injections_publiees(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> list[structs.Model5]:
        """Published biomethane injections, ≤ 5 years of history."""
        with self.stream_injections_publiees(
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
            raise_on_line_error=raise_on_line_error,
        ) as stream:
            return list(stream)

    def stream_injections_publiees(
        self,
        id_pce: str,
        *,
        periode: str | None = None,
        date_debut: date | None = None,
        date_fin: date | None = None,
        raise_on_line_error: bool = False,
    ) -> Stream[structs.Model5]:
        """Streaming twin of :meth:`injections_publiees`."""
        call = self._plan.donnees(
            "getPceId_pceDonnees_injections_publiees",
            id_pce,
            periode=periode,
            date_debut=date_debut,
            date_fin=date_fin,
        )
        return Stream(
            self.http, call, _INJECTIONS_PUBLIEES, raise_on_line_error=raise_on_line_error
        )

    def donnees_contractuelles(
        self, id_pce: str, *, filtres: Sequence[str] = ()
    ) -> structs.Retour200DonneesContractuelles:
        """Contractual data (CAR, CJA, profile, tariff, commissioning date)."""
        return execute(
            self.http,
            self._plan.donnees_contractuelles(id_pce, filtres),
            structs.Retour200DonneesContractuelles,
        )

    def donnees_techniques(self, id_pce: str) -> structs.Retour200DonneesTechniques:
        """Technical data (meter address, reading frequency, PITD)."""
        return execute(
            self.http, self._plan.donnees_techniques(id_pce), structs.Retour200DonneesTechniques
        )


class AsyncAdictClient(_Base):
    """Asynchronous ADICT client: the methods of :class:`AdictClient`, awaited."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        *,
        environment: str = DEFAULT_ENVIRONMENT,
        base_url: str | None = None,
        token_url: str | None = None,
        scope: str | None = None,
        quota: QuotaArg = DEFAULT_QUOTA_TIER,
        quota_max_wait_s: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        verify: bool | str = True,
        transport: httpx.AsyncBaseTransport | None = None,
        today: Any = _today,
    ) -> None:
        super().__init__(
            client_id,
            client_secret,
            environment=environment,
            base_url=base_url,
            token_url=token_url,
            scope=scope,
            quota=quota,
            quota_max_wait_s=quota_max_wait_s,
            retry=retry,
            timeout=timeout,
            verify=verify,
            today=today,
            async_transport=transport,
        )
        self.http = async_client(
            base_url=self.endpoint.base_url,
            auth=self.auth,
            limiter=self.limiter,
            retry=self.retry,
            timeout=timeout,
            verify=verify,
            transport=transport,
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.http.aclose()

    async def declarer_droit_acces(
        self, id_pce: str, **fields: Unpack[Declaration]
    ) -> structs.DemanderAccesOut:
        """See :meth:`AdictClient.declarer_droit_acces`."""
        return await aexecute(
            self.http, self._plan.declarer_droit_acces(id_pce, **fields), structs.DemanderAccesOut
        )

    async def consulter_droits_acces(self) -> list[structs.ListeAccesOut]:
        """See :meth:`AdictClient.consulter_droits_acces`."""
        async with self.stream_droits_acces() as stream:
            return [item async for item in stream]

    def stream_droits_acces(self) -> AsyncStream[structs.ListeAccesOut]:
        """See :meth:`AdictClient.stream_droits_acces`."""
        return AsyncStream(self.http, self._plan.droits_acces(), _DROITS_ACCES)

    async def consulter_droits_acces_specifiques(
        self, **filters: Unpack[Filters]
    ) -> list[structs.ListeAccesOut]:
        """See :meth:`AdictClient.consulter_droits_acces_specifiques`."""
        async with self.stream_droits_acces_specifiques(**filters) as stream:
            return [item async for item in stream]

    def stream_droits_acces_specifiques(
        self, **filters: Unpack[Filters]
    ) -> AsyncStream[structs.ListeAccesOut]:
        """See :meth:`AdictClient.stream_droits_acces_specifiques`."""
        return AsyncStream(self.http, self._plan.droits_acces_specifiques(**filters), _DROITS_ACCES)

    async def revoquer_droit_acces(self, id_droit_acces: str) -> structs.RetourTraitement:
        """See :meth:`AdictClient.revoquer_droit_acces`."""
        return await aexecute(
            self.http, self._plan.revoquer_droit_acces(id_droit_acces), structs.RetourTraitement
        )

    async def transmettre_preuves(
        self, id_droit_acces: str, preuves: Sequence[Proof]
    ) -> structs.RetourTraitement:
        """See :meth:`AdictClient.transmettre_preuves`."""
        return await aexecute(
            self.http,
            self._plan.transmettre_preuves(id_droit_acces, preuves),
            structs.RetourTraitement,
        )

    async def consos_publiees(self, id_pce: str, **period: Unpack[Period]) -> list[structs.Model1]:
        """See :meth:`AdictClient.consos_publiees`."""
        async with self.stream_consos_publiees(id_pce, **period) as stream:
            return [item async for item in stream]

    def stream_consos_publiees(
        self, id_pce: str, *, raise_on_line_error: bool = False, **period: Unpack[Period]
    ) -> AsyncStream[structs.Model1]:
        """See :meth:`AdictClient.stream_consos_publiees`."""
        call = self._plan.donnees("getPceId_pceDonnees_consos_publiees", id_pce, **_period(period))
        return AsyncStream(
            self.http, call, _CONSOS_PUBLIEES, raise_on_line_error=raise_on_line_error
        )

    async def consos_informatives(
        self, id_pce: str, **period: Unpack[Period]
    ) -> list[structs.ConsoRestit]:
        """See :meth:`AdictClient.consos_informatives`."""
        async with self.stream_consos_informatives(id_pce, **period) as stream:
            return [item async for item in stream]

    def stream_consos_informatives(
        self, id_pce: str, *, raise_on_line_error: bool = False, **period: Unpack[Period]
    ) -> AsyncStream[structs.ConsoRestit]:
        """See :meth:`AdictClient.stream_consos_informatives`."""
        call = self._plan.donnees(
            "getPceId_pceDonnees_consos_informatives", id_pce, **_period(period)
        )
        return AsyncStream(
            self.http, call, _CONSOS_INFORMATIVES, raise_on_line_error=raise_on_line_error
        )

    async def injections_publiees(
        self, id_pce: str, **period: Unpack[Period]
    ) -> list[structs.Model5]:
        """See :meth:`AdictClient.injections_publiees`."""
        async with self.stream_injections_publiees(id_pce, **period) as stream:
            return [item async for item in stream]

    def stream_injections_publiees(
        self, id_pce: str, *, raise_on_line_error: bool = False, **period: Unpack[Period]
    ) -> AsyncStream[structs.Model5]:
        """See :meth:`AdictClient.stream_injections_publiees`."""
        call = self._plan.donnees(
            "getPceId_pceDonnees_injections_publiees", id_pce, **_period(period)
        )
        return AsyncStream(
            self.http, call, _INJECTIONS_PUBLIEES, raise_on_line_error=raise_on_line_error
        )

    async def donnees_contractuelles(
        self, id_pce: str, *, filtres: Sequence[str] = ()
    ) -> structs.Retour200DonneesContractuelles:
        """See :meth:`AdictClient.donnees_contractuelles`."""
        return await aexecute(
            self.http,
            self._plan.donnees_contractuelles(id_pce, filtres),
            structs.Retour200DonneesContractuelles,
        )

    async def donnees_techniques(self, id_pce: str) -> structs.Retour200DonneesTechniques:
        """See :meth:`AdictClient.donnees_techniques`."""
        return await aexecute(
            self.http, self._plan.donnees_techniques(id_pce), structs.Retour200DonneesTechniques
        )


def _period(period: Period) -> dict[str, Any]:
    unknown = set(period) - {"periode", "date_debut", "date_fin"}
    if unknown:
        raise ValidationError(
            min(unknown), "known_parameter", "use periode, or date_debut and date_fin"
        )
    return {
        "periode": period.get("periode"),
        "date_debut": period.get("date_debut"),
        "date_fin": period.get("date_fin"),
    }
