"""Build the constructed replay files of the offline demo and tests (run once; output committed).

No recorded SIDOF JSON, Buscador Jurídico JSON or news feed exists (see
docs/reference/fixtures-origins.md), so these files put real texts into the real
sites' documented formats:

- texts: the verbatim items of eval/dev.jsonl, version 1 (its first 104 lines: the items the
  replay was built from; later items are left out so the demo's numbers stay put);
- decree titles and dates: the milestones of docs/reference/SOURCES.md §7, written
  in the DOF's usual "DECRETO por el que se expide …" form;
- formats: SOURCES.md §2.1 (SIDOF notas), §2.3 (docFuente HTML), §3.2
  (Buscador Jurídico), and RSS 2.0 / Atom 1.0 for feeds.

Every output file name contains ".constructed." and is listed in
tests/fixtures/INDEX.md. Usage: python scripts/build_replay.py eval/dev.jsonl
"""

from __future__ import annotations

import html
import json
import sys
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "replay"
# The replay was built from version 1 of the labelled items; version 2 appended 137 more.
DEV_VERSION_1_LINES = 104
SIDOF_LISTS = {"MAT": "NotasMatutinas", "VES": "NotasVespertinas", "EXT": "NotasExtraordinarias"}

# Gazette notas: (day, edition, codNota, branch, issuer, dev item id or None, title if no dev item)
# codNota values from SOURCES.md §7 where known; 99xxxxxxx marks a code we do not know.
GAZETTE = [
    (
        "2014-04-30",
        "MAT",
        5343071,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        "gazette-dof-2014-04-30-pndh-2014-2018",
        None,
    ),
    (
        "2014-06-13",
        "MAT",
        990000001,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        None,
        "DECRETO por el que se reforman, derogan y adicionan diversas disposiciones del Código de "
        "Justicia Militar, del Código Federal de Procedimientos Penales y de la Ley que Establece las "
        "Normas Mínimas sobre Readaptación Social de Sentenciados.",
    ),
    (
        "2017-06-26",
        "MAT",
        990000002,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        None,
        "DECRETO por el que se expide la Ley General para Prevenir, Investigar y Sancionar la "
        "Tortura y Otros Tratos o Penas Crueles, Inhumanos o Degradantes.",
    ),
    (
        "2017-11-17",
        "MAT",
        990000003,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        None,
        "DECRETO por el que se expide la Ley General en Materia de Desaparición Forzada de Personas, "
        "Desaparición Cometida por Particulares y del Sistema Nacional de Búsqueda de Personas.",
    ),
    (
        "2019-05-27",
        "VES",
        990000004,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        None,
        "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones.",
    ),
    (
        "2020-12-10",
        "MAT",
        5607366,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        "gazette-sidof-5607366-pndh-2020-2024",
        None,
    ),
    (
        "2021-07-15",
        "MAT",
        990000005,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        "gazette-dof-2021-07-15-snbp-002-2021-protocolo-nna",
        None,
    ),
    (
        "2023-05-19",
        "MAT",
        5689385,
        "PODER JUDICIAL",
        "SUPREMA CORTE DE JUSTICIA DE LA NACION",
        "gazette-dof-2023-05-19-sentencia-ai-63-2019-registro-detenciones",
        None,
    ),
    (
        "2024-04-12",
        "MAT",
        990000006,
        "PODER EJECUTIVO",
        "SECRETARIA DE HACIENDA Y CREDITO PUBLICO",
        "neg-dof-2024-04-12-ieps-estimulo-fiscal",
        None,
    ),
    (
        "2024-04-12",
        "MAT",
        990000007,
        "BANCO DE MEXICO",
        "BANCO DE MEXICO",
        "neg-dof-2024-04-12-tiie",
        None,
    ),
    (
        "2025-01-17",
        "MAT",
        990000008,
        "PODER EJECUTIVO",
        "SECRETARIA DE GOBERNACION",
        "neg-dof-2025-01-17-decreto-constitucional-salud",
        None,
    ),
]
# Days SIDOF answers with an empty 200 in the replay, so the DOF HTML index is used.
SIDOF_EMPTY_DAYS = ["2026-07-31", "2026-07-26"]

