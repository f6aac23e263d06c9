"""Diario Oficial de la Federación: SIDOF's JSON daily index, dof.gob.mx HTML as fallback.

SIDOF lists every nota of a day by edition (matutina, vespertina,
extraordinaria) and serves each nota's own HTML at ``/notas/docFuente/{cod}``.
When SIDOF answers an empty 200 (a lost day, an outage, or no edition) we ask
dof.gob.mx's ``index_111.php`` with an explicit ``edicion``, because without
it the site hides the matutina. See docs/reference/SOURCES.md §1-2.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal
from urllib.parse import parse_qs, urljoin, urlsplit

from pydantic import StrictBool

from vigia.core.errors import FetchError, ParseError, WrongDay
from vigia.core.model import Item, compact_meta
from vigia.core.text import one_line
from vigia.scrapers.base import (
    Page,
    ReplayRoute,
    Source,
    SourceSettings,
    WebAddress,
    Window,
    failed_page,
)
from vigia.scrapers.http import HttpClient
from vigia.scrapers.text import decode, html_to_text, soup

log = logging.getLogger(__name__)

SIDOF_LISTS = {"NotasMatutinas": "MAT", "NotasVespertinas": "VES", "NotasExtraordinarias": "EXT"}
# The editions' names, carried in each item's metadata so alerts can show them.
EDITION_NAMES = {"MAT": "Matutina", "VES": "Vespertina", "EXT": "Extraordinaria"}
_FECHA = re.compile(r"Fecha:\s*(\d{2}/\d{2}/\d{4})")


class GazetteSettings(SourceSettings):
    """The gazette's keys in sources.yaml."""

    sidof_url: WebAddress | None = None
    dof_url: WebAddress | None = None
    sidof_public_url: WebAddress | None = None
    dof_public_url: WebAddress | None = None
    editions: list[Literal["MAT", "VES", "EXT"]] | None = None
    full_text: StrictBool | None = None


