"""What ``templates/rotate.sh`` writes into the bundle: only CA certificates, overlapping, capped, any size.

Real certificates are made at test time with the openssl CLI (``tests/certs.py``): nothing committed can expire.
Overlap, refusal and size cases run under sh, dash and busybox sh (``cluster``); the narrower ones under sh.
"""

from __future__ import annotations

import base64
import datetime
import functools
import subprocess
from pathlib import Path

import pytest

from tests.rotation_sandbox import (
    ANN_RESTARTED,
    CA_NEW,
    CA_NEW_ROOT,
    CA_OLD,
    ISSUER,
    SHELLS,
    SRC,
    SRC_NS,
    STS,
    STS_ENV,
    TGT,
    TGT_NS,
    Cluster,
    certs,
    der_sha,
    pem_blocks,
    sha,
)

OVERLAP = {"BUNDLE_MODE": "overlap"}
PAST = (datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC))


@functools.cache
def expired_ca() -> bytes:
    pem: bytes = ISSUER.make("expired root", not_before=PAST[0], not_after=PAST[1])[0]
    return pem


@functools.cache
def other_cas() -> tuple[bytes, bytes, bytes]:
    return tuple(ISSUER.make(f"older root {i}")[0] for i in range(3))  # type: ignore[return-value]


@functools.cache
def leaf() -> bytes:
    _, cert, key = ISSUER.make("issuing root")
    pem: bytes = ISSUER.make("authservice.example", ca=False, issuer=(cert, key))[0]
    return pem


@functools.cache
def big_ca(directory: str) -> bytes:
    """A CA certificate of about 200 KiB of PEM (a long nsComment): bigger than one argv string may be."""
    pem: bytes = certs.Issuer(Path(directory), comment_bytes=160_000).make("big root", big=True)[0]
    return pem


def _writes(c: Cluster) -> list[dict[str, str]]:
    return [e for e in c.audit() if e["verb"] not in ("get", "list", "watch")]


def _fingerprints(data: bytes) -> list[str]:
    return [der_sha(block) for block in pem_blocks(data)]


# --- only certificates --------------------------------------------------------------------------------


def test_a_private_key_next_to_the_certificate_is_refused_without_a_write(cluster: Cluster) -> None:
    key = (ISSUER.dir / "1.key").read_bytes()  # the real EC private key of CA_OLD
    assert b"PRIVATE KEY" in key
    cluster.standard(source=CA_NEW + key)
    before = cluster.objects_snapshot()

    res = cluster.run(OVERLAP)

    assert res.returncode == 1, res.output
    assert "rotate: ERROR: source key ca.crt refused: it holds a PRIVATE KEY block" in res.stderr
    assert "nothing was written" in res.stderr
    assert b"PRIVATE" not in res.output.encode() or "PRIVATE KEY block" in res.output
    assert key.decode().splitlines()[1] not in res.output  # no key material in the log
    assert cluster.objects_snapshot() == before
    assert _writes(cluster) == []


@pytest.mark.parametrize("block", ["RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY", "X509 CRL"])
def test_any_other_pem_block_is_refused(cl: Cluster, block: str) -> None:
    other = f"-----BEGIN {block}-----\nMIIB\n-----END {block}-----\n".encode()
    cl.standard(source=other + CA_NEW)

    res = cl.run(OVERLAP)

    assert res.returncode == 1, res.output
    assert f"it holds a {block} block (line 1)" in res.stderr
    assert _writes(cl) == []


def test_a_leaf_certificate_is_not_a_ca_and_is_refused(cluster: Cluster) -> None:
    cluster.standard(source=leaf())

    res = cluster.run(OVERLAP)

    assert res.returncode == 1, res.output
    assert "is not a CA (no basicConstraints CA:TRUE); nothing was written" in res.stderr
    assert _writes(cluster) == []


def test_a_certificate_openssl_cannot_parse_is_refused(cl: Cluster) -> None:
    junk = base64.encodebytes(b"\x30\x03\x02\x01\x01" * 20).decode()
    cl.standard(source=f"-----BEGIN CERTIFICATE-----\n{junk}-----END CERTIFICATE-----\n".encode())

    res = cl.run(OVERLAP)

    assert res.returncode == 1, res.output
    assert "is malformed: openssl cannot parse it; nothing was written" in res.stderr
    assert _writes(cl) == []


def test_text_around_blocks_and_crlf_are_not_copied(cl: Cluster) -> None:
    noisy = b"subject=CN = new root\r\n" + CA_NEW_ROOT.replace(b"\n", b"\r\n") + b"trailing words\n"
    cl.standard(source=noisy)

    res = cl.run()

    assert res.returncode == 0, res.output
    assert cl.target_bytes() == CA_NEW_ROOT


# --- any size -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_200_kib_bundle_rotates(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Above ~96 KiB of PEM, a bundle on the command line fails with "Argument list too long"."""
    big = big_ca(str(tmp_path_factory.getbasetemp() / "big-ca"))
    assert len(big) >= 200 * 1024
    cluster.standard(source=big + CA_NEW_ROOT)

    res = cluster.run(OVERLAP)

    assert res.returncode == 0, res.output
    assert cluster.target_bytes() == big + CA_NEW_ROOT + CA_OLD
    assert cluster.count("delete", "pods") == 1
    assert cluster.run(OVERLAP).returncode == 0
    assert cluster.count("delete", "pods") == 1  # up to date: no second restart


# --- overlap ------------------------------------------------------------------------------------------


