"""TLS stays verified: a server that omits its intermediate is trusted only with our bundle."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import certifi
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import FAST_HTTP
from vigia.core.errors import FetchError
from vigia.scrapers.http import BUNDLED_INTERMEDIATES, HttpClient, ca_bundle


def _cert(subject: str, issuer: x509.Name | None, issuer_key, key, *, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer or name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    # Strict verification (urllib3 2 turns on X509_STRICT) wants key ids and key usage.
    builder = (
        builder.add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                key_cert_sign=ca,
                crl_sign=ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def short_chain_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An HTTPS server on 127.0.0.1 that sends only its leaf, like www.dof.gob.mx."""
    folder = tmp_path_factory.mktemp("tls")
    root_key, mid_key, leaf_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    root = _cert("Test Root", None, root_key, root_key, ca=True)
    mid = _cert("Test Intermediate", root.subject, root_key, mid_key, ca=True)
    leaf = _cert("127.0.0.1", mid.subject, mid_key, leaf_key, ca=False)
    (folder / "leaf.pem").write_bytes(_pem(leaf))
    (folder / "key.pem").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (folder / "extras.pem").write_bytes(_pem(root) + _pem(mid))

    class Hello(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Length", "5")
            self.end_headers()
            self.wfile.write(b"hello")

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"https://127.0.0.1:{server.server_address[1]}/", folder / "extras.pem"
    server.shutdown()


def test_short_chain_fails_without_the_bundle(short_chain_server, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    url, _ = short_chain_server
    client = HttpClient(replace(FAST_HTTP, retries=0, extra_ca_file=""))
    with pytest.raises(FetchError, match="CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        client.get(url, "test")


def test_short_chain_is_verified_with_the_bundled_intermediate(short_chain_server, monkeypatch):
    # An operator's REQUESTS_CA_BUNDLE is the base of the bundle, never a replacement for it.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    url, extras = short_chain_server
    client = HttpClient(replace(FAST_HTTP, retries=0, extra_ca_file=str(extras)))
    assert client.verify not in (False, True)
    assert client.get(url, "test").body == b"hello"


def test_bundled_dof_intermediate_chains_to_a_root_certifi_trusts():
    done = subprocess.run(
        ["openssl", "verify", "-CAfile", certifi.where(), str(BUNDLED_INTERMEDIATES)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [cert] = x509.load_pem_x509_certificates(BUNDLED_INTERMEDIATES.read_bytes())
    assert "Go Daddy Secure Certificate Authority - G2" in cert.subject.rfc4514_string()
    assert (
        Path(ca_bundle(str(BUNDLED_INTERMEDIATES)))
        .read_bytes()
        .endswith(BUNDLED_INTERMEDIATES.read_bytes())
    )
