"""Drive the installed client wheels against a running mock, as a user's service would.

Run by tests/test_build.py with the Python of a bare virtual environment that holds only
the wheels and their declared dependencies, never the project: ``python wheel_driver.py
MOCK_ORIGIN [REDIS_PORT]``. Prints one line per check; any failure raises.
"""

from __future__ import annotations

import sys


def adict(origin: str, redis_port: int | None) -> None:
    from grdf_adict import AdictClient, exceptions

    quota: object = "small"
    if redis_port is not None:
        import redis
        from grdf_adict._runtime.quota import QuotaConfig, QuotaLimiter, redis_bucket

        config = QuotaConfig(per_second=1000, per_day=100000)
        store = redis_bucket(config, redis.Redis(port=redis_port), "wheel-driver")
        quota = QuotaLimiter(config, store)
    with AdictClient(
        "grdfkit-demo",
        "grdfkit-demo-secret",
        environment="mock",
        base_url=f"{origin}/adict/bas/v6",
        quota=quota,  # type: ignore[arg-type]
    ) as client:
        rights = client.consulter_droits_acces()
        assert rights, "the data sheet's rights"
        print(f"adict listing: {len(rights)} rights")
        with client.stream_consos_publiees("09999999900617", periode="2025") as lines:
            count = sum(1 for _ in lines)
        assert count > 0
        print(f"adict stream: {count} lines")
        try:
            client.donnees_techniques("123")
        except exceptions.ValidationError as exc:
            print(f"adict refused before any call: {exc.field}")
        else:
            raise AssertionError("a bad PCE was sent")


def tjdc(origin: str) -> None:
    from grdf_tjdc import TjdcClient

    with TjdcClient(
        cert=None,
        dn_entreprise="CN=FOURNISSEUR DEMO",
        numero_cad="A04000010",
        login="jdupont",
        environment="mock",
        base_url=f"{origin}/omega/ws/CreerDemandeTJDC",
    ) as client:
        answer = client.verifier_recevabilite("09999999900617")
        print(f"tjdc step 1: {answer.type_retour_dialogue} {answer.code_retour}")


if __name__ == "__main__":
    mock_origin = sys.argv[1]
    port = int(sys.argv[2]) if len(sys.argv) > 2 else None
    adict(mock_origin, port)
    if "--no-tjdc" not in sys.argv:
        tjdc(mock_origin)
