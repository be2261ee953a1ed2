"""Throwaway certificates for TLS tests, made with the openssl command at test time."""

from __future__ import annotations

import subprocess
from pathlib import Path


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


def self_signed(folder: Path, name: str, subject: str) -> tuple[Path, Path]:
    """``name.pem`` and ``name.key``: a self-signed certificate (a CA, or a lone client)."""
    _openssl(
        folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
        "-out", f"{name}.pem", "-days", "2", "-subj", subject,
    )  # fmt: skip
    return folder / f"{name}.pem", folder / f"{name}.key"


def issued(folder: Path, name: str, subject: str, *, ca: str = "ca", extension: str = "") -> None:
    """``name.pem`` and ``name.key``, signed by ``ca.pem`` (``extension``: an x509v3 line)."""
    _openssl(
        folder, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
        "-out", f"{name}.csr", "-subj", subject,
    )  # fmt: skip
    (folder / f"{name}.ext").write_text(extension + "\n")
    _openssl(
        folder, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext",
    )  # fmt: skip
