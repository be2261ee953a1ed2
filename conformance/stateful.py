"""Which operations the mock serves with hand-written behaviour, per API (by operationId).

Kept apart from the mock package (:func:`conformance.mock.app.stateful_handlers`, which a test
keeps equal to this table) so the coverage report can name them for any project without
loading the mock, whose handlers read our ADICT spec.
"""

from __future__ import annotations

STATEFUL: dict[str, frozenset[str]] = {
    "adict": frozenset(
        {
            "droit_acces",
            "consulter_acces",
            "consulter_acces_specifiques",
            "fin_acces",
            "preuve",
            "getPceId_pceDonnees_consos_publiees",
            "getPceId_pceDonnees_consos_informatives",
            "getPceId_pceDonnees_injections_publiees",
            "getPceId_pceDonnees_contractuelles",
            "getPceId_pceDonnees_techniques",
        }
    ),
    "suivi_demande": frozenset({"consulter_demande"}),
    # by WSDL operation: the mock's SOAP endpoint (conformance/mock/tjdc.py) runs the dialogue
    "tjdc": frozenset({"VerifierRecevabiliteTJDC", "CreerDemandeTJDC"}),
}
