"""A stateful mock of GRDF's ADICT, OMEGA Suivi Demande and OMEGA CreerDemandeTJDC APIs.

Layout in the moto style: ``app`` (routing), ``auth`` (tokens and quotas), one module of
handlers per API, ``state`` (plain Python with ``reset()``), ``catalog`` (GRDF's messages and
the BAS data set, as data), ``data`` (deterministic consumption), ``responses`` (GRDF's
error shapes). Start it with ``grdfkit mock`` or use :func:`create_app` in-process.
"""

from conformance.mock.app import create_app
from conformance.mock.config import MockConfig

__all__ = ["MockConfig", "create_app"]