class GazetteSource(Source):
    """Diario Oficial de la Federación (DOF) via SIDOF, both editions, HTML index fallback."""

    name = "gazette"
    kind = "gazette"
    replay_routes = (
        ReplayRoute(
            r"/sidof/dof/sidof/notas/(?P<day>\d{2}-\d{2}-\d{4})",
            # A day with no file: SIDOF's empty answer (HTTP 200, no notas).
            (
                "replay/sidof/notas_{day}.constructed.json",
                "replay/sidof/notas_empty.constructed.json",
            ),
            "application/json; charset=utf-8",
        ),
        ReplayRoute(
            r"/sidof/notas/docFuente/(?P<cod>\d+)",
            ("sidof/docFuente_{cod}.html", "replay/sidof/docFuente_{cod}.constructed.html"),
            "text/html; charset=UTF-8",
        ),
        ReplayRoute(
            r"/dof/index_111\.php",
            # No recorded index for that day and edition: the real site's "no edition" page.
            ("dof/index_{year}-{month}-{day}_{edicion}.html", "dof/index_2026-07-26_EMPTY.html"),
            "text/html; charset=UTF-8",
        ),
    )
    dated = True
    settings = GazetteSettings
    backfill_chunk_days = 7
    # An edition is not changed once published; two days leave room for a late extraordinary
    # edition and for SIDOF's own delay in listing a day's notas.
    final_after_days = 2

    @property
    def sidof_url(self) -> str:
        return str(self.config.get("sidof_url", "https://sidof.segob.gob.mx")).rstrip("/")

    @property
    def dof_url(self) -> str:
        return str(self.config.get("dof_url", "https://www.dof.gob.mx")).rstrip("/")

    @property
    def sidof_public_url(self) -> str:
        return str(self.config.get("sidof_public_url", self.sidof_url)).rstrip("/")

    @property
    def dof_public_url(self) -> str:
        return str(self.config.get("dof_public_url", self.dof_url)).rstrip("/")

    @property
    def editions(self) -> list[str]:
        return list(self.config.get("editions", ["MAT", "VES", "EXT"]))

    def fetch(self, http: HttpClient, window: Window) -> list[Page]:
        """Fetch each day's SIDOF index and nota texts, or the DOF HTML indexes if it is empty."""
        pages: list[Page] = []
        for day in window.days:
            pages += self._fetch_day(http, day, window.known)
        return pages

    def _fetch_day(self, http: HttpClient, day: date, known: frozenset[str]) -> list[Page]:
        context = {"day": day.isoformat()}
        try:
            index = http.get(
                f"{self.sidof_url}/dof/sidof/notas/{day:%d-%m-%Y}", "sidof-index", context=context
            )
            notas = sidof_notas(index)
        except (FetchError, ParseError) as exc:
            log.warning("SIDOF index for %s unusable (%s); falling back to dof.gob.mx", day, exc)
            notas, index = [], None
        if notas and index is not None:
            # Notas stored with their text are not fetched again; parse leaves them out.
            stored = sorted(str(n["codNota"]) for n in notas if str(n["codNota"]) in known)
            index = replace(index, context=index.context | {"known": stored})
            fresh = [n for n in notas if str(n["codNota"]) not in known]
            return [index, *self._fetch_texts(http, fresh, day)]
        return [self._fetch_dof_index(http, day, edition) for edition in self.editions]

    def _fetch_texts(self, http: HttpClient, notas: list[dict[str, Any]], day: date) -> list[Page]:
        if not self.config.get("full_text", True):
            return []
        pages = []
        for nota in notas:
            if nota.get("existeHtml", "S") != "S":
                continue
            cod = str(nota["codNota"])
            try:
                pages.append(
                    http.get(
                        f"{self.sidof_url}/notas/docFuente/{cod}", "sidof-doc", context={"cod": cod}
                    )
                )
            except FetchError as exc:
                # The item is still stored with its title; the text comes on a later run (the
                # day is not final until it does).
                pages.append(failed_page(exc, cod=cod, day=day.isoformat()))
        return pages

    def _fetch_dof_index(self, http: HttpClient, day: date, edition: str) -> Page:
        params = {"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}", "edicion": edition}
        context = {"day": day.isoformat(), "edition": edition}
        try:
            page = http.get(
                f"{self.dof_url}/index_111.php", "dof-index", params=params, context=context
            )
            # The site sometimes serves another day: a failure of this day, found before parsing.
            served_day(page, decode(page.body, page.content_type))
        except FetchError as exc:
            return failed_page(exc, **context)
        except WrongDay as exc:
            # Not this day's index: the day is asked again next run (and is not final).
            return failed_page(FetchError(str(exc), url=page.url), **context)
        return page

    def parse(self, pages: list[Page]) -> list[Item]:
        """Build items from SIDOF indexes (with nota texts) and DOF HTML indexes."""
        texts = {p.context["cod"]: parse_doc_fuente(p) for p in pages if p.role == "sidof-doc"}
        items: list[Item] = []
        for page in pages:
            if page.role == "sidof-index":
                known = set(page.context.get("known", ()))
                items += [
                    self._sidof_item(n, texts.get(str(n["codNota"])))
                    for n in sidof_notas(page)
                    if str(n["codNota"]) not in known or str(n["codNota"]) in texts
                ]
            elif page.role == "dof-index":
                items += self._dof_items(page)
        return _unique(items)

    def _sidof_item(self, nota: dict[str, Any], doc: tuple[str, str] | None) -> Item:
        cod = str(nota["codNota"])
        title = one_line(nota["titulo"])
        text = doc[1] if doc else ""
        return Item(
            source=self.name,
            kind=self.kind,
            external_id=cod,
            url=f"{self.sidof_public_url}/notas/{cod}",
            title=title,
            text=text,
            published=_parse_date(nota.get("fecha"), "%d-%m-%Y"),
            lang="es",
            meta=compact_meta(
                {
                    "code": cod,
                    "edition": nota.get("edition"),
                    "edition_name": EDITION_NAMES.get(str(nota.get("edition"))),
                    "section": one_line(str(nota.get("codSeccion") or "")).title(),
                    "branch": one_line(str(nota.get("nombreCodOrgaUno") or "")),
                    "issuer": one_line(str(nota.get("codOrgaDos") or "")),
                    "page": nota.get("pagina"),
                    "cod_diario": nota.get("codDiario"),
                    "via": "sidof",
                }
            ),
        )

    def _dof_items(self, page: Page) -> list[Item]:
        try:
            notas = dof_index_notas(page)
        except WrongDay as exc:
            log.warning("%s", exc)
            return []
        return [
            Item(
                source=self.name,
                kind=self.kind,
                external_id=n["code"],
                url=f"{self.dof_public_url}/nota_detalle.php?codigo={n['code']}&fecha={n['fecha']}",
                title=n["title"],
                text="",
                published=_parse_date(n["fecha"], "%d/%m/%Y"),
                lang="es",
                meta=compact_meta(
                    {k: n.get(k) for k in ("code", "edition", "section", "branch", "issuer")}
                    | {"edition_name": EDITION_NAMES.get(str(n.get("edition"))), "via": "dof"}
                ),
            )
            for n in notas
        ]