def test_overlap_adds_the_new_ca_first_and_keeps_the_old_one(cluster: Cluster) -> None:
    cluster.standard(target=CA_OLD)

    res = cluster.run(OVERLAP)

    assert res.returncode == 0, res.output
    bundle = cluster.target_bytes()
    assert bundle == CA_NEW + CA_OLD
    assert cluster.target()["metadata"]["annotations"][ANN_RESTARTED] == sha(bundle)
    assert "keeping previously bundled certificate" in res.stdout
    assert cluster.count("delete", "pods") == 1
    again = cluster.run(OVERLAP)
    assert again.returncode == 0 and "up to date" in again.stdout, again.output
    assert cluster.count("delete", "pods") == 1  # once per new bundle content


def test_overlap_drops_expired_certificates(cluster: Cluster) -> None:
    cluster.standard(target=expired_ca() + CA_OLD)

    res = cluster.run(OVERLAP)

    assert res.returncode == 0, res.output
    assert cluster.target_bytes() == CA_NEW + CA_OLD
    assert f"dropping bundled certificate sha256 {_fingerprints(expired_ca())[0]}: it has expired" in res.stdout


def test_overlap_ignores_duplicates_by_der_fingerprint(cl: Cluster) -> None:
    # the new root twice in the source, and already in the bundle (with other line endings)
    cl.standard(source=CA_NEW_ROOT + CA_NEW_ROOT, target=CA_NEW_ROOT.replace(b"\n", b"\r\n") + CA_OLD)

    res = cl.run(OVERLAP)

    assert res.returncode == 0, res.output
    assert cl.target_bytes() == CA_NEW_ROOT + CA_OLD
    assert "is a duplicate" in res.stdout


def test_overlap_respects_the_cap_and_never_drops_the_source(cl: Cluster) -> None:
    a, b, c = other_cas()
    cl.standard(target=a + b + c)  # source: root + intermediate

    res = cl.run(OVERLAP, BUNDLE_MAX_CERTIFICATES="3")

    assert res.returncode == 0, res.output
    assert cl.target_bytes() == CA_NEW + a
    assert res.stdout.count("the bundle already holds 3 of at most 3 certificates") == 2

    cl.reset_audit()
    one = cl.run(OVERLAP, BUNDLE_MAX_CERTIFICATES="1")
    assert one.returncode == 0, one.output
    assert cl.target_bytes() == CA_NEW  # both source certificates stay, even over the cap


def test_replace_writes_only_the_source(cl: Cluster) -> None:
    cl.standard(target=CA_OLD)
    assert cl.run(BUNDLE_MODE="replace").returncode == 0
    assert cl.target_bytes() == CA_NEW


def test_non_certificate_blocks_in_the_old_bundle_are_dropped(cl: Cluster) -> None:
    key = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"
    cl.standard(target=CA_OLD + key)

    res = cl.run(OVERLAP)

    assert res.returncode == 0, res.output
    assert cl.target_bytes() == CA_NEW + CA_OLD
    assert "holds 1 non-certificate block(s); they are dropped" in res.stdout


def test_without_openssl_shape_checks_only_and_old_cas_stay_until_the_cap(tmp_path: Path, pycache: Path) -> None:
    c = Cluster(tmp_path, SHELLS[0], pycache, openssl=False)
    c.standard(target=expired_ca() + CA_OLD)

    res = c.run(OVERLAP)

    assert res.returncode == 0, res.output
    assert "openssl not found: certificates are checked for PEM and base64 shape only" in res.stdout
    assert c.target_bytes() == CA_NEW + expired_ca()  # cap 3: the expired one is not recognised as expired


# --- StatefulSet with the OnDelete update strategy ----------------------------------------------------


def test_statefulset_on_delete_deletes_the_pod_and_waits_for_ready(cluster: Cluster) -> None:
    cluster.add_secret(SRC_NS, SRC, {"ca.crt": CA_NEW})
    cluster.add_secret(TGT_NS, TGT, {"oidcCABundle.crt": CA_OLD})
    cluster.add_statefulset(update_strategy="OnDelete")
    old_uid = cluster.add_pod(f"{STS}-0")["metadata"]["uid"]

    res = cluster.run(STS_ENV)

    assert res.returncode == 0, res.output
    assert "uses the OnDelete update strategy" in res.stdout
    assert cluster.pod_uid(f"{STS}-0") != old_uid
    assert cluster.statefulset()["fake"]["restarts"] == 0  # no rollout restart (it would never finish)
    steps = [(e["verb"], e["resource"], e["name"]) for e in cluster.audit() if e["resource"] != "secrets"]
    assert steps[:3] == [("get", "statefulsets", STS), ("get", "pods", f"{STS}-0"), ("delete", "pods", f"{STS}-0")]
    assert cluster.target()["metadata"]["annotations"][ANN_RESTARTED] == sha(cluster.target_bytes())


def test_rollout_status_refuses_on_delete_as_kubectl_does(cl: Cluster, tmp_path: Path) -> None:
    """The fake models why the old script failed forever: rollout status on an OnDelete StatefulSet."""
    cl.add_statefulset(update_strategy="OnDelete")
    proc = fake_run(cl, "-n", TGT_NS, "rollout", "status", f"statefulset/{STS}", "--timeout=5s")
    assert proc.returncode == 1
    assert "only available for RollingUpdate" in proc.stderr


def fake_run(c: Cluster, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c.bin / "kubectl"), *args],
        env={"PATH": str(c.bin), "FAKE_KUBE_STATE": str(c.root)},
        capture_output=True,
        text=True,
        check=False,
    )
