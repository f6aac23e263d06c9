"""Constructed items shared by tests: short texts written for the tests, not recorded pages."""

from __future__ import annotations

from datetime import date

from vigia.core.model import Item


def item(
    key: str, kind: str, title: str, text: str, *, day: date | None = None, outlet: str = ""
) -> Item:
    """An item of this kind, at https://example.org/<key>, in Spanish."""
    meta = {"outlet": outlet} if outlet else {}
    return Item(kind, kind, key, f"https://example.org/{key}", title, text, day, "es", meta)


# The detention-registry law: a chamber's vote, its publication, a ruling striking it down.
REGISTRY_VOTE = item(
    "vote",
    "news",
    "Diputados aprueban la Ley Nacional del Registro de Detenciones en México",
    "El pleno de la Cámara de Diputados aprobó la Ley Nacional del Registro de Detenciones.",
    day=date(2019, 4, 20),
)
REGISTRY_DECREE = item(
    "decree",
    "gazette",
    "DECRETO por el que se expide la Ley Nacional del Registro de Detenciones",
    "Se expide la Ley Nacional del Registro de Detenciones.",
    day=date(2019, 5, 27),
)
REGISTRY_STRUCK_DOWN = item(
    "ruling",
    "court",
    "Acción de inconstitucionalidad 63/2019",
    "El Pleno de la Suprema Corte invalida la Ley Nacional del Registro de Detenciones.",
    day=date(2023, 1, 24),
)
# A ruling against local arraigo: advances the arraigo demand.
ARRAIGO_RULING = item(
    "arraigo-ruling",
    "court",
    "Acción de inconstitucionalidad sobre el arraigo",
    "La Suprema Corte declaró inconstitucional el arraigo decretado por jueces locales.",
)