def sidof_notas(page: Page) -> list[dict[str, Any]]:
    """Titled notas of a SIDOF ``/notas/{DD-MM-YYYY}`` JSON page, tagged with their edition."""
    try:
        data = json.loads(page.body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParseError(f"SIDOF index at {page.url} is not JSON: {exc}") from exc
    if not isinstance(data, dict) or str(data.get("messageCode", "200")) != "200":
        raise ParseError(f"SIDOF index at {page.url} reports an error: {str(data)[:200]}")
    notas = []
    for key, edition in SIDOF_LISTS.items():
        for nota in data.get(key) or []:
            # SIDOF lists title-less stub rows it uses internally; they are not notas.
            if isinstance(nota, dict) and nota.get("titulo") and nota.get("codNota"):
                notas.append(nota | {"edition": nota.get("codEdicion") or edition})
    return notas


def parse_doc_fuente(page: Page) -> tuple[str, str]:
    """Title and body text of a nota's own HTML document (``/notas/docFuente/{cod}``)."""
    tree = soup(decode(page.body, page.content_type))
    title = one_line(tree.title.get_text()) if tree.title else ""
    return title, html_to_text(tree)


def served_day(page: Page, text: str) -> date | None:
    """The day a dof.gob.mx page shows an edition of ("Fecha: DD/MM/YYYY"), None when it shows
    none; WrongDay if it is another day than the one asked for."""
    echo = _FECHA.search(text)
    if echo is None:
        return None
    requested = page.context.get("day")
    shown = datetime.strptime(echo.group(1), "%d/%m/%Y").date()
    if requested and shown.isoformat() != requested:
        raise WrongDay(f"asked dof.gob.mx for {requested}, it served {shown}")
    return shown


def dof_index_notas(page: Page) -> list[dict[str, str]]:
    """Notas of a dof.gob.mx ``index_111.php`` page; [] when the site shows no edition.

    The page is a flat table: section, branch and issuer rows precede the nota
    links they govern, so we walk the cells in document order.
    """
    tree = soup(decode(page.body, page.content_type))
    shown = served_day(page, tree.get_text(" "))
    if shown is None:
        return []  # the homepage instead of an index: no edition that day
    state = {"section": "", "branch": "", "issuer": ""}
    notas: list[dict[str, str]] = []
    for cell in tree.find_all(["td", "a"]):
        classes: Any = cell.get("class") or []  # bs4: a list of class names, or absent
        if cell.name == "td" and "txt_blanco" in classes:
            state = {"section": one_line(cell.get_text()).title(), "branch": "", "issuer": ""}
        elif cell.name == "td" and "txt_blanco2" in classes:
            state |= {"branch": one_line(cell.get_text()), "issuer": ""}
        elif cell.name == "td" and "subtitle_azul" in classes:
            state["issuer"] = one_line(cell.get_text())
        elif cell.name == "a":
            nota = _nota_link(cell, page)
            if nota and nota["fecha"] == f"{shown:%d/%m/%Y}":
                notas.append(nota | state | {"edition": str(page.context.get("edition", ""))})
    return notas


def _nota_link(anchor: Any, page: Page) -> dict[str, str] | None:
    # Only nota_detalle links are notas; nota_to_doc links on issuer rows are decoys
    # numbered from the same sequence, and "most read" links carry other dates.
    href = anchor.get("href") or ""
    if "nota_detalle.php" not in href or "enlaces" not in (anchor.get("class") or []):
        return None
    query = parse_qs(urlsplit(urljoin(page.url, href)).query)
    code, fecha = query.get("codigo", [""])[0], query.get("fecha", [""])[0]
    title = one_line(anchor.get_text())
    if not (code.isdigit() and fecha and title):
        return None
    return {"code": code, "fecha": fecha, "title": title}


def _parse_date(value: Any, fmt: str) -> date | None:
    try:
        return datetime.strptime(str(value), fmt).date()
    except ValueError:
        return None


def _unique(items: list[Item]) -> list[Item]:
    seen: dict[str, Item] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return list(seen.values())
