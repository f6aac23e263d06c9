"""Table-driven classifier cases, evidence offsets, versioning and matching details."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from vigia.classify import Classifier, load_demands
from vigia.core.model import Item

ROOT = Path(__file__).resolve().parents[1]
CASES = yaml.safe_load((ROOT / "tests/fixtures/classify_cases.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    return Classifier(load_demands(ROOT / "demands.yaml"))


def item(
    title: str, text: str, kind: str = "news", published: date | None = None, lang: str = "es"
) -> Item:
    return Item(
        source=kind,
        kind=kind,
        external_id=title,
        url="https://example.org/x",
        title=title,
        text=text,
        published=published,
        lang=lang,
    )


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_classifier_cases(classifier: Classifier, case: dict):
    published = case.get("published")  # YAML reads an ISO date as a date
    matches = classifier.classify(
        item(case["title"], case["text"], case["kind"], published, case.get("lang", "es"))
    )
    assert {m.demand_id: m.stance for m in matches} == case["expect"]


def test_evidence_is_the_sentence_that_matched_with_its_offsets(classifier: Classifier):
    text = (
        "El clima fue templado. La Suprema Corte declaró inconstitucional el arraigo local "
        "ordenado por un juez. Otra frase sin relación."
    )
    [match] = classifier.classify(item("Resolución de la Corte", text, "court"))
    assert match.evidence == text[match.evidence_start : match.evidence_end]
    assert match.evidence.startswith("La Suprema Corte declaró inconstitucional el arraigo")
    assert match.stance == "advance"
    assert "arraigo" in match.rule and "inconstitucional" in match.rule


def test_matching_ignores_accents_and_case(classifier: Classifier):
    [match] = classifier.classify(item("LEY NACIONAL DEL REGISTRO DE DETENCIONES", "", "gazette"))
    assert match.demand_id == "detention-registry"
    assert match.evidence == "LEY NACIONAL DEL REGISTRO DE DETENCIONES"


def test_an_accented_cue_does_not_fire_on_its_unaccented_homograph(classifier: Classifier):
    # "publicó" (published) must not fire on "Ministerio Público".
    [match] = classifier.classify(
        item("Arraigo", "El Ministerio Público pidió una orden de arraigo.", "court")
    )
    assert match.stance == "mention"


def test_version_names_the_rules_and_the_demands_file(classifier: Classifier):
    assert classifier.version.startswith("rules-24+")
    assert classifier.version.endswith(classifier.campaign.fingerprint)


def test_long_document_is_scanned_to_the_end(classifier: Classifier):
    filler = "Artículo sin relación con la materia del decreto. " * 20000  # about 1 MB
    text = filler + "Se expide la Ley Nacional del Registro de Detenciones."
    [match] = classifier.classify(item("Decreto", text, "gazette"))
    assert match.demand_id == "detention-registry"
    assert match.evidence_start > 900_000


def test_long_document_names_the_section_that_holds_the_evidence(classifier: Classifier):
    filler = "Disposición sin relación con la materia del decreto. " * 2000
    text = (
        f"CAPÍTULO I\nDisposiciones generales\n{filler}\n"
        f"ARTÍCULO 16.- Registro\nSe expide la Ley Nacional del Registro de Detenciones.\n{filler}"
    )
    [match] = classifier.classify(item("DECRETO", text, "gazette"))
    assert match.evidence == "Se expide la Ley Nacional del Registro de Detenciones."
    assert "section 'ARTÍCULO 16.- Registro'" in match.rule


def test_inflections_match_but_a_shared_short_stem_does_not(classifier: Classifier):
    torture = classifier.classify(
        item("Detenidas torturadas en México", "Las detenidas fueron torturadas por policías.")
    )
    assert [m.demand_id for m in torture] == ["torture-investigation-istanbul"]
    # "periódico" and "periodistas" share the Snowball stem "period"; only inflections count.
    assert (
        classifier.classify(
            item("México", "El periódico publicó una nota sobre protección y amenazas.")
        )
        == []
    )


def test_a_listed_word_far_longer_than_its_stem_still_matches_itself():
    from vigia.classify.text import Lexicon, fold, stem

    # "responsabilidades" stems to "respons": ten letters past the stem, one more than an
    # inflection is allowed to add.
    assert len("responsabilidades") - len(stem("responsabilidades", "es")) == 10
    lexicon = Lexicon({"es": ["responsabilidades penales"]})
    found = lexicon.search(fold("Es necesario fincar responsabilidades penales a los implicados."))
    assert found is not None and found.phrase == "responsabilidades penales"


def test_a_word_derived_from_a_listed_one_is_another_word():
    from vigia.classify.text import Lexicon, fold

    # "información" and "informe" share the stem "inform"; "estudiantes" and "estudio"
    # "estudi": a derivation the listed word lacks is not one of its inflections.
    lexicon = Lexicon({"es": ["informe", "estudio", "investigación"]})
    text = fold(
        "Pidió información a los estudiantes sobre los informes, estudios e investigaciones"
    )
    assert [f.phrase for f in lexicon.finditer(text)] == ["informe", "estudio", "investigación"]


def test_a_phrase_another_branch_swallows_is_still_found_whole():
    from vigia.classify.text import Lexicon

    # "detainees" stems to "detaine": its branch takes "detained" from "detained persons".
    lexicon = Lexicon({"en": ["detainees", "detained persons"]})
    found = lexicon.search("the detained persons were freed")
    assert found is not None and found.phrase == "detained persons"
    assert [f.phrase for f in lexicon.finditer("detainees and detained persons")] == [
        "detainees",
        "detained persons",
    ]


def test_phrases_are_found_only_as_whole_words_wherever_a_search_starts():
    from vigia.classify.text import Lexicon

    lexicon = Lexicon({"es": ["arraigo"]})
    text = "arraigo; desarraigo, (arraigo) y arraigos"
    # At the text's start, after punctuation, never inside a word, and in a window that opens
    # inside a word ("desarraigo" from its "arraigo" is not the word).
    assert [(f.start, f.end) for f in lexicon.finditer(text)] == [(0, 7), (22, 29), (33, 41)]
    assert lexicon.search(text, 12, 20) is None
    assert lexicon.search(text, 1) == lexicon.search(text, 8) == lexicon.search(text, 22)
    assert lexicon.search(text, 21, 29) is not None
    assert lexicon.search(text, 23).start == 33  # from inside a word, the next whole one
    assert not lexicon.may_hold("desarraigo") and lexicon.may_hold("desarraigo y arraigo")


def test_folding_keeps_offsets_and_word_edges_and_leaves_plain_text_ascii():
    from vigia.classify.text import Lexicon, fold

    text = "“El arraigo” —dijo— ¿seguirá? Straße, arraigoß"
    folded = fold(text)
    # One character for one; quotes, dashes and inverted marks part words as spaces do.
    assert len(folded) == len(text)
    assert folded.startswith(" el arraigo   dijo  ") and " seguira?" in folded
    assert fold("“Arraigo” — ¿sí?").isascii()
    # A letter beyond ASCII is still a letter: "arraigoß" is not the word "arraigo".
    lexicon = Lexicon({"es": ["arraigo"]})
    assert [(f.start, f.end) for f in lexicon.finditer(folded)] == [(4, 11)]
    assert [(f.start, f.end) for f in lexicon.finditer(fold("El arraigo”"))] == [(3, 10)]


def test_cue_phrases_keep_their_accents_and_are_found_only_as_whole_words():
    from vigia.classify.text import CuePhrases

    cues = CuePhrases(["publicó", "entró en vigor"])
    text = "publicó; republicó el Ministerio Público, que entró  en vigor"
    # At the text's start and across any spacing, never inside a word, and "Público" (no
    # verb) is not "publicó" while the text keeps its accents.
    assert list(cues.finditer(text.lower())) == [(0, 7), (46, 61)]
    assert cues.search("el ministerio público") is None
    # A text that lost every accent is read folded.
    assert cues.search("el decreto se publico ayer") == (14, 21)
    assert cues.search("") is None and CuePhrases([]).search("publicó") is None


@pytest.mark.parametrize("campaign_file", ["demands.yaml", "defenders.yaml"])
def test_every_phrase_of_the_shipped_campaigns_is_found_whole(campaign_file: str):
    from vigia.classify.demands import ACTOR_KINDS
    from vigia.classify.text import Lexicon, fold

    campaign = load_demands(ROOT / campaign_file)
    reading = campaign.reading
    # The lists the classifier matches by stem, grouped as it scans them: one scan per group.
    scans = {
        "scope": [campaign.scope],
        "terms": [group for d in campaign.demands for group in (d.key_terms, d.terms)],
        "actors": [reading.get(f"actors.{kind}", {}) for kind in ACTOR_KINDS],
        "instruments": [reading.get(k, {}) for k in ("instruments", "money", "abuses", "accounts")],
    }
    for demand in campaign.demands:
        scans[f"{demand.id} objects"] = [demand.wants, demand.ends]
        scans[f"{demand.id} context"] = [demand.context]
        scans[f"{demand.id} exclude"] = [demand.exclude]
        scans[f"{demand.id} cues"] = list(demand.stance.values())
    missed = []
    for name, groups in scans.items():
        lexicon = Lexicon.tagged(enumerate(groups))
        for phrase in (p for group in groups for p in _phrases(group)):
            text = " ".join(fold(phrase).replace(",", " ").split())
            found = lexicon.search(text)
            if found is None or (found.start, found.end) != (0, len(text)):
                missed.append((name, phrase, found))
    assert missed == []


# Characters beside a phrase, in ASCII, in Latin-1 and beyond it: the scans read a text by which
# of the three it is written in. Those that part words, then those that do not.
GAPS = [" ", "\t", "\n", ",", "(", "'", "-", ":", "\xa0", "«", "¿", "“", "—", "…"]
SPACINGS = [" ", "  ", "\t", "\n", "\xa0", " \n "]
WORD_CHARACTERS = ["a", "7", "_", "ñ", "é", "ß", "ª", "²", "ş", "ж", "٣"]


def test_a_phrase_is_found_only_between_characters_that_part_words_whatever_the_text_is_in():
    import random

    from vigia.classify.text import CuePhrases, Lexicon, fold

    campaign = load_demands(ROOT / "demands.yaml")
    groups = [group for d in campaign.demands for group in (d.key_terms, d.terms)]
    terms = Lexicon.tagged(enumerate(groups))
    cue_phrases = [p for d in campaign.demands for g in d.stance.values() for p in _phrases(g)]
    cues = CuePhrases(cue_phrases)
    chance = random.Random(7)
    sides = [*GAPS, *WORD_CHARACTERS]
    checked = 0
    for scan, phrases, spans_of in (
        (terms, [fold(p) for g in groups for p in _phrases(g)], _lexicon_spans),
        (cues, [p.lower() for p in cue_phrases], _cue_spans),
    ):
        for phrase in chance.sample(phrases, 150):
            # Its words parted by any spacing: both scans take any.
            phrase = chance.choice(SPACINGS).join(phrase.replace(",", " ").split())
            for before, after in [(chance.choice(sides), chance.choice(sides)) for _ in range(12)]:
                parted = before in GAPS and after in GAPS
                start = len(f"el{before}")
                text = f"el{before}{phrase}{after}y"
                # The same text in ASCII or Latin-1 if it was, then beyond Latin-1.
                for tail in ("", " “"):
                    found = (start, start + len(phrase)) in spans_of(scan, text + tail)
                    assert found == parted, (phrase, before, after, tail)
                    checked += 1
    assert checked == 2 * 150 * 12 * 2


def _lexicon_spans(lexicon, text: str) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in lexicon.finditer(text)]


def _cue_spans(cues, text: str) -> list[tuple[int, int]]:
    return list(cues.finditer(text))


def _phrases(groups: dict) -> list[str]:
    return [phrase for group in groups.values() for phrase in group]


def test_sentences_do_not_end_at_initials_or_abbreviations():
    from vigia.classify.text import sentence_spans

    text = "Juan E. Méndez presentó su informe. El Art. 16 dice otra cosa. Fin."
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Juan E. Méndez presentó su informe.",
        "El Art. 16 dice otra cosa.",
        "Fin.",
    ]


def test_language_is_detected_for_spanish_and_english_and_not_guessed_from_nothing():
    from vigia.classify.lang import detect_language

    assert detect_language("La Suprema Corte invalidó el arraigo en los estados") == "es"
    assert detect_language("The Supreme Court struck down arraigo in the states") == "en"
    assert detect_language("SCJN 2014") is None


def test_stance_rule_names_the_actor_the_act_and_the_object(classifier: Classifier):
    [match] = classifier.classify(
        item(
            "El fondo de protección a periodistas en México",
            "Reporteros Sin Fronteras condenó que el Senado aprobara la extinción del fideicomiso "
            "del Mecanismo de Protección para Personas Defensoras de Derechos Humanos y Periodistas.",
        )
    )
    assert match.stance == "regress"
    assert "senado 'extinción' [end] → 'fideicomiso' (wanted)" in match.rule
    assert match.evidence.startswith("Reporteros Sin Fronteras condenó")


def test_a_presidents_denial_is_news_for_what_it_denies(classifier: Classifier):
    # Constructed sentences. "tortura" alone lacks the torture demand's context; as the object
    # of the president's denial it is that demand's setback too (eval/README.md, principle 5).
    denial = item(
        "AMLO asegura que en su gobierno ya no hay tortura",
        "Andrés Manuel López Obrador afirmó en su conferencia de prensa que en su gobierno ya no "
        "se tortura y que las Fuerzas Armadas respetan los derechos humanos.",
    )
    found = {m.demand_id: m for m in classifier.classify(denial)}
    assert {d: m.stance for d, m in found.items()} == {
        "presidential-accountability-statement": "regress",
        "torture-investigation-istanbul": "regress",
    }
    assert (
        "named in a denial or shielding statement" in found["torture-investigation-istanbul"].rule
    )
    # A pledge is no denial: torture stays a mention there; a denial of something else is
    # nobody's news.
    pledge = item(
        "El presidente promete castigo por casos de tortura",
        "El presidente prometió que no habrá impunidad en los casos de tortura documentados por "
        "la CNDH y que los responsables serán sancionados.",
    )
    assert {m.demand_id: m.stance for m in classifier.classify(pledge)} == {
        "presidential-accountability-statement": "advance",
        "torture-investigation-istanbul": "mention",
    }
    fuel = item(
        "El presidente niega alza en el precio de la gasolina",
        "El presidente negó en la mañanera que vaya a subir el precio de la gasolina.",
    )
    assert classifier.classify(fuel) == []


def test_a_demand_named_in_the_title_does_not_yield_to_one_named_only_in_the_body(
    classifier: Classifier,
):
    # Constructed sentences. Torture yields to the UN torture bodies when they share a story;
    # not when torture is the title's news and the UN committee only its background.
    ruling = item(
        "La Corte obliga a jueces a investigar denuncias de tortura",
        "La Primera Sala emitió jurisprudencia según la cual los jueces deben ordenar de oficio "
        "la investigación de toda denuncia de tortura. Años atrás, el Comité contra la Tortura "
        "de la ONU había señalado que los jueces rara vez lo hacían.",
    )
    found = {m.demand_id: m.stance for m in classifier.classify(ruling)}
    assert found["torture-investigation-istanbul"] == "advance"
    # Named in the title, the committee's story keeps torture as its own.
    review = item(
        "Comité contra la Tortura de la ONU revisa a México",
        "El Comité contra la Tortura de la ONU examinó el informe de México y expresó su "
        "preocupación por las denuncias de tortura en centros de detención.",
    )
    assert "torture-investigation-istanbul" not in {
        m.demand_id for m in classifier.classify(review)
    }


def test_the_crime_both_demands_track_keeps_the_law_beside_soldiers_tried_for_it(
    classifier: Classifier,
):
    # Constructed sentences. The law yields to military justice where soldiers are the story,
    # unless the crime it names ("desaparición forzada") is what they are tried for.
    conviction = item(
        "Sentencian a marinos por desaparición forzada en Nuevo Laredo",
        "Un juez federal sentenció a 30 años de prisión a cuatro marinos por la desaparición "
        "forzada de un joven, en el primer juicio de ese tipo que concluye en un tribunal civil.",
    )
    assert {m.demand_id: m.stance for m in classifier.classify(conviction)} == {
        "disappearance-investigation-law": "advance",
        "military-justice": "advance",
    }
    # Relatives of the disappeared in a story about military courts stay military justice's.
    relatives = item(
        "Juez militar conocerá del caso de soldados acusados de matar a civiles",
        "Familiares de desaparecidos acompañaron a las víctimas, que pidieron que el caso pase "
        "a un juez civil.",
    )
    assert "disappearance-investigation-law" not in {
        m.demand_id for m in classifier.classify(relatives)
    }


def test_a_practice_counted_higher_is_a_setback_and_lower_a_step(classifier: Classifier):
    # Constructed sentences, with no act: the count of what the demand wants ended moves it.
    more = item(
        "Requests for arraigo rise again in Mexico",
        "Federal prosecutors requested 148 arraigo orders in 2024, up from 52 in 2022, "
        "according to data from the Federal Judiciary Council.",
    )
    fewer = item(
        "Datos del Consejo de la Judicatura",
        "En 2024 hubo 40 órdenes de arraigo, frente a 310 en 2015, según datos del Consejo de "
        "la Judicatura Federal.",
    )
    assert {m.demand_id: m.stance for m in classifier.classify(more)} == {
        "arraigo-abolition": "regress"
    }
    [match] = classifier.classify(fewer)
    assert match.stance == "advance"
    # Complaints counted that name the practice are not the practice counted.
    complaints = item(
        "Complaints against migration agents rise in Mexico",
        "Mexico's human rights commission received 1,200 complaints against National Migration "
        "Institute agents in 2024, up from 700 in 2023, most for arbitrary detention of migrants.",
    )
    assert {m.demand_id: m.stance for m in classifier.classify(complaints)} == {
        "migrants-abuses": "mention"
    }


def test_a_critics_quoted_judgement_is_no_act_but_a_quoted_act_is_the_states(
    classifier: Classifier,
):
    # Constructed sentences. A quotation with no act that an outside body is said to have
    # spoken judges; one that tells the state's act reports it.
    judgement = item(
        "Asesinan a periodista protegido",
        "“Incluso con medidas de protección se asesina a periodistas; ahí ha fallado el "
        "mecanismo”, afirmó el director de la organización Artículo 19.",
    )
    [match] = classifier.classify(judgement)
    assert (match.demand_id, match.stance) == ("defenders-journalists-protection", "mention")
    assert "a critic's judgement" in match.rule
    report = item(
        "Critican recorte al mecanismo",
        "“Es un recorte brutal a los recursos del Mecanismo de Protección para periodistas”, "
        "denunció el director de la organización Artículo 19.",
    )
    assert {m.demand_id: m.stance for m in classifier.classify(report)} == {
        "defenders-journalists-protection": "regress"
    }


def test_an_actor_named_after_a_semicolon_did_not_do_the_first_clauses_act(
    classifier: Classifier,
):
    # Constructed title: two clauses; the collectives accuse, the unnamed chamber approves.
    [match] = [
        m
        for m in classifier.classify(
            item(
                "Aprueban reforma a la Ley General en Materia de Desaparición; colectivos protestan",
                "",
            )
        )
        if m.demand_id == "disappearance-investigation-law"
    ]
    assert match.stance == "advance"
    assert "colectivos" not in match.rule


def test_an_undated_items_older_years_are_its_history(classifier: Classifier):
    # Constructed text with no date: the latest year it tells an event in stands for its own,
    # so the registry created in 2012 is background and the 2023 publication the news.
    story = item(
        "Historia del registro",
        "En 2012 se creó el Registro Nacional de Datos de Personas Extraviadas o Desaparecidas. "
        "En 2023 la Comisión Nacional de Búsqueda publicó una nueva versión del registro.",
        kind="other",
    )
    [match] = [m for m in classifier.classify(story) if m.demand_id == "missing-persons-database"]
    assert "'publicó'" in match.rule and "'creó'" not in match.rule