# Buscador Jurídico results: (query, year, dev item id, tipoAsunto, numExpediente, organo)
COURTS = [
    (
        "desaparición forzada",
        2022,
        "court-nizkor-2022-scjn-ar-51-2020-reyes-amaya-cruz-sanchez",
        "AMPARO EN REVISIÓN",
        "51/2020",
        "PRIMERA SALA",
    ),
    (
        "desaparición forzada",
        2021,
        "court-vlex-scjn-ar-1077-2019-acciones-urgentes",
        "AMPARO EN REVISIÓN",
        "1077/2019",
        "PRIMERA SALA",
    ),
    (
        "fuero militar",
        2012,
        "court-vlex-voto-cossio-ar-131-2011-fuero-militar",
        "AMPARO EN REVISIÓN",
        "131/2011",
        "PRIMERA SALA",
    ),
    (
        "controversia constitucional",
        2021,
        "neg-court-vlex-cc-201-2020-morelos-pension",
        "CONTROVERSIA CONSTITUCIONAL",
        "201/2020",
        "SEGUNDA SALA",
    ),
    (
        "controversia constitucional",
        2023,
        "neg-court-vlex-cc-115-2021-zacatecas-mineria",
        "CONTROVERSIA CONSTITUCIONAL",
        "115/2021",
        "SEGUNDA SALA",
    ),
]
FEEDS = {  # feed file -> (source kinds, language, format)
    "prensa-es": (("news",), "es", "rss"),
    "press-en": (("news",), "en", "atom"),
    "ong-academia": (("other",), None, "rss"),
}


def main(dev_path: str) -> None:
    """Write every constructed replay file from the dev items."""
    lines = Path(dev_path).read_text(encoding="utf-8").splitlines()[:DEV_VERSION_1_LINES]
    dev = {row["id"]: row for row in map(json.loads, lines)}
    for folder in ("sidof", "bj", "feeds"):
        (OUT / folder).mkdir(parents=True, exist_ok=True)
    write_gazette(dev)
    write_courts(dev)
    write_feeds(dev)


def write_gazette(dev: dict[str, dict]) -> None:
    days: dict[str, dict[str, list[dict]]] = {}
    for day, edition, cod, branch, issuer, dev_id, title in GAZETTE:
        row = dev.get(dev_id) if dev_id else None
        title = row["title"] if row else title
        body = row["body"] if row else ""
        fecha = datetime.strptime(day, "%Y-%m-%d").strftime("%d-%m-%Y")
        nota = {
            "codNota": cod,
            "titulo": title,
            "fecha": fecha,
            "codDiario": None,
            "codEdicion": edition,
            "codSeccion": "PRIMERA",
            "codOrgaUno": branch[:2],
            "nombreCodOrgaUno": branch,
            "codOrgaDos": issuer,
            "pagina": 1,
            "paginaHasta": 1,
            "existeHtml": "S",
            "existeDoc": "S",
            "existeImagen": "S",
        }
        days.setdefault(fecha, {k: [] for k in SIDOF_LISTS.values()})[SIDOF_LISTS[edition]].append(
            nota
        )
        (OUT / "sidof" / f"docFuente_{cod}.constructed.html").write_text(
            doc_fuente(title, body), encoding="utf-8"
        )
    # The real docFuente 5788395 (tests/fixtures/sidof) listed under its real day and codes.
    days["25-05-2026"] = {k: [] for k in SIDOF_LISTS.values()}
    days["25-05-2026"]["NotasMatutinas"] = [
        {
            "codNota": 5788395,
            "titulo": "AVISO por el que se da a conocer el cambio de domicilio "
            "oficial del Centro Nacional de Conservación y Registro del Patrimonio Artístico Mueble "
            "del Instituto Nacional de Bellas Artes y Literatura",
            "fecha": "25-05-2026",
            "codDiario": 327505,
            "codEdicion": "MAT",
            "codSeccion": "UNICA",
            "codOrgaUno": "PE",
            "nombreCodOrgaUno": "PODER EJECUTIVO",
            "codOrgaDos": "SECRETARIA DE CULTURA",
            "pagina": None,
            "existeHtml": "S",
        },
        # SIDOF's title-less stub rows (SOURCES.md §2.1) must be dropped by the parser.
        {"codNota": 5788396, "titulo": None, "fecha": "25-05-2026", "existeHtml": "N"},
    ]
    for fecha, lists in days.items():
        payload = {
            "messageCode": 200,
            "response": "OK",
            **lists,
            "imagenesDiario": [],
            "audioSumario": [],
        }
        write_json(OUT / "sidof" / f"notas_{fecha}.constructed.json", payload)
    for day in SIDOF_EMPTY_DAYS:
        fecha = datetime.strptime(day, "%Y-%m-%d").strftime("%d-%m-%Y")
        write_json(
            OUT / "sidof" / f"notas_{fecha}.constructed.json",
            {"messageCode": 200, "response": "OK", **{k: [] for k in SIDOF_LISTS.values()}},
        )


