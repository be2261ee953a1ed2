"""The manifest loads, and each mistake a user can make is named with its key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.manifest import DEFAULT_MANIFEST, AuthType, ManifestError, SpecKind, parse_manifest


def test_real_manifest_declares_the_three_apis(manifest) -> None:  # type: ignore[no-untyped-def]
    assert {name: api.package for name, api in manifest.apis.items()} == {
        "adict": "grdf_adict",
        "suivi_demande": "grdf_suivi_demande",
        "tjdc": "grdf_tjdc",
    }
    adict = manifest.api("adict")
    assert adict.kind is SpecKind.SWAGGER2
    assert adict.auth.type is AuthType.OAUTH2_CLIENT_CREDENTIALS
    assert adict.auth.token_lifetime_s == 14400
    assert adict.environment("bas").scope == "/adict/bas/v6"
    assert adict.environment("production").base_url == "https://api.grdf.fr/adict/v2"
    assert {(t.per_second, t.per_day) for t in adict.quota_tiers.values()} == {
        (1, 6000),
        (1, 60000),
        (3, 240000),
    }
    assert adict.stream_media_types == ("application/x-ndjson",)
    suivi = manifest.api("suivi_demande")
    assert suivi.auth.token_lifetime_s == 3600
    assert suivi.environment("production").scope == "suivi_demande"
    assert manifest.api("tjdc").auth.type is AuthType.CLIENT_CERTIFICATE
    assert len(manifest.sha256) == 64


def test_unknown_api_and_environment_name_the_existing_ones(manifest) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyError, match="adict, suivi_demande, tjdc"):
        manifest.api("enedis")
    with pytest.raises(KeyError, match="bas, mock, production"):
        manifest.api("adict").environment("staging")


def _with(replace: str, by: str) -> bytes:
    text = DEFAULT_MANIFEST.read_text(encoding="utf-8")
    assert replace in text
    return text.replace(replace, by, 1).encode()


@pytest.mark.parametrize(
    ("replace", "by", "expected"),
    [
        ('kind = "swagger2"', 'kind = "raml"', "apis.adict.kind: Input should be"),
        (
            'package = "grdf_adict"',
            'package = "Grdf-Adict"',
            "apis.adict.package: String should match",
        ),
        (
            'package = "grdf_tjdc"',
            'package = "grdf_adict"',
            "apis.tjdc.package: 'grdf_adict' is already used",
        ),
        (
            'default_environment = "bas"',
            'default_environment = "staging"',
            "default_environment 'staging'",
        ),
        (
            'default_quota_tier = "small"',
            'default_quota_tier = "huge"',
            "default_quota_tier 'huge'",
        ),
        ("per_day = 6000", "per_day = -1", "apis.adict.quota_tiers.small.per_day"),
        (
            'spec = "adict/adict-v2.yaml"',
            'spec = "adict/missing.yaml"',
            "spec file 'adict/missing.yaml' not found",
        ),
        (
            "token_lifetime_s = 14400",
            "token_lifetime = 14400",
            "apis.adict.auth.token_lifetime: Extra inputs",
        ),
        (
            'scope = "/adict/bas/v6"\n\n[apis.adict.environments.mock]',
            "\n[apis.adict.environments.mock]",
            "environments.bas needs token_url and scope",
        ),
        ("version = 1", "version = ", "not valid TOML"),
    ],
)
def test_each_mistake_names_its_key_and_rule(replace: str, by: str, expected: str) -> None:
    with pytest.raises(ManifestError) as caught:
        parse_manifest(_with(replace, by), DEFAULT_MANIFEST)
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_manifest_hash_follows_its_bytes() -> None:
    data = DEFAULT_MANIFEST.read_bytes()
    first = parse_manifest(data, DEFAULT_MANIFEST)
    second = parse_manifest(data + b"\n# comment\n", DEFAULT_MANIFEST)
    assert first.sha256 != second.sha256
    assert first.apis == second.apis


def test_unreadable_manifest_is_one_clear_problem(tmp_path: Path) -> None:
    from codegen.manifest import load_manifest

    with pytest.raises(ManifestError, match="cannot read the manifest"):
        load_manifest(tmp_path / "nope.toml")
