"""Benchmark: backfill throughput and peak memory over 1-, 3- and 12-month spans, offline.

A local server on 127.0.0.1 answers SIDOF's daily index for any date with
NOTAS_PER_DAY constructed notas (titles from the replay fixtures) and serves
the recorded real docFuente page (tests/fixtures/sidof/docFuente_5788395.html)
as every nota's text. Each span runs in its own process so peak RSS is its own.

    .venv/bin/python bench/backfill.py            # prints one line per span
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NOTAS_PER_DAY = 40
DOC = (ROOT / "tests/fixtures/sidof/docFuente_5788395.html").read_bytes()
TITLES = [
    "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones.",
    "ACUERDO por el que se dan a conocer los porcentajes del estímulo fiscal.",
    "TASAS de interés interbancarias de equilibrio.",
    "AVISO por el que se da a conocer el cambio de domicilio oficial.",
]


class SyntheticSidof(BaseHTTPRequestHandler):
    """SIDOF for any day: an index of NOTAS_PER_DAY notas and their documents."""

    def do_GET(self) -> None:  # noqa: N802
        if m := re.fullmatch(r"/dof/sidof/notas/(\d{2})-(\d{2})-(\d{4})", self.path):
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            base = day.toordinal() * 100
            notas = [
                {
                    "codNota": base + n,
                    "titulo": TITLES[n % len(TITLES)],
                    "fecha": f"{day:%d-%m-%Y}",
                    "codEdicion": "MAT",
                    "codSeccion": "PRIMERA",
                    "nombreCodOrgaUno": "PODER EJECUTIVO",
                    "codOrgaDos": "SECRETARIA DE GOBERNACION",
                    "pagina": n + 1,
                    "existeHtml": "S",
                }
                for n in range(NOTAS_PER_DAY)
            ]
            body = json.dumps(
                {
                    "messageCode": 200,
                    "response": "OK",
                    "NotasMatutinas": notas,
                    "NotasVespertinas": [],
                    "NotasExtraordinarias": [],
                }
            ).encode()
            return self._send(body, "application/json")
        if self.path.startswith("/notas/docFuente/"):
            return self._send(DOC, "text/html; charset=UTF-8")
        self.send_error(404)

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def one_span(base: str, months: int) -> dict:
    """Backfill ``months`` months into a fresh store (run in a child process)."""
    from vigia.backfill import run_backfill
    from vigia.config import load_settings

    start = date(2018, 1, 1)
    end = (start + timedelta(days=round(30.44 * months))) - timedelta(days=1)
    with tempfile.TemporaryDirectory() as folder:
        config = {
            "http": {
                "min_interval": 0,
                "respect_robots": False,
                "allow_addresses": ["127.0.0.1"],
            },
            "sources": {"gazette": {"sidof_url": base}},
        }
        settings = load_settings({}, db_path=f"{folder}/bench.duckdb", sources_config=config)
        report = run_backfill(settings, "gazette", start, end)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "months": months,
        "days": (end - start).days + 1,
        "items": report.items,
        "seconds": round(report.seconds, 1),
        "items_per_s": round(report.items_per_second, 1),
        "peak_rss_mb": round(peak_mb, 1),
        "mb_fetched": round(report.bytes_fetched / 1e6, 1),
    }


def main() -> None:
    """Start the synthetic server, then run each span in a child process."""
    if len(sys.argv) == 3:  # child: python bench/backfill.py BASE MONTHS
        print(json.dumps(one_span(sys.argv[1], int(sys.argv[2]))))
        return
    server = ThreadingHTTPServer(("127.0.0.1", 0), SyntheticSidof)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for months in (1, 3, 12):
        started = time.monotonic()
        out = subprocess.run(
            [sys.executable, __file__, base, str(months)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        print(
            f"backfill gazette {result['months']:>2} month(s): {result['days']} days, "
            f"{result['items']} items in {result['seconds']} s = {result['items_per_s']} items/s; "
            f"peak RSS {result['peak_rss_mb']} MB; {result['mb_fetched']} MB fetched "
            f"(wall {time.monotonic() - started:.1f} s)"
        )
    server.shutdown()


if __name__ == "__main__":
    main()