def doc_fuente(title: str, body: str) -> str:
    """A nota document in SIDOF's docFuente markup (HTML 4.01, Titulo_1 / Texto classes)."""
    paragraphs = "\n".join(
        f"<p class='Texto'>{html.escape(p.strip())}</p>" for p in body.split(" ... ") if p.strip()
    )
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN" '
        '"http://www.w3.org/TR/html4/strict.dtd"> <HTML> <head> '
        f"<title>{html.escape(title)}</title> </head> <body>\n"
        f"<h1 class='Titulo_1'>{html.escape(title)}</h1>\n{paragraphs}\n</body> </HTML>\n"
    )


def write_courts(dev: dict[str, dict]) -> None:
    groups: dict[tuple[str, int], list[dict]] = {}
    for number, (query, year, dev_id, kind, case, organ) in enumerate(COURTS, start=1):
        row = dev[dev_id]
        fecha = (
            datetime.strptime(row["published"], "%Y-%m-%d").strftime("%d/%m/%Y")
            if row["published"]
            else "01/01/0001"
        )
        groups.setdefault((query, year), []).append(
            {
                "idEngrose": 990000 + number,
                "asuntoID": 990000 + number,
                "numExpediente": case,
                "tipoAsunto": kind,
                "organoRadicacion": organ,
                "ponente": "",
                "votacion": "",
                "fechaResolucion": fecha,
                "anio": year,
                "archivoURL": row["url"],
                "epoca": {"numero": 11, "nombre": "Undécima Época"},
                "rubro": row["title"],
                "extractos": [row["body"]],
            }
        )
    for (query, year), results in groups.items():
        payload = {
            "from": 0,
            "fromTo": len(results),
            "pagina": 1,
            "size": 50,
            "total": len(results),
            "totalPaginas": 1,
            "resultados": results,
        }
        write_json(OUT / "bj" / f"busqueda_{slug(query)}_{year}.constructed.json", payload)
    write_json(
        OUT / "bj" / "busqueda_empty.constructed.json",
        {
            "from": 0,
            "fromTo": 0,
            "pagina": 1,
            "size": 50,
            "total": 0,
            "totalPaginas": 0,
            "resultados": [],
        },
    )


def write_feeds(dev: dict[str, dict]) -> None:
    for name, (kinds, lang, fmt) in FEEDS.items():
        rows = [
            r
            for r in dev.values()
            if r["source_kind"] in kinds and (lang is None or r["lang"] == lang)
        ]
        text = atom(name, rows) if fmt == "atom" else rss(name, rows, lang or "es")
        (OUT / "feeds" / f"{name}.constructed.xml").write_text(text, encoding="utf-8")


def rss(name: str, rows: list[dict], lang: str) -> str:
    items = []
    for row in rows:
        date = f"<pubDate>{rfc822(row['published'])}</pubDate>" if row["published"] else ""
        items.append(
            f"<item><title>{escape(row['title'])}</title><link>{escape(row['url'])}</link>"
            f'<guid isPermaLink="true">{escape(row["url"])}</guid>{date}'
            f"<description>{escape(row['body'])}</description>"
            f"<dc:language>{row['lang']}</dc:language></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Vigía replay: {name} (constructed)</title><link>https://example.invalid/{name}</link>"
        f"<description>Real items from eval/dev.jsonl in an RSS 2.0 feed</description>"
        f"<language>{lang}</language>\n" + "\n".join(items) + "\n</channel></rss>\n"
    )


def atom(name: str, rows: list[dict]) -> str:
    entries = []
    for row in rows:
        updated = f"<updated>{row['published']}T12:00:00Z</updated>" if row["published"] else ""
        entries.append(
            f'<entry><title>{escape(row["title"])}</title><link href="{escape(row["url"])}"/>'
            f"<id>{escape(row['url'])}</id>{updated}"
            f"<summary>{escape(row['body'])}</summary></entry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">'
        f"<title>Vigía replay: {name} (constructed)</title><id>urn:vigia:replay:{name}</id>"
        "<updated>2026-11-01T00:00:00Z</updated>\n" + "\n".join(entries) + "\n</feed>\n"
    )


def rfc822(day: str) -> str:
    return format_datetime(datetime.strptime(day, "%Y-%m-%d").replace(hour=12, tzinfo=UTC))


def slug(text: str) -> str:
    table = str.maketrans("áéíóúñ ", "aeioun-")
    return text.lower().translate(table)


def write_json(path: Path, payload: object) -> None:
    path.write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "eval/dev.jsonl")
