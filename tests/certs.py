"""Throwaway X.509 certificates for the rotation tests, made with the openssl CLI at test time.

Nothing here is committed or expires in the repository: every certificate is generated when a
test asks for it (EC P-256 keys, ``openssl ca`` so that validity dates can lie in the past).
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path

_CONFIG = """\
[ ca ]
default_ca = ca_default
[ ca_default ]
database = {dir}/index.txt
new_certs_dir = {dir}
serial = {dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
commonName = supplied
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
[ v3_big_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
nsComment = "{comment}"
"""


def openssl() -> str:
    path = shutil.which("openssl")
    assert path is not None, "the openssl CLI is needed to make test certificates"
    return path


def _stamp(when: datetime.datetime) -> str:
    return when.astimezone(datetime.UTC).strftime("%Y%m%d%H%M%SZ")


class Issuer:
    """Makes keys and certificates in one scratch directory."""

    def __init__(self, directory: Path, comment_bytes: int = 16) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "index.txt").write_text("")
        (self.dir / "serial").write_text("1000\n")
        self.config = self.dir / "openssl.cnf"
        self.config.write_text(_CONFIG.format(dir=self.dir, comment="x" * comment_bytes))
        self.count = 0

    def _run(self, *args: str) -> None:
        proc = subprocess.run([openssl(), *args], capture_output=True, text=True, check=False, cwd=self.dir)
        assert proc.returncode == 0, proc.stderr

    def make(
        self,
        name: str,
        *,
        ca: bool = True,
        issuer: tuple[Path, Path] | None = None,
        not_before: datetime.datetime | None = None,
        not_after: datetime.datetime | None = None,
        big: bool = False,
    ) -> tuple[bytes, Path, Path]:
        """(PEM bytes, cert path, key path); valid from a day ago for 30 days unless told otherwise."""
        self.count += 1
        now = datetime.datetime.now(datetime.UTC)
        start = not_before or now - datetime.timedelta(days=1)
        end = not_after or now + datetime.timedelta(days=30)
        key = self.dir / f"{self.count}.key"
        csr = self.dir / f"{self.count}.csr"
        cert = self.dir / f"{self.count}.crt"
        self._run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(key))
        self._run("req", "-new", "-key", str(key), "-subj", f"/CN={name}", "-out", str(csr))
        signer = ["-cert", str(issuer[0]), "-keyfile", str(issuer[1])] if issuer else ["-selfsign", "-keyfile", str(key)]
        extensions = "v3_big_ca" if big else ("v3_ca" if ca else "v3_leaf")
        self._run(
            "ca", "-batch", "-notext", "-config", str(self.config), *signer, "-in", str(csr), "-out", str(cert),
            "-startdate", _stamp(start), "-enddate", _stamp(end), "-extensions", extensions,
        )
        return cert.read_bytes(), cert, key
