"""Onboarding checklist and the company-registry adapters (recorded, and HTTP on 127.0.0.1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from relance.risk.onboarding import check_registry, onboarding_of, onboarding_status
from relance.risk.registry import RegistryError, get_backend
from relance.risk.registry.recherche_entreprises import RechercheEntreprises
from relance.risk.registry.recorded import DEFAULT_FOLDER, Recorded
from relance.risk.services import risk_settings
from relance.testing import Ledger


def test_recorded_backend_reads_the_search_answer() -> None:
    record = Recorded().lookup("732829320")
    assert record is not None
    assert (record.name, record.active, record.postal_code) == ("BOULANGERIE MARTIN", True, "69002")
    closed = Recorded().lookup("534640974")
    assert closed is not None and closed.active is False
    assert Recorded().lookup("302466339") is None


def test_recorded_backend_bad_input(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match="not a SIREN"):
        Recorded().lookup("12AB")
    (tmp_path / "732829320.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(RegistryError, match="not JSON") as exc:
        Recorded(tmp_path).lookup("732829320")
    assert exc.value.transient is False
    (tmp_path / "732829320.json").write_text('{"total_results": 0}', encoding="utf-8")
    with pytest.raises(RegistryError, match="without 'results'"):
        Recorded(tmp_path).lookup("732829320")


def test_unknown_backend() -> None:
    with pytest.raises(RegistryError, match="unknown registry backend"):
        get_backend("infogreffe")


@pytest.fixture
def registry_server() -> Iterator[tuple[str, list[str]]]:
    """A local stand-in for recherche-entreprises answering from the recordings."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = parse_qs(urlparse(self.path).query)
            siren = query.get("q", [""])[0]
            asked.append(self.path)
            if siren == "500500500":
                self.send_response(503)
                self.end_headers()
                return
            path = DEFAULT_FOLDER / f"{siren}.json"
            body = path.read_bytes() if path.exists() else b'{"results": [], "total_results": 0}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/search", asked
    finally:
        server.shutdown()
        server.server_close()


def test_http_adapter(registry_server: tuple[str, list[str]]) -> None:
    url, asked = registry_server
    backend = RechercheEntreprises(base_url=url, timeout=2)
    record = backend.lookup("732829320")
    assert record is not None and record.head_office_siret == "73282932000074"
    assert asked[0].startswith("/search?q=732829320")
    assert backend.lookup("302466339") is None
    with pytest.raises(RegistryError, match="HTTP 503") as exc:
        backend.lookup("500500500")
    assert exc.value.transient is True


def test_http_adapter_network_error() -> None:
    backend = RechercheEntreprises(base_url="http://127.0.0.1:9/search", timeout=1)
    with pytest.raises(RegistryError, match="network error") as exc:
        backend.lookup("732829320")
    assert exc.value.transient is True


def test_checklist(ledger: Ledger) -> None:
    cfg = risk_settings(ledger.creditor.pk)
    c = ledger.customer("Nouveau SAS", siren="732829320")
    status = onboarding_status(c, cfg)
    assert status.required and not status.done
    assert {k.key: k.done for k in status.checks} == {
        "identifiers": True,
        "head_office": False,
        "website": False,
        "registry": False,
        "questions": False,
        "terms": False,
        "risk_note": False,
    }
    c.address_line1, c.postal_code, c.city = "1 rue A", "69002", "Lyon"
    c.websites = "https://nouveau.example"
    c.save()
    check_registry(c, Recorded())
    row = onboarding_of(c)
    row.questions_asked = row.terms_sent = True
    row.risk_note = "bilan 2024 lu"
    row.save()
    assert onboarding_status(c, cfg).done


def test_checklist_refuses_closed_or_unknown_companies(ledger: Ledger) -> None:
    cfg = risk_settings(ledger.creditor.pk)
    closed = ledger.customer("Anciens Ets Durand", siren="534640974")
    check_registry(closed, Recorded())
    checks = {k.key: k.done for k in onboarding_status(closed, cfg).checks}
    assert checks["registry"] is False
    unknown = ledger.customer("Inconnu SARL", siren="302466339")
    with pytest.raises(RegistryError, match="unknown to the registry"):
        check_registry(unknown, Recorded())
    bad = ledger.customer("Mauvais SIREN", siren="123456789")
    assert {k.key: k.detail for k in onboarding_status(bad, cfg).checks}["identifiers"]


def test_existing_customers_count_as_onboarded(ledger: Ledger) -> None:
    before = ledger.customer("Ancien client")
    cfg = risk_settings(ledger.creditor.pk)
    assert not onboarding_status(before, cfg).required
