"""Stance as a reading of who did what to which object.

A sentence is read for acts of six kinds: create (publish, fund, strengthen, accept), end
(abolish, cut, suspend, strike down), keep (uphold, validate, declare constitutional), deny
(dispute findings, deny the abuse), prosecute (charge, arrest, convict) and clear (acquit, free,
shield). Each create/end/keep act takes its direction from the nearest object in its reach: a
thing the demand wants (the registry, the fund, civilian courts) or wants ended (arraigo,
military jurisdiction). Ending a wanted thing is a regress, ending an unwanted one an advance;
deny and clear are regressions and prosecute an advance whatever their object.

The act is then read in its setting: a negation or a blocking verb before it ("no ha
publicado", "frena la eliminación") turns it; a proposal or request ("propone eliminar") makes
it only a mention; an external body acting on its own (a UN committee that "determined") makes it
a mention, while an external body that only reports the state's act ("condena la extinción del
fondo") leaves the act to the state; a dissenting vote and an act told as backdrop ("desde que se
creó") do not count. Denials count only when a state body is named as the one speaking.

Pure functions over lower-cased and folded sentences; every reading names its actor, act and
object, so a match can say why it got its stance.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from vigia.classify.demands import ACT_KINDS, ACTOR_KINDS, Campaign, Demand
from vigia.classify.text import CuePhrases, Lazy, Lexicon, fold

ADVANCE, REGRESS, MENTION = "advance", "regress", "mention"
WANTED, ENDED = "wanted", "ended"
# What a sentence names besides the demand's own objects (reading lists of demands.yaml).
INSTRUMENT, MONEY, ABUSE, ACCOUNT = "instrument", "money", "abuse", "account"
VOICE = "voice"
# Direction of an act on a thing the demand wants; on a thing it wants ended, the opposite.
_ON_WANTED = {"create": ADVANCE, "end": REGRESS, "keep": ADVANCE}
# Direction whatever the object.
_FIXED = {"deny": REGRESS, "prosecute": ADVANCE, "clear": REGRESS}
_OPPOSITE = {ADVANCE: REGRESS, REGRESS: ADVANCE}
# Acts whose direction needs no object: what is denied or who is cleared.
_NEED_NO_OBJECT = ("deny", "clear")
# How far an object may stand from its act: after it ("elimina el fondo para la protección")
# or before it ("el arraigo es constitucional", "the fund was scrapped").
_WORDS_AFTER, _WORDS_BEFORE = 9, 5
# An object of the demand's own lists weighs more than a generic instrument, which weighs more
# than none (the act then takes the polarity of the demand's terms in the sentence).
_OWN_OBJECT, _INSTRUMENT, _NO_OBJECT = 2.0, 1.5, 1.0
# A state body this close before an act is its doer, whoever the sentence's subject is.
_CLOSE_ACTOR = 6
# An external body's own act (a report, a ruling abroad, a critic's word) is a mention, and it
# weighs half an act of the state's: where the text also tells what the state did, that decides
# (eval/README.md, principle 1).
_EXTERNAL_OWN = "an external body's own act"
_EXTERNAL_SHARE = 0.5

_WORD = re.compile(r"\w+")
_AGENT = re.compile(
    r"(?<!\w)(?:por|by)\s+(?:(?:parte|miembros|elementos|agentes|integrantes|personal|members|"
    r"agents|personnel)\s+(?:del?|of)\s+)?(?:(?:el|la|los|las|the)\s+)?"
    # "integrado por cinco expertos", "signed by three judges": a count before the agent.
    r"(?:(?:\d+|un|una|unos|unas|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|varios|"
    r"varias|a|an|two|three|four|five|six|seven|eight|nine|ten|several)\s+)?$"
    # The subject of a relative clause, after its verb ("el amparo que promovieron los
    # familiares"), did that clause's act, not what the sentence goes on to tell.
    r"|(?<!\w)que\s+\w+(?:ó|ron|so)\s+(?:(?:el|la|los|las)\s+)?$"
)
# "su grupo coordinador, integrado por cinco expertos", "a panel made up of judges": the
# members a body is made of, not a doer of the sentence's act.
_MADE_UP_OF = re.compile(
    r"(?<!\w)(?:integrad[oa]s?|conformad[oa]s?|formad[oa]s?|compuest[oa]s?|"
    r"made\s+up|composed|formed)\s+(?:por|of|by)\s+(?:[\w-]+\s+){0,2}$"
)
# How far before an actor its "por los", "que promovieron los" can begin (the longest,
# "por parte de integrantes de los ", is 32 characters).
_AGENT_REACH = 60
# The campaign's stance cue lists a sentence's acts are read against.
_SENTENCE_CUES = ("proposal", "decided", "negation", "background")


# Mutable on purpose: a frozen dataclass's generated constructor sets each field through
# object.__setattr__, about five times the cost, and the classifier makes one per act read.
@dataclass
class Reading:
    """One act read in a sentence: its stance for a demand and what decided it."""

    stance: str
    act: str
    kind: str
    object: str
    polarity: str
    actor: str
    setting: str
    weight: float
    start: int

    @property
    def rule(self) -> str:
        """Who did what to which object, and how it was read."""
        actor = self.actor or "unnamed actor"
        target = f" → {self.object!r} ({self.polarity})" if self.object else ""
        setting = f", {self.setting}" if self.setting else ""
        return f"{self.stance}: {actor} {self.act!r} [{self.kind}]{target}{setting}"


class _Span:
    """A phrase found in a sentence: where it is, as written, and the list it came from."""

    # A plain class, not a NamedTuple or a dataclass: every act, actor, cue and object found is
    # one, and mypyc builds a plain class without calling back into the interpreter (a
    # NamedTuple's or a dataclass's generated constructor is interpreted: 0.4 to 1.2 µs a call).
    # Spans are compared as objects: a span is found once, and lists of them hold the same ones.
    __slots__ = ("start", "end", "text", "tag")

    def __init__(self, start: int, end: int, text: str, tag: str = "") -> None:
        self.start = start
        self.end = end
        self.text = text
        self.tag = tag

    def retagged(self, tag: str) -> _Span:
        """The same phrase, from another list."""
        return _Span(self.start, self.end, self.text, tag)

    def __repr__(self) -> str:
        return f"_Span({self.start}, {self.end}, {self.text!r}, {self.tag!r})"


def _flat(groups: Mapping[str, Iterable[str]]) -> list[str]:
    return [phrase for group in groups.values() for phrase in group]


class _TaggedAccented:
    """Several lists of literal phrases in one regex; each phrase found says its lists."""

    def __init__(self, lists: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._tags: dict[str, list[str]] = {}
        phrases = []
        for tag, group in lists:
            for phrase in group:
                for key in {" ".join(phrase.lower().split()), " ".join(fold(phrase).split())}:
                    tags = self._tags.setdefault(key, [])
                    if tag not in tags:
                        tags.append(tag)
                phrases.append(phrase)
        self._phrases = CuePhrases(phrases)

    def spans(self, lowered: str) -> list[_Span]:
        """Every phrase found, once per list that holds it."""
        found = []
        for start, end in self._phrases.finditer(lowered):
            surface = lowered[start:end]
            found += [_Span(start, end, surface, tag) for tag in self._tags_of(surface)]
        return found

    def _tags_of(self, surface: str) -> list[str]:
        tags = self._tags.get(surface)
        if tags is None:
            # Spacing or lost accents: the phrase as listed, by its normalised key.
            key = " ".join(surface.split())
            tags = self._tags.get(key) or self._tags.get(fold(key)) or []
        return tags


# Spanish compound tenses: "ha negado", "haya rechazado", "han sido liberados". A third party
# condemning or regretting an act tells it in the subjunctive ("condenó que el gobierno haya
# rechazado las recomendaciones"), so the act lists' preterites are read in these forms too.
# The pluperfect and the conditional are left out: they tell background or hypotheses.
_COMPOUND = re.compile(
    r"\b(?:he|ha|han|hemos|haya|hayan)\s+(?:sido\s+)?([a-zñ]+?)(ad|id)(?:o|a|os|as)\b"
)


class _CompoundTenses:
    """The acts listed as one-word Spanish preterites ("negó", "extendió"), found in compound
    tenses by their participles ("ha negado", "hayan extendido")."""

    def __init__(self, lists: Iterable[tuple[str, Iterable[str]]]) -> None:
        self._kinds: dict[str, list[str]] = {}
        for kind, group in lists:
            for phrase in group:
                participle = _participle(phrase.lower())
                if participle and kind not in self._kinds.get(participle, []):
                    self._kinds.setdefault(participle, []).append(kind)

    def spans(self, lowered: str) -> list[_Span]:
        """Every compound form of a listed act, once per list that holds its verb."""
        found = []
        for compound in _COMPOUND.finditer(lowered):
            participle = compound.group(1) + compound.group(2) + "o"
            # The participle is the act; the auxiliary before it stays where a negation's
            # reading looks for it ("no ha cumplido": still not done).
            start, end = compound.start(1), compound.end()
            for kind in self._kinds.get(participle, ()):
                found.append(_Span(start, end, lowered[start:end], kind))
        return found


def _participle(phrase: str) -> str:
    """The participle of a one-word preterite ("negó" → "negado", "extendió" → "extendido");
    "" for anything else. A wrong guess for an irregular verb never occurs in text, so it does
    no harm."""
    if " " in phrase:
        return ""
    # Two spelling changes of common verbs: "disminuyó" → "disminuido", "redujo" → "reducido".
    if phrase.endswith("uyó"):
        return phrase[:-2] + "ido"
    if phrase.endswith("dujo"):
        return phrase[:-4] + "ducido"
    if not phrase.endswith("ó"):
        return ""
    if phrase.endswith("ió"):
        return phrase[:-2] + "ido"
    return phrase[:-1] + "ado"


# Mutable on purpose, as Reading is.
@dataclass
class _Sentence:
    """What a sentence says whatever the demand: its acts, actors, instruments and cues."""

    acts: list[_Span]
    doers: list[_Span]  # the actors less those who only speak for the state by name
    # Actors and doers less those brought in by "por"/"by" ("la acción promovida por la CNDH"):
    # the agent of what precedes it, never the doer of what follows.
    leading_actors: list[_Span]
    leading_doers: list[_Span]
    instruments: list[_Span]
    cues: dict[str, list[_Span]]
    reporting: list[_Span]
    dissent: bool  # a dissent or a moot matter (the campaign's `dissent` list): nothing decided


class _Folded:
    """Phrases matched as words with their inflections, accents and case ignored."""

    def __init__(self, groups: Iterable[tuple[str, dict[str, tuple[str, ...]]]]) -> None:
        self._lexicon = Lexicon.tagged(groups)
        self._ordered: dict[frozenset[Hashable], list[str]] = {}

    def spans(self, lowered: str, folded: str) -> list[_Span]:
        """Every phrase found, tagged with the list it came from."""
        found = []
        for hit in self._lexicon.finditer(folded):
            tags = self._ordered.get(hit.tags)
            if tags is None:
                tags = self._ordered[hit.tags] = sorted(map(str, hit.tags))
            text = lowered[hit.start : hit.end]
            if text.endswith(_PRETERITE):
                # "informó", "registraron": a verb sharing a noun's stem ("informe",
                # "registro") is no thing named (an adverb, "plenamente", the lexicon itself
                # tells from "pleno").
                continue
            found += [_Span(hit.start, hit.end, text, tag) for tag in tags]
        return found


# A Spanish preterite ending a phrase found through a stem.
_PRETERITE = ("ó", "aron", "ieron")


class StanceReader:
    """The campaign's reading lexicons, compiled once; ``read`` gives a sentence's readings."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._lists = campaign.reading
        # Per-item caches, emptied by ``forget``.
        self._sentences: dict[str, _Sentence] = {}
        self._times_told: dict[str, list[tuple[int, int, int]]] = {}
        # Per sentence: which way a count moved, and the words that say so ("" when neither).
        self._counts_moved: dict[str, tuple[str, str]] = {}
        # Compiled on first use: most commands build a classifier and use a few of them.
        self._acts = Lazy(self._build_acts)
        self._compound_acts = Lazy(self._build_compound_acts)
        self._actors = Lazy(self._build_actors)
        self._instruments = Lazy(self._build_instruments)
        self._names = Lazy(self._build_names)
        self._cues = Lazy(self._build_cues)
        self._falls = Lazy(self._build_falls)
        self._rises = Lazy(self._build_rises)
        self._flat = Lazy(self._build_flat)
        self._delays = Lazy(self._build_delays)
        self._members = Lazy(self._build_members)
        self._places = Lazy(self._build_places)
        self._dissent = Lazy(self._build_dissent)
        self._objects = Lazy(self._build_objects)

    def _phrases(self, name: str) -> list[str]:
        return _flat(self._lists.get(name, {}))

    def _act_lists(self) -> list[tuple[str, list[str]]]:
        return [(kind, self._phrases(f"acts.{kind}")) for kind in ACT_KINDS]

    def _build_acts(self) -> _TaggedAccented:
        return _TaggedAccented(self._act_lists())

    def _build_compound_acts(self) -> _CompoundTenses:
        return _CompoundTenses(self._act_lists())

    def _build_actors(self) -> _Folded:
        return _Folded((kind, self._lists.get(f"actors.{kind}", {})) for kind in ACTOR_KINDS)

    def _build_instruments(self) -> _Folded:
        return _Folded(
            [
                (INSTRUMENT, self._lists.get("instruments", {})),
                (MONEY, self._lists.get("money", {})),
                (ABUSE, self._lists.get("abuses", {})),
                (ACCOUNT, self._lists.get("accounts", {})),
            ]
        )

    def _build_names(self) -> _Folded:
        # Every demand's key terms: the names of its laws, registries and institutions.
        names: dict[str, list[str]] = {}
        for demand in self.campaign.demands:
            for lang, phrases in demand.key_terms.items():
                names.setdefault(lang, []).extend(phrases)
        return _Folded([("name", {lang: tuple(p) for lang, p in names.items()})])

    def _outside_names(self, lowered: str, folded: str, found: list[_Span]) -> list[_Span]:
        # An abuse named inside an institution's or a law's name is not what a sentence acts
        # on: "the Mechanism for the Prevention of Torture did not receive" is about the
        # mechanism, "rejects the Committee against Torture's findings" about the committee.
        if not any(f.tag == ABUSE for f in found):
            return found
        names = self._names().spans(lowered, folded)
        return [
            f
            for f in found
            if f.tag != ABUSE or not any(n.start <= f.start and f.end <= n.end for n in names)
        ]

    def _build_cues(self) -> _TaggedAccented:
        # One scan finds every cue a sentence may hold: a separate regex per list cost more
        # in calls than in matching.
        cues = self.campaign.stance_cues
        return _TaggedAccented(
            [("reporting", self._phrases("reporting"))]
            + [(kind, _flat(cues.get(kind, {}))) for kind in _SENTENCE_CUES]
        )

    def _build_falls(self) -> CuePhrases:
        return CuePhrases(self._phrases("falls"))

    def _build_rises(self) -> CuePhrases:
        return CuePhrases(self._phrases("rises"))

    def _build_flat(self) -> CuePhrases:
        return CuePhrases(self._phrases("flat"))

    def _build_delays(self) -> CuePhrases:
        return CuePhrases(self._phrases("delays"))

    def _build_members(self) -> frozenset[str]:
        return frozenset(fold(phrase) for phrase in self._phrases("members"))

    def _build_places(self) -> frozenset[str]:
        return frozenset(fold(phrase) for phrase in self._phrases("places"))

    def _build_dissent(self) -> CuePhrases:
        # Apart from the other cues: every sentence is asked about it, while the others matter
        # only in a sentence with an act (about half of them).
        return CuePhrases(self._phrases("dissent"))

    def _build_objects(self) -> dict[str, _Folded]:
        return {d.id: _Folded([(WANTED, d.wants), (ENDED, d.ends)]) for d in self.campaign.demands}

    def forget(self) -> None:
        """Empty the per-sentence caches (call once per item: they only save work within one)."""
        self._sentences.clear()
        self._times_told.clear()
        self._counts_moved.clear()

    def _times(self, lowered: str, dated: bool) -> list[tuple[int, int, int]]:
        # Found for a sentence only when one of its acts would count, and then once (``dated``
        # is the item's, so the same for all its sentences); its years only when the item has
        # a date to hold them against.
        times = self._times_told.get(lowered)
        if times is None:
            times = self._times_told[lowered] = _times(lowered, dated)
        return times

    def _sentence(self, lowered: str, folded: str) -> _Sentence:
        # Every demand an item names reads the same sentences; their facts are found once.
        facts = self._sentences.get(lowered)
        if facts is None:
            # Found in order, one phrase at a place: only a phrase in two lists repeats a span.
            # A compound form found where a listed phrase starts is that phrase's (sorted is
            # stable: the listed phrases come first).
            # A deadline pushed back or a suspension lifted, however many words apart, is read
            # before its verb alone.
            found = _acts_read_across(lowered)
            found += self._acts().spans(lowered) + self._compound_acts().spans(lowered)
            found += _rules_allowing(lowered, found)
            acts = _outermost(sorted(found, key=lambda a: a.start))
            # Only a sentence with an act needs its cues.
            cues = self._cues_of(lowered if acts else "")
            reporting = cues.pop("reporting")
            actors = self._actors().spans(lowered, folded) if acts else []
            if reporting:
                # A reporting verb is not an actor ("criticó" shares its stem with "críticos").
                actors = [
                    a for a in actors if not any(r.start <= a.start < r.end for r in reporting)
                ]
            # A word that names an actor is not an act ("Amnistía Internacional"), nor is a word
            # inside one of the demands' names ("320 arraigo orders").
            names = self._names().spans(lowered, folded) if acts else []
            # Nor a word inside a law's name ("la Ley de Amnistía").
            instruments = self._instruments().spans(lowered, folded) if acts else []
            named_rules = [i for i in instruments if _LAW_NAME.match(i.text)]
            acts = [
                a
                for a in acts
                if not any(o.start <= a.start < o.end for o in actors)
                and not any(n.start <= a.start and a.end <= n.end for n in names)
                and not any(r.start <= a.start and a.end <= r.end for r in named_rules)
            ]
            acts = [
                _refusal_if_a_request(a, lowered)
                for a in acts
                if not (a.text in _PUBLIC and _PUBLIC_NOUN.search(lowered, 0, a.start))
                and not (a.text == "retiro" and lowered.endswith("en ", 0, a.start))
                and not (_CUTS.match(a.text) and _WAIT_NAMED.match(lowered, a.end))
                and not (
                    a.tag == "prosecute"
                    and _NUMBER_BEFORE.search(lowered, max(0, a.start - 16), a.start)
                    and not _OBTAINED.search(lowered, max(0, a.start - 40), a.start)
                )
            ]
            doers = [a for a in actors if a.tag != VOICE]
            leading = [a for a in actors if not _is_agent(a, lowered)]
            facts = _Sentence(
                acts,
                doers,
                leading,
                [a for a in leading if a.tag != VOICE],
                _outside_actors(self._outside_names(lowered, folded, instruments), actors)
                if acts
                else [],
                cues,
                reporting,
                self._dissent().search(lowered) is not None,
            )
            self._sentences[lowered] = facts
        return facts

    def _cues_of(self, lowered: str) -> dict[str, list[_Span]]:
        # A decision told as still to come ("would be published") is not one.
        cues: dict[str, list[_Span]] = {kind: [] for kind in (*_SENTENCE_CUES, "reporting")}
        for cue in self._cues().spans(lowered):
            if cue.tag == "decided" and (
                _still_to_come(lowered, cue.start)
                or _ACCOUNT_PUBLISHED.search(lowered, max(0, cue.start - 24), cue.start)
            ):
                continue
            if cue.tag == "proposal" and (
                _asked_for_thing(lowered, cue) or _for_purpose(lowered, cue, cues["background"])
            ):
                continue
            if (
                cue.tag == "background"
                and cue.text == "para"
                and _FOR_A_YEAR.match(lowered, cue.end)
            ):
                continue  # "el presupuesto para 2026": a year the money is for, no purpose
            cues[cue.tag].append(cue)
        # Filtered once per sentence, not per act read.
        cues["background"] = _not_after_a_reaction(cues["background"], cues["reporting"], lowered)
        return cues

    def only_proposes(self, lowered: str) -> bool:
        """Whether ``lowered`` proposes or asks for something and reports no vote or enactment
        ("propone eliminar el arraigo", "a bill that would be published"). A promise quoted
        ("'They will be punished,' Sheinbaum says") is someone's words, not the story's act."""
        cues = self._cues_of(lowered)
        quoted = [(q.start(), q.end()) for q in _QUOTED.finditer(lowered)]
        if quoted:
            cues["proposal"] = [
                c for c in cues["proposal"] if not any(s <= c.start < e for s, e in quoted)
            ]
        return _only_proposed(cues, text=lowered)

    def author(self, lowered: str, folded: str) -> str:
        """The kind of the first actor named in ``lowered`` (a title): "state", "external" or ""."""
        actors = [a for a in self._actors().spans(lowered, folded) if a.tag != VOICE]
        return min(actors, key=lambda a: a.start).tag if actors else ""

    def frees_the_tortured(self, lowered: str, folded: str, start: int) -> bool:
        """Whether a clearing act at ``start`` in the sentence ``lowered`` frees the victim of a
        confession under torture ("acquitted a man tortured into confessing")."""
        return any(
            act.start == start and act.tag == "clear" and _frees_the_tortured(act, lowered)
            for act in self._sentence(lowered, folded).acts
        )

    def opens_the_way(self, demand: Demand, lowered: str, folded: str, end: int) -> bool:
        """Whether the rule named just before ``end`` ("lineamientos", "the reform") is told as
        allowing what ``demand`` wants ended, or the ending of what it wants ("lineamientos que
        autorizan dar de baja registros")."""
        if _ENABLING.search(lowered, end) is None:
            return False  # most cues: no verb of allowing after them, nothing to scan for
        objects = self._objects()[demand.id].spans(lowered, folded)
        return _allows_within_reach(
            end, lowered, objects, self._sentence(lowered, folded), self._delays()
        )

    def kept_as_an_outsider_tells(self, lowered: str, folded: str, cue: str, start: int) -> bool:
        """Whether the cue ``cue`` at ``start`` keeps, in the present, what an external body
        reports before it ("Amnistía señaló que México mantiene el arraigo")."""
        return _kept_as_an_outsider_tells(cue, start, self._sentence(lowered, folded))

    def quoted_from_an_outsider(self, lowered: str, folded: str, start: int) -> bool:
        """Whether ``start`` lies in a quotation an external body is then said to have spoken
        ("“... ahí ha fallado el mecanismo”, afirmó el director de Artículo 19"): a critic's
        judgement, not a new act (eval/README.md, principle 1)."""
        for quote in _QUOTE.finditer(lowered):
            if not quote.start() < start < quote.end():
                continue
            # Spoken by whom the campaign's reporting verbs name right after it ("”, afirmó
            # el director de Artículo 19"); a quotation that tells an act ("“es un recorte
            # brutal”, denunció") reports the state's act, one with none judges.
            said = [
                r
                for r in self._cues().spans(lowered)
                if r.tag == "reporting" and _QUOTE_CLOSED.fullmatch(lowered, quote.end(), r.start)
            ]
            return (
                bool(said)
                and not self._acts().spans(quote.group(0))
                and any(
                    actor.tag == "external" and actor.start >= said[0].end
                    for actor in self._actors().spans(lowered, folded)
                )
            )
        return False

    def undoes(self, lowered: str, folded: str, start: int) -> bool:
        """Whether an act of ending stands right before ``start`` in the sentence ``lowered``
        ("la suspensión contra la desaparición del fideicomiso"): what follows is undone."""
        return _undone(start, self._sentence(lowered, folded).acts, lowered)

    def told_as_history(self, lowered: str, start: int, end: int, history_before: int) -> bool:
        """Whether the phrase at ``start:end`` is told as years past or in a year no later than
        ``history_before`` ("las recomendaciones que aceptó en 2018")."""
        times = self._times(lowered, True)
        return bool(times) and _in_the_past((start, end), lowered, times, history_before)

    def still_pending(self, lowered: str, folded: str, start: int) -> bool:
        """Whether the negation before ``start`` in the sentence ``lowered`` says a thing is
        still not done ("no ha publicado"), not refused ("aprobó la reforma sin eliminarlo")."""
        return _pending(start, lowered, self._sentence(lowered, folded).acts)

    def is_dissent(self, lowered: str, folded: str) -> bool:
        """Whether the sentence reports a dissenting or separate vote, not the court's decision, or
        declares the matter moot: either way it decides nothing."""
        return self._sentence(lowered, folded).dissent

    def read(
        self,
        demand: Demand,
        lowered: str,
        folded: str,
        *,
        weight: float,
        capped: bool = False,
        default_actor: str = "",
        history_before: int | None = None,
    ) -> list[Reading]:
        """Every act of ``lowered`` (one sentence) read for ``demand``.

        ``capped``: the item is a proposal (its title says so), so no act is more than a mention.
        ``default_actor``: who acts when the sentence names nobody ("state" for the gazette and
        the courts).
        ``history_before``: an act dated in this year or earlier ("fue creado en 2012") is
        the story's history, not its news.
        """
        facts = self._sentence(lowered, folded)
        if facts.dissent:
            return []
        if not facts.acts:
            return self._practice_counted(demand, lowered, folded, weight)
        objects = self._objects()[demand.id].spans(lowered, folded)
        if objects and facts.doers:
            # A word within an actor's longer name is not what it acts on ("la Suprema Corte de
            # Justicia" holds "justicia"); a name that is both ("a military court") stays.
            objects = [
                o
                for o in objects
                if not any(
                    d.start <= o.start and o.end <= d.end and (o.start, o.end) != (d.start, d.end)
                    for d in facts.doers
                )
            ]
        instruments = facts.instruments
        if objects and instruments:
            # A generic instrument right next to one of the demand's own objects is part of its
            # name ("the military justice system will keep the case" keeps military justice).
            instruments = [
                i for i in instruments if not any(_adjacent(i, o, lowered) for o in objects)
            ]
        acts = _innermost_content(facts.acts, objects + instruments, lowered)
        # A title that only proposes caps the sentence, unless it reports a vote or enactment.
        capped = capped and not facts.cues["decided"]
        described = (
            _describing(acts, facts.acts, lowered, objects, instruments)
            + _in_contact_clauses(acts, lowered)
            if len(acts) > 1
            else []
        )
        readings = []
        for act in (a for a in acts if a not in described):
            reading = self._read_act(
                act,
                lowered,
                facts,
                objects,
                instruments,
                weight,
                capped,
                default_actor,
                history_before,
                demand.statement,
            )
            if reading is not None:
                readings.append(reading)
        return readings or self._practice_counted(demand, lowered, folded, weight)

    def _practice_counted(
        self, demand: Demand, lowered: str, folded: str, weight: float
    ) -> list[Reading]:
        """A count of a practice the demand wants ended, told with no act, that rose or fell
        ("148 arraigo orders in 2024, up from 52"): more is a move back, fewer a step."""
        stance, cue = self._count_moved(lowered)
        if not stance:
            return []  # no count, or no way it moved
        # The practice is what is counted: a number right before it ("148 arraigo orders"),
        # not the subject of complaints counted ("1,200 complaints ... for arbitrary detention").
        practices = [
            o
            for o in self._objects()[demand.id].spans(lowered, folded)
            if o.tag == ENDED and _COUNTED.search(lowered, max(0, o.start - 24), o.start)
        ]
        if not practices:
            return []
        return [
            Reading(
                stance,
                cue,
                "count",
                practices[0].text,
                ENDED,
                "",
                "a practice counted",
                weight * _NO_OBJECT,
                practices[0].start,
            )
        ]

    def _count_moved(self, lowered: str) -> tuple[str, str]:
        # Found once a sentence, whatever the demand: a practice counted higher than before is
        # a move back, lower a step; both or neither say nothing.
        moved = self._counts_moved.get(lowered)
        if moved is None:
            moved = ("", "")
            if _QUANTITY.search(lowered) is not None:  # most sentences hold no number
                rise = self._rises().search(lowered)
                fall = self._falls().search(lowered)
                fell, rose = _counts_set_against(lowered)
                more = rise is not None or rose
                less = fall is not None or fell
                if more and not less:
                    moved = (REGRESS, lowered[rise[0] : rise[1]] if rise else "more than before")
                elif less and not more:
                    moved = (ADVANCE, lowered[fall[0] : fall[1]] if fall else "fewer than before")
            self._counts_moved[lowered] = moved
        return moved

    def _tells_what_it_says(
        self,
        act: _Span,
        text: str,
        instruments: list[_Span],
        acts: list[_Span],
        reporting: list[_Span],
    ) -> bool:
        """Whether ``act`` opens a relative clause on a law, decree or protocol just named (by
        its kind or its name) that no act of the sentence acts on: it tells what the rule says,
        not a step ("reclama la Ley General …, que obliga a aplicar el Protocolo"). Where the
        rule is approved or struck down, what it does decides which way that moves."""
        which = _WHICH.search(text, max(0, act.start - 12), act.start)
        if which is None:
            return False

        def described(rules: Iterable[_Span], which: re.Pattern[str] = _WHICH) -> bool:
            return any(
                r.end <= act.start
                and which.fullmatch(text, r.end, act.start)
                and not any(
                    other.end <= r.start and _words_between(text, other.end, r.start) <= 4
                    for other in acts
                )
                for r in rules
            )

        if described(i for i in instruments if i.tag == INSTRUMENT):
            return True
        # A name is looked for only where one can end: right before the clause, after a word.
        # A law's name may run on past the words listed ("Ley General en Materia de
        # Desaparición Forzada de Personas, que creó ...").
        # ... but not across a verb of saying: "la Comisión informó que retiró" tells what the
        # body did.
        return (
            which.start() > 0
            and not any(which.start() - 40 < r.end <= which.start() for r in reporting)
            and described(
                self._names().spans(text[: which.start()], fold(text[: which.start()])),
                _WHICH_AFTER_NAME,
            )
        )

    def _what_the_rule_says(
        self,
        act: _Span,
        text: str,
        facts: _Sentence,
        objects: list[_Span],
        weight: float,
        default_actor: str,
    ) -> Reading | None:
        """A setback when what a rule is made to state applies a practice the demand wants
        ended ("se reforma el artículo 57 para establecer que los delitos contra civiles serán
        conocidos por los tribunales militares"); what it states otherwise is read elsewhere."""
        clause = _STATED.match(text, act.end)
        if clause is None:
            return None  # "to establish if": a question, read nowhere
        # What a rule states runs to the end of its clause: its practice may come last.
        thing = _way_opened_to(clause.end(), text, objects, facts.acts, 2 * _ENABLING_REACH)
        if thing is None or thing.tag != ENDED:
            return None
        if any(clause.end() <= n.start < thing.start for n in facts.cues["negation"]):
            return None  # "establece que en ningún caso conocerán los tribunales militares"
        # Who made the rule is named before it: a body inside what it states is not its doer.
        named_before = _before(act, facts.leading_doers)
        actor, actor_kind = (
            _actor_of(act, text, facts, default_actor) if named_before else ("", default_actor)
        )
        stance, setting = REGRESS, "a rule made to state a setback"
        if actor_kind == "external":
            stance, setting = MENTION, _EXTERNAL_OWN
        elif _only_proposed(facts.cues, act, text, facts.acts):
            stance, setting = MENTION, "only proposed or asked for"
        # The demand's own object, weighed as any act on one (_OWN_OBJECT).
        weight *= _OWN_OBJECT * (_EXTERNAL_SHARE if setting == _EXTERNAL_OWN else 1.0)
        return Reading(
            stance, act.text, act.tag, thing.text, ENDED, actor, setting, weight, act.start
        )

    def _kept_flat(self, text: str, instruments: list[_Span]) -> bool:
        return any(i.tag == MONEY for i in instruments) and (
            self._flat().search(text) is not None or _count_fell(text)
        )

    def counted_fewer(self, lowered: str) -> bool:
        """Whether the sentence ``lowered`` counts fewer than before ("down from 21", "9,
        compared with 21", "pasaron de 30 a 8"): a word of falling counts only beside a number
        ("dropped its appeal" counts nothing)."""
        return _count_fell(lowered) or (
            _QUANTITY.search(lowered) is not None and self._falls().search(lowered) is not None
        )

    def _read_act(
        self,
        act: _Span,
        text: str,
        facts: _Sentence,
        objects: list[_Span],
        instruments: list[_Span],
        weight: float,
        capped: bool,
        default_actor: str,
        history_before: int | None,
        statement: bool,
    ) -> Reading | None:
        cues = facts.cues
        if _holds_a_clause(act, text) and _STATES.match(act.text):
            return self._what_the_rule_says(act, text, facts, objects, weight, default_actor)
        if (
            _governs(cues["background"], act, text, words=3)
            or _in_concession(act, text)
            or told_before_the_news(text, act.end)
            or _holds_a_clause(act, text)
            or self._tells_what_it_says(act, text, instruments, facts.acts, facts.reporting)
            or _asked(text, act.start)
        ):
            return None
        actor, actor_kind = _actor_of(act, text, facts, default_actor)
        if act.tag == "end" and actor_kind == "external":
            requester = _pressing(act, text, facts)
            if requester is not None:
                # "pidió al Subcomité aplazar su visita", "asked the UN committee to drop its
                # procedure": the state pressing an international body to stop its work.
                return Reading(
                    REGRESS,
                    act.text,
                    act.tag,
                    "",
                    WANTED,
                    requester.text,
                    "the state pressing an international body",
                    weight,
                    act.start,
                )
        if (
            act.tag == "deny"
            and _PARTICIPLE.fullmatch(act.text)
            and _PASSIVE_BEFORE.search(text, max(0, act.start - 12), act.start)
        ):
            # "defenders who were attacked": an attack suffered, not a denial said.
            return None
        if (act.tag == "prosecute" and _ATTEMPTED.match(text, act.end)) or (
            _MAY_TRY.search(text, max(0, act.start - 16), act.start) is not None
            and _TRIED_TO.search(text, max(0, act.start - 16), act.start) is not None
        ):
            # "tried to keep it", "intentó cerrar el caso": attempted, not done (and "tried"
            # there is no trial).
            return None
        if act.tag == "deny" and _REMOVAL.match(act.text) and _OFFICIALS.match(text, act.end):
            # "dismissed 30 agents": officials removed, a sanction, not a finding dismissed.
            return Reading(
                ADVANCE,
                act.text,
                act.tag,
                "",
                WANTED,
                actor,
                "officials removed",
                weight,
                act.start,
            )
        if act.tag == "deny" and actor_kind != "state":
            # A denial is a statement: it counts when a state body, or one who speaks for the
            # state, is the one speaking, which may be the sentence's subject ("the government
            # accused the rapporteur of being unprofessional").
            speaker = _subject(_before(act, facts.leading_actors))
            if speaker is None or speaker.tag not in ("state", VOICE):
                return None
            actor, actor_kind = speaker.text, "state"
        if _topic_of_account(act, text, instruments) or _claimed_in_account(act, text, instruments):
            return None
        if act.tag == "prosecute" and _describes_the_freed(act, text, facts.acts):
            # "orders release of man convicted on evidence gathered under arraigo": the
            # conviction tells who is freed; the release is the news.
            return None
        if act.tag == "create" and _DURATION.match(text, act.end):
            # "cumplió seis meses sin titular", "completed two years": a span of time reached,
            # not a duty met.
            return None
        target, polarity, strength = _object_of(
            act, text, objects, instruments, facts.acts, facts.doers
        )
        if act.tag == "end" and _DECISION.match(text, act.end):
            # "reverses course", "revierte su decisión de posponer": what it reverses is a
            # decision, read in the act decided ("to postpone", undone).
            return None
        if target is not None and _UNDER_REVIEW.match(text, target.end):
            # "confirma la sentencia recurrida": the ruling appealed stands; what it decided is
            # told elsewhere, if at all.
            return None
        if act.text == "cierre" and _AT_THE_CLOSE.search(text, max(0, act.start - 4), act.start):
            # "al cierre del sexenio": a time, not a closure.
            return None
        if ("cas" in text) and _SHARE_OF_CASES.match(text) is not None:
            # "In nearly a third of the cases, ... no investigation was ordered": a count across
            # cases a study found, not an act.
            return None
        if _AGAIN.fullmatch(act.text) and (
            target is None
            or target.start < act.end
            or _words_between(text, act.end, target.start) > _AGAIN_REACH
        ):
            # "volvió a retener a migrantes" takes the practice up again; "volvió a pedir la
            # eliminación" only asks again, and the act asked for is read on its own.
            return None
        sanction = act.tag == "end" and (
            _ACCUSED.match(text, act.end) is not None
            or (bool(_REMOVAL.match(act.text)) and bool(_OFFICIALS.match(text, act.end)))
            # "removed the head of the federal program": the head goes, the institution stays.
            or (
                target is not None
                and bool(_REMOVAL.match(act.text))
                and _HEAD_OF.search(text, max(0, target.start - 40), target.start) is not None
            )
        )
        if target is not None and (
            (target.tag in (ABUSE, ACCOUNT) and act.tag not in _FIXED and not sanction)
            or (target.tag == ACCOUNT and act.tag == "clear")
        ):
            # Abuses that rose or fell ("el aumento de la tortura") are reported, not a step;
            # an act on an account of a thing ("presentó el informe de avances del programa")
            # is not an act on the thing, and a report "released" is published, not freed.
            return None
        if (
            target is None
            and act.tag == "keep"
            and polarity == WANTED
            and not self._kept_flat(text, instruments)
        ):
            # "Supreme Court throws out challenge to army's policing role": what was kept is
            # none of the demand's objects, so which way it moves the demand is not said.
            return None
        if (
            target is None
            and not actor
            and act.tag not in _NEED_NO_OBJECT
            and actor_kind != "state"
        ):
            # An act with neither an object nor a doer in the sentence ("presenta", "inicia",
            # "menos del 3% recibió una sentencia condenatoria" in a study) is too loose to say
            # which way anything moved; a denial or a clearing says it by itself.
            return None
        setting = ""
        if (
            act.tag == "prosecute"
            and target is not None
            and target.tag == ENDED
            and fold(target.text) in self._places()
        ):
            # "imputa a un exagente del INM por el incendio en la estación migratoria": a
            # prosecution over what happened at a place the demand wants closed is a step.
            stance, setting = ADVANCE, "a prosecution over what happened there"
        elif act.tag == "prosecute" and (
            (target is not None and target.tag == ENDED)
            or self.counted_fewer(text)
            or _undone(act.start, facts.acts, text)
        ):
            # A prosecution carried out through what the demand wants ended (a military judge's
            # committal, a conviction on a confession) keeps that practice; prosecutions
            # counted where the count fell ("las consignaciones cayeron de 30 a 8", "down from
            # 17", "11 en 2024, frente a 27 el año anterior") are a measured worsening; one
            # revoked or overturned is undone.
            stance = REGRESS
        elif act.tag == "clear" and _undone(act.start, facts.acts, text):
            # An acquittal or a release overturned ("revocó la absolución", "overturned the
            # acquittal of") puts the accused back on trial: undone, a step.
            stance = ADVANCE
        elif act.tag == "clear" and _frees_the_tortured(act, text):
            # "absolvió al hombre cuya confesión fue obtenida bajo tortura": a confession under
            # torture thrown out frees its victim, a step against torture.
            stance = ADVANCE
        elif act.tag == "clear" and (freed := _freed_from(act, text, objects)) is not None:
            # "frees man held under arraigo", "liberó a un hombre detenido bajo arraigo": the
            # victim of the practice set free, a step against it.
            stance, setting = ADVANCE, "freed from the practice"
            target, polarity = freed, ENDED
        elif act.tag == "deny" and (
            (refused := _plea_refused(act, text, objects, facts.acts)) is not None
        ):
            # "rejecting their argument that the case belonged in military courts", "rechazó
            # la solicitud de enviar el caso al fuero militar": the practice refused, a step.
            stance, setting = ADVANCE, "the practice refused"
            target, polarity = refused, ENDED
        elif (
            act.tag == "end"
            and (_RELIEF.match(act.text) or _AMPARO.search(act.text))
            and _RELIEF_FOR.match(text, act.end)
        ):
            # "otorgó la suspensión definitiva a una organización de periodistas": a court's
            # relief for those who challenged the state blocks what they challenged, a step.
            stance, setting = ADVANCE, "relief granted to those who challenged"
        elif act.tag == "end" and _AMPARO.search(act.text):
            return None  # an amparo granted to someone the sentence does not say speaks for us
        elif act.tag == "clear" and _A_PERSON.match(text, act.end):
            # "liberan a hombre tras 12 años en prisión": someone freed who is not said to be an
            # official or a soldier; why, and which way it moves, is told elsewhere.
            return None
        elif act.tag == "end" and _OBSTACLE_NAMED.match(text, act.end):
            # "elimina el requisito de esperar 72 horas para iniciar la búsqueda": what stood in
            # the way of what the demand wants, removed, is a step.
            stance, setting = ADVANCE, "an obstacle removed"
        elif act.tag in _FIXED:
            stance = _FIXED[act.tag]
        else:
            stance = _ON_WANTED[act.tag] if polarity == WANTED else _OPPOSITE[_ON_WANTED[act.tag]]
            if act.tag == "create" and target is not None and self.counted_fewer(text):
                # "granted 12 arraigo orders, down from 1,900", "identificó 2,100 cuerpos,
                # frente a 3,400": fewer of the act than before moves the other way.
                stance = _OPPOSITE[stance]
        if act.tag == "create" and _names_a_soldier(act, text):
            # "nombró a un general en retiro como comisionado del Instituto Nacional de
            # Migración": a soldier put at the head of what the demand needs, a move back; for
            # a demand on what is said, an appointment says nothing.
            if statement:
                return None
            stance, setting = REGRESS, "a soldier named to head it"
        elif act.tag in ("create", "keep") and self._kept_flat(text, instruments):
            # "aprobó el presupuesto sin aumento", "mantiene sin cambios los recursos", "asigna
            # 412 millones, 28 por ciento menos": money given or kept, but flat or less than
            # before, is a move back.
            stance, setting = REGRESS, "money kept flat or lowered"
        elif act.tag == "keep" and _CONVICTION.match(text, act.end):
            # "upheld the prison sentences", "confirmó la condena": a conviction kept is a
            # prosecution that stands, a step, whatever practice the sentence names.
            stance, setting = ADVANCE, "a conviction upheld"
        elif stance == ADVANCE and _enables_what_is_ended(
            act, target, text, objects, facts, self._delays()
        ):
            # "aprobó una reforma que añade delitos por los que se puede pedir arraigo", "a
            # decree that allows soldiers to hold arraigo detainees": a rule made that opens the
            # way to what the demand wants ended is a move back.
            stance, setting = REGRESS, "a rule made to allow a setback"
        elif act.tag in ("end", "keep") and _allows_within_reach(
            act.end, text, objects, facts, self._delays()
        ):
            # "invalidó el artículo que permitía retener a migrantes en revisiones migratorias":
            # a rule that allowed a setback, struck down, is a step; upheld, a setback.
            stance = ADVANCE if act.tag == "end" else REGRESS
            setting = "a rule that allowed a setback, " + ("ended" if act.tag == "end" else "kept")
        elif (
            act.tag in ("end", "keep")
            and target is not None
            and polarity == WANTED
            and not _REPEALS.match(act.text)
            and _PROVISIONS_OF.search(text, max(0, target.start - 40), target.start)
            # "los artículos ... de la Ley, relativos al Fondo": what they bear on is named.
            and not any(
                o.start >= target.end and _ON_TOPIC.fullmatch(text, target.end, o.start)
                for o in objects
            )
        ):
            # "invalida artículos de la ley del registro": which way striking down or upholding
            # some provisions moves the demand is what they said, told elsewhere if at all.
            return None
        elif sanction:
            # "suspendió a los policías acusados de tortura", "revocó el nombramiento de un agente
            # acusado de tortura": those accused of an abuse removed is a sanction, a step.
            stance, setting = ADVANCE, "officials removed"
        elif stance != MENTION and _refused_content(act, text, facts.acts):
            # "rechazó 12 recomendaciones, entre ellas la de eliminar el arraigo": what was
            # asked for and refused moves the other way.
            stance, setting = _OPPOSITE[stance], "what was asked for, refused"
        elif act.tag == "end" and still_lacking(text, act.start):
            # "sigue sin recursos": a lack that lasts is reported non-compliance (no new act).
            stance, setting = MENTION, "still lacking"
        elif stance != MENTION and (
            _told_as_lasting(text, act.start)
            or (act.tag == "keep" and _kept_as_an_outsider_tells(act.text, act.start, facts))
        ):
            # "the military justice system still shields soldiers", "Amnistía señaló que México
            # mantiene el arraigo": a state of affairs that lasts, as a report describes it, not
            # a new act (eval/README.md, principle 4).
            stance, setting = MENTION, "told as lasting"
        elif stance == ADVANCE and few_done(text, act.start, act.end):
            # "only 14 have been implemented", "has implemented few of": a shortfall reported,
            # not a step.
            stance, setting = MENTION, "only a few done"
        elif act.tag == "end" and stance != MENTION and _undone(act.start, facts.acts, text):
            # Ending an ending ("la suspensión contra la desaparición del fideicomiso", "revocó
            # la eliminación", "overturned the ban on") undoes it.
            stance, setting = _OPPOSITE[stance], "undone"
        elif _governs(cues["negation"], act, text, words=2) and _judged_short(text, act.start):
            # "the reform falls short because it does not guarantee funding": a critic's
            # judgement of what a step lacks, not a step back.
            stance, setting = MENTION, "judged short"
        elif _governs(cues["negation"], act, text, words=2):
            blocked = _governs(
                [c for c in cues["negation"] if _BLOCKING.match(c.text)], act, text, words=2
            )
            pending = _pending(act.start, text, facts.acts)
            # A demand's own object that names money ("funding") is money all the same.
            money = target is not None and (
                target.tag == MONEY
                or any(i.tag == MONEY and i.start == target.start for i in instruments)
            )
            turned = _negated(act.tag, stance, money, actor_kind, pending, blocked)
            if turned is None:
                return None
            stance, setting = turned, "negated"
        # Last, as the dearest test: an act told as years past is the story's history.
        times = self._times(text, history_before is not None)
        if times and _in_the_past((act.start, act.end), text, times, history_before):
            return None
        # A denial is said, not proposed: a sentence that also proposes does not soften it;
        # nor, for a demand that asks for a statement, a prosecution pledged or officials
        # cleared ("vowed that officials would be prosecuted", "stood by the army, saying…").
        said = (
            act.tag == "deny"
            or (statement and act.tag in ("prosecute", "clear"))
            or (act.tag == "keep" and stance == REGRESS and _policy_told(cues, actor_kind, text))
        )
        share = 1.0
        if (
            stance != MENTION
            and not said
            and (capped or _only_proposed(cues, act, text, facts.acts))
        ):
            stance, setting = MENTION, "only proposed or asked for"
            asker = _subject(_before(act, facts.leading_actors))
            if asker is not None and asker.tag == "external":
                # "The committee urged the government to strengthen ...": an outside body's
                # request weighs as its own act does, half the state's.
                share = _EXTERNAL_SHARE
        elif stance != MENTION and actor_kind == "external":
            stance, setting = MENTION, _EXTERNAL_OWN
        elif stance != MENTION and fold(actor) in self._members():
            # A senator "promised funds", a deputy "eliminates arraigo": a bill or a promise.
            stance, setting = MENTION, "one legislator's own act"
        return Reading(
            stance,
            act.text,
            act.tag,
            target.text if target else "",
            polarity,
            actor,
            setting,
            weight * strength * (_EXTERNAL_SHARE if setting == _EXTERNAL_OWN else share),
            act.start,
        )


_MONTHS = (
    "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    "diciembre|january|february|march|april|may|june|july|august|september|october|november|"
    "december"
)
# "creado en 2012", "en abril de 2014", "In 2018", "until the 2014 reform": a year the act is
# told in. The year is looked for first and what leads to it after: "en" is everywhere in
# Spanish, years are rare.
_YEAR = re.compile(r"(?<!\w)(?:19|20)\d\d(?!\w)")
_IN_YEAR = re.compile(
    rf"(?<!\w)(?:en|in|hasta|until)\s+(?:(?:{_MONTHS})\s+(?:de\s+|del\s+)?)?(?:el\s+|the\s+)?$"
)
# How many words may stand between an act and the year it is told in.
_YEAR_REACH = 4
# A quotation, in typographic or straight marks.
_QUOTE = re.compile(r"[“\"«][^”\"»]{3,}[”\"»]")
# What may stand between a quotation and the verb saying who spoke it: "”, afirmó".
_QUOTE_CLOSED = re.compile(r"\s*,?\s*")
# "la reforma de 2014 que", "the 2017 law that": a thing named by its year, then a clause.
_NAMED_BY_YEAR = re.compile(r"(?<!\w)(?:de|del|the)\s+$")
_CLAUSE_AFTER_YEAR = re.compile(r"(?:\s+[^\W\d]+)?\s*,?\s+(?:que|which|that)\s")
# "menos personal que en 2023", "fewer than in 2019": the year a count is set against, not
# the year the act is told in.
_THAN = re.compile(r"(?<!\w)(?:que|than)\s+$")


# "hace dos años", "years ago", "hace una década": an act told as years past, whatever the date.
_AGO = re.compile(
    r"(?<!\w)(?:hace\s+(?:\w+\s+)?(?:a[ñn]os|d[ée]cadas|una\s+d[ée]cada|lustros)|"
    r"(?:years|decades|a\s+decade)\s+ago)(?!\w)"
)
# A government's whole term summed up ("durante la administración se crearon 32 comisiones,
# se instaló el Centro ..."): its record, not this day's news, for every act told after it.
_TERM_SUMMED_UP = re.compile(
    r"(?<!\w)(?:durante\s+(?:la|esta|su|el)\s+(?:administraci[óo]n|sexenio|gobierno)|"
    r"en\s+lo\s+que\s+va\s+(?:del\s+sexenio|de\s+la\s+administraci[óo]n)|"
    r"during\s+(?:the|this|his|her|its)\s+(?:administration|term))(?!\w)"
)
# The year given to a time that dates every act after it in its sentence.
_ALL_AFTER = -1


# "entre 2008 y 2018", "from 2019 to 2023", "through June 2024": the end of a span of time a
# study or a count covers, which it was written after.
_SPAN_END_YEAR = re.compile(
    r"(?<!\w)(?:(?:entre|between)\s+(?:19|20)\d\d\s+(?:y|and)|(?:de|desde|from)\s+(?:19|20)\d\d"
    rf"\s+(?:a|al|hasta|to)|through|up\s+to)\s+(?:(?:{_MONTHS})\s+(?:de\s+|del\s+)?)?"
    r"((?:19|20)\d\d)(?!\w)"
)
# "en 2023", "in March 2019": a year an event is told in (not "hasta 2028", a deadline).
_EVENT_YEAR = re.compile(
    rf"(?<!\w)(?:en|in)\s+(?:(?:{_MONTHS})\s+(?:de\s+|del\s+)?)?(?:el\s+|the\s+)?"
    r"((?:19|20)\d\d)(?!\w)"
)


def latest_year_told(text: str) -> int | None:
    """The latest year ``text`` tells an event in ("en 2023", "in 2019"), or None: the
    story's own time, for an item that carries no date."""
    years = [int(found.group(1)) for found in _EVENT_YEAR.finditer(text)]
    years += [int(found.group(1)) for found in _SPAN_END_YEAR.finditer(text)]
    return max(years) if years else None


# The news told by its day ("este martes", "on Tuesday", "ayer"), not by its year.
_DAY_TOLD = re.compile(
    r"(?<!\w)(?:(?:este|esta|el|this|on|last)\s+(?:lunes|martes|mi[eé]rcoles|jueves|viernes|"
    r"s[aá]bado|domingo|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|ayer|"
    r"yesterday)(?!\w)"
)


def told_by_the_day(sentence: str) -> bool:
    """Whether ``sentence`` tells its news by the day and names no year: in an undated item,
    the years the others tell are before it ("En 2019 ... Este martes, el Senado aprobó")."""
    return _DAY_TOLD.search(sentence) is not None and _YEAR.search(sentence) is None


def _times(text: str, years: bool) -> list[tuple[int, int, int]]:
    """Where ``text`` tells a time: years past (year 0) and, if ``years``, "en/in" a year."""
    marks = []
    if "hace" in text or "ago" in text:
        marks += [(found.start(), found.end(), 0) for found in _AGO.finditer(text)]
    if "durante" in text or "during" in text or "va de" in text:
        marks += [
            (found.start(), found.end(), _ALL_AFTER) for found in _TERM_SUMMED_UP.finditer(text)
        ]
    for year in _YEAR.finditer(text) if years else ():
        lead = _IN_YEAR.search(text, max(0, year.start() - 30), year.start())
        if lead is not None and not _THAN.search(text, max(0, lead.start() - 6), lead.start()):
            marks.append((lead.start(), year.end(), int(year.group(0))))
        elif _NAMED_BY_YEAR.search(text, max(0, year.start() - 5), year.start()) and (
            _CLAUSE_AFTER_YEAR.match(text, year.end())
        ):
            # "la reforma de 2014 que limitó el fuero", "the 2017 law that created": a rule
            # named by its year, and the clause that tells what it did then.
            marks.append((year.start(), year.end(), int(year.group(0))))
    return marks


def _in_the_past(
    phrase: tuple[int, int], text: str, times: list[tuple[int, int, int]], latest: int | None
) -> bool:
    """Whether the phrase at ``phrase`` (start, end) is told, within ``_YEAR_REACH`` words, as
    years past ("creadas hace años") or in a year no later than ``latest`` ("fue creado en
    2012")."""
    begin, finish = phrase
    for start, end, year in times:
        if year == _ALL_AFTER:
            if end <= begin:
                return True
            continue
        if year and (latest is None or year > latest):
            continue
        if start <= 1 and end <= begin and text.startswith(",", end):
            # "En 2017, el Congreso aprobó la ley, que creó el sistema": a time set at the
            # sentence's head, before a comma, dates all of it.
            return True
        if end <= begin:
            distance = _words_between(text, end, begin)
        elif start >= finish:
            distance = _words_between(text, finish, start)
        else:
            continue
        if distance <= _YEAR_REACH:
            return True
    return False


def _outermost(acts: list[_Span]) -> list[_Span]:
    """Keep the first act found at each place: one phrase in two act lists is read once, as
    the kind listed first, and no act inside a longer one ("no aceptó" holds "aceptó")."""
    kept: list[_Span] = []
    for act in acts:
        if kept and act.start < kept[-1].end:
            continue
        kept.append(act)
    return kept


def _innermost_content(acts: list[_Span], things: list[_Span], text: str) -> list[_Span]:
    """Drop an act whose content is the next act ("aprobó reducir el plazo", "votaron a favor
    de suprimir", "la suspensión contra la desaparición del fondo"): the inner act says what
    was done."""
    kept = []
    for position, act in enumerate(acts):
        following = acts[position + 1] if position + 1 < len(acts) else None
        if (
            following is not None
            and (act.tag in ("create", "keep") or act.tag == following.tag == "end")
            and (
                _bears_on(act.end, following.start, text)
                # "overturned a prosecutor's decision to close": the decision's content.
                or _DECISION_TO.fullmatch(text, act.end, following.start) is not None
            )
            and not any(act.end <= t.start < following.start for t in things)
        ):
            # (An ending of an ending is read in the inner one, which it undoes.)
            continue
        kept.append(act)
    return kept


def _words_between(text: str, start: int, end: int) -> int:
    """How many words of ``text`` lie (wholly or partly) between ``start`` and ``end``."""
    if end <= start:
        return 0
    starts, ends = _word_edges(text)
    # Words that start before ``end``, less those that ended by ``start``.
    return bisect_left(starts, end) - bisect_right(ends, start)


@lru_cache(maxsize=64)
def _word_edges(text: str) -> tuple[list[int], list[int]]:
    # Distances are asked many times per sentence: its words are found once.
    spans = [word.span() for word in _WORD.finditer(text)]
    return [start for start, _ in spans], [end for _, end in spans]


def _governs(spans: list[_Span], act: _Span, text: str, *, words: int) -> bool:
    """Whether one of ``spans`` ends at most ``words`` words before the act, in its clause."""
    return any(
        span.end <= act.start
        and _words_between(text, span.end, act.start) <= words
        # "before charging them, does not violate": the cue governs the clause it opens.
        and _CLAUSE_BREAK.search(text, span.end, act.start) is None
        for span in spans
    )


_CLAUSE_BREAK = re.compile(r"[,;:]")
# From a verb of reporting to the comma that closes its clause, in one sentence.
_REPORTED_CLAUSE = re.compile(r"[^.;]*,\s*")


def _not_after_a_reaction(cues: list[_Span], reporting: list[_Span], text: str) -> list[_Span]:
    """The background cues less those that open the news after a reaction told first ("'Por
    fin', dijo Ceci Flores, fundadora de ..., luego de que el gobierno conectara"): the clause
    after the reaction is the news it reacts to."""
    if not reporting or not cues:
        return cues  # most sentences: no reaction told
    return [
        c
        for c in cues
        if not any(
            r.end <= c.start and _REPORTED_CLAUSE.fullmatch(text, r.end, c.start) for r in reporting
        )
    ]


def _topic_of_account(act: _Span, text: str, instruments: list[_Span]) -> bool:
    """Whether the act is what an account just before it is about, joined by a preposition
    ("the report on its progress in implementing", "el informe sobre la aplicación de"), not an
    act reported as done."""
    return any(
        span.tag == ACCOUNT
        and span.end <= act.start
        and _words_between(text, span.end, act.start) <= _ACCOUNT_REACH
        and _TOPIC_LINK.search(text, span.end, act.start) is not None
        and _TOPIC_BREAK.search(text, span.end, act.start) is None
        for span in instruments
    )


# "el informe, en el que destacó la aprobación de la ley", "a report in which it highlighted":
# what a report claims, told as its content.
_CLAIMED_IN = re.compile(
    r"[^.;]*?(?<!\w)(?:en\s+(?:el|la|los|las)\s+que|in\s+which|where)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:destac[óa]n?|afirm[óa]n?|señal[óa]n?|inform[óa]n?|report[óa]n?|describ[ei]n?|detall[óa]n?|"
    r"enumer[óa]n?|resalt[óa]n?|highlight(?:s|ed)?|claim(?:s|ed)?|cite[sd]?|describe[sd]?|"
    r"list(?:s|ed)?|says|said|reports|reported)\s+(?:(?!pero\s|but\s)[\w-]+,?\s+){0,20}?$"
)


def _claimed_in_account(act: _Span, text: str, instruments: list[_Span]) -> bool:
    """Whether the act is what an account named before it claims ("presentó el informe, en el
    que destacó la aprobación de la Ley General"), not an act reported as done."""
    return any(
        span.tag == ACCOUNT
        and span.end <= act.start
        and _CLAIMED_IN.fullmatch(text, span.end, act.start) is not None
        for span in instruments
    )


# How many words may stand between an account and the act it is about.
_ACCOUNT_REACH = 4
_TOPIC_LINK = re.compile(r"(?<!\w)(?:on|about|of|in|into|sobre|de|del|acerca|en)(?!\w)")
# A clause, a verb of finding or a passive between them makes the act the account's finding or
# its fate ("the report was rejected by"), not its topic.
_TOPIC_BREAK = re.compile(
    r"[,;:]|(?<!\w)(?:que|that|found|shows|showed|says|said|muestra|señala|"
    r"was|were|is|are|been|fue|fueron|es|son|ha|han|sido)(?!\w)"
)


# "said (on Wednesday) (that) it would", "announced the government will": a reported future.
_REPORTED_FUTURE = re.compile(
    r"(?<!\w)(?:said|says|announced|told\s+\w+|stated)(?:\s+[\w-]+){0,3}?\s+(?:that\s+)?"
    r"(?:it|they|he|she|the\s+government|the\s+ministry|mexico)\s+(?:would|will)"
    # ... to comply or accept, which is the step ("said it would comply with the measures").
    r"(?=\s+(?:comply|accept|abide|respect|honou?r|obey)\b)"
)


def _only_proposed(
    cues: dict[str, list[_Span]],
    act: _Span | None = None,
    text: str = "",
    acts: list[_Span] | None = None,
) -> bool:
    # "propone eliminar el arraigo", "presenta una iniciativa para reformar", "calls for
    # abolishing": a sentence that proposes or asks, and reports no vote or enactment. A cue
    # that opens a predicate joined after the act ("accepted it and would report back") tells
    # what comes next, not the act.
    proposals = cues["proposal"]
    if act is not None:
        # Nor does one before the act when the act, in the past, opens a predicate of its own
        # ("said it would comply ... and incorporated him", "prometió ... e incorporó").
        done_after = _PAST_ACT.search(act.text) is not None and _JOINED_PREDICATE.search(
            text, max(0, act.start - 5), act.start
        )
        proposals = [
            c
            for c in proposals
            if (c.start < act.end and not (done_after and c.end <= act.start))
            or (
                c.start >= act.end
                and not _JOINED_PREDICATE.search(text, act.end, c.start)
                # ", adding that the committee would have full access": what was said next;
                # "a move rights groups said would increase abuses": what others fear.
                and not _SAID_NEXT.search(text, act.end, c.start)
                and not _SAID_OF_IT.search(text, max(act.end, c.start - 30), c.start)
                # "accepted X, but rejected those calling for Y": the request is what the later
                # act refused, not a condition on this one.
                and not any(
                    other.tag == "deny" and act.end <= other.start < c.start for other in acts or ()
                )
                # "no ha recibido la ampliación que Gobernación prometió": the promise says
                # where the act's object came from, not that the act is still to come (a
                # request made now is what was decided: "approved the opinion that urges").
                and not (
                    _ASKS_NOW.fullmatch(c.text) is None
                    and _RELATIVE_OPENS.search(text, max(act.end, c.start - 40), c.start)
                )
            )
        ]
    if text:
        # "said on Wednesday it would comply with": a future told in reported speech, a
        # commitment, not a condition.
        proposals = [c for c in proposals if not _REPORTED_FUTURE.search(text, 0, c.end + 12)]
    # A vote that approves an exhortation ("aprobó un punto de acuerdo que exhorta", "approved
    # the opinion that urges") decides only to ask.
    decided = [
        d for d in cues["decided"] if not (text and _EXHORTS.search(text, d.end, d.end + 60))
    ]
    return bool(proposals) and not decided


_ASKS_NOW = re.compile(
    r"exhorta|insta|urges|pide|piden|solicita|propone|proponen|asks|proposes|calls\s+on|"
    r"calls\s+for|recomienda|recommends"
)
_EXHORTS = re.compile(
    r"(?<!\w)(?:punto\s+de\s+acuerdo|exhorta|exhortó|exhorto|insta|instó|urges|urged|"
    r"calls\s+on|called\s+on)(?!\w)"
)


def _policy_told(cues: dict[str, list[_Span]], actor_kind: str, text: str) -> bool:
    """Whether a state body tells, in the future only ("would continue", "will keep"), that it
    keeps a practice: the statement is the policy, not a proposal (principle 3)."""
    return actor_kind == "state" and all(
        _FUTURE.fullmatch(text, c.start, c.end) for c in cues["proposal"]
    )


_FUTURE = re.compile(r"would|will|it\s+will|they\s+will")


# "... and would report", "... y deberá informar", "... and that it would report": a predicate
# joined to the one before.
_JOINED_PREDICATE = re.compile(r"(?<!\w)(?:and|y|e)(?:\s+(?:that|que))?(?:\s+(?:it|they))?\s+$")
_SAID_OF_IT = re.compile(
    r"(?<!\w)(?:said|say|says|warned|warn|fear|fears|feared|dijo|dijeron|señaló|señalaron|"
    r"advirtió|advirtieron|consideró|consideraron|temen)\s+(?:that\s+|que\s+)?$"
)
_SAID_NEXT = re.compile(
    r",\s*(?:adding|saying|noting|añadió|agregó|y\s+agregó|y\s+añadió|y\s+dijo)\s+(?:that\s+|que\s+)?"
)
# A request right after an act of keeping ("declaró improcedentes 212 solicitudes de
# incorporación", "dismissed 40 requests for protection"), not a plea of amparo.
_REQUEST_KEPT_OUT = re.compile(
    r"s?\s+(?:[\w.,]+\s+){0,2}?(?:solicitudes|solicitud|peticiones|petición|requests?|"
    r"applications?)(?!\w)(?!\s+de\s+amparo)"
)


def _refusal_if_a_request(act: _Span, text: str) -> _Span:
    """A request declared inadmissible is refused: the act is a denial, not a ruling kept; a
    request that seeks something ("de los militares que pedían ser juzgados") keeps its reading
    by what it sought."""
    if act.tag != "keep":
        return act
    request = _REQUEST_KEPT_OUT.match(text, act.end)
    if request is None or _SEEKING.search(text, request.end(), request.end() + 80):
        return act
    return act.retagged("deny")


def _outside_actors(instruments: list[_Span], actors: list[_Span]) -> list[_Span]:
    """Instruments less the accounts inside an actor's name: the "Comisión de Estudios
    Legislativos" approves, its "estudios" are no study it is the topic of."""
    return [
        i
        for i in instruments
        if i.tag != ACCOUNT or not any(a.start <= i.start and i.end <= a.end for a in actors)
    ]


# What stands in the way, named right after an act of ending ("elimina el requisito de").
_OBSTACLE_NAMED = re.compile(
    r"\s+(?:(?:el|la|los|las|the|its|su|sus|an?|un|una)\s+)?(?:requisitos?|obst[aá]culos?|"
    r"barreras?|trabas?|requirements?|obstacles?|barriers?|hurdles?)(?!\w)"
)
# A wait cut ("cuts the time to grant", "reduce el plazo para"): what is ended is a delay, not
# the thing waited for.
_CUTS = re.compile(r"(?:cut|reduc|redu[jz]|acort|shorten|recort)")
_WAIT_NAMED = re.compile(
    r"\s+(?:the|its|el|los|su|sus)\s+(?:time|times|wait|waiting\s+time|delay|tiempo|tiempos|"
    r"plazo|plazos|espera)(?!\w)"
)


# "Pública" without its accent, as slug titles write it, after a noun it qualifies ("disculpa
# publica", "seguridad publica", "cuenta publica"): an adjective, not "publishes".
_PUBLIC = frozenset(("publica", "publico", "publicas", "publicos"))
_PUBLIC_NOUN = re.compile(
    r"(?<!\w)(?:disculpa|seguridad|salud|cuenta|versi[oó]n|audiencia|consulta|funci[oó]n|"
    r"administraci[oó]n|opini[oó]n|deuda|obra|v[ií]a|fe|educaci[oó]n|hacienda|pol[ií]ticas?|"
    r"entidad|ministerio|servidor|servidores|sector|gasto|inversi[oó]n|licitaci[oó]n|"
    r"defensor[ií]a|defensor|escuela|universidad|plaza|vida|imagen|denuncia|declaraci[oó]n)\s+$"
)
# A soldier named to a post ("nombró a un general en retiro como comisionado del INM", "names
# army general to head"): the institution put under the military, a move back for the demands
# it serves. "General" alone is a soldier only as a rank ("un general", "general en retiro"),
# not in "fiscal general" or "director general".
_APPOINTS = re.compile(r"(?:nombr|design|appoint|named|names|tapped|taps)")
_SOLDIER_NAMED = re.compile(
    r"(?:\s+(?:a|al|as|como|to))?\s+(?:(?:un|an?)\s+general|"
    r"(?:(?:un|una|el|la|an?|the|former|retired|active-duty|serving)\s+){0,2}"
    r"(?:(?:army|navy|military)\s+(?:general|officer|commander)|general\s+(?:en\s+retiro|"
    r"retirad[oa]|del\s+ej[eé]rcito|de\s+divisi[oó]n|de\s+brigada)|militar(?:es)?|"
    r"exmilitar(?:es)?|marino|almirante|coronel|admiral|colonel|soldier))(?!\w)"
)
# A court's suspension or injunction, granted to petitioners who speak for the demands
# (organizations, journalists, families, victims), not to soldiers or officials ...
_RELIEF = re.compile(r"(?:suspensi[oó]n|suspension|injunction)")
# ... and an amparo granted ("ampara y protege a la quejosa", "concedió el amparo a"), whose
# direction is told by who received it, and nothing where that is not said.
_AMPARO = re.compile(r"ampar")
_RELIEF_FOR = re.compile(
    r"(?:\s+(?:definitiva|provisional|temporary|preliminary))?\s+(?:a|al|a\s+favor\s+de|to|for)"
    r"\s+(?:(?:una?|la|las|los|el|an?|the|\d+)\s+)?(?:quejos[ao]s?,?\s+)?(?:organizaci[oó]n(?:es)?|"
    r"periodistas?|familias|familiares|v[ií]ctimas|colectivos?|defensor[ae]s|madres?|padres?|"
    r"activistas|organi[sz]ations?|journalists?|families|relatives|victims|rights\s+groups?)(?!\w)"
)
# A report published ("in a report published Tuesday", "el informe publicado ayer") is an
# account that came out, not a decision that lifts a proposal's cap.
_ACCOUNT_PUBLISHED = re.compile(
    r"(?<!\w)(?:report|reports|study|informe|informes|reporte|estudio|documento|comunicado|"
    r"statement|análisis|analysis)\s+(?:(?:was|were|fue|fueron)\s+)?$"
)
# A quotation in a title: 'They will be punished', "no habrá impunidad", «...».
# A single quote opens only after a space or at the start: "Mexico's" holds no quotation.
_QUOTED = re.compile(r"(?<!\w)'[^']+'(?!\w)|\"[^\"]+\"|“[^”]+”|‘[^’]+’|«[^»]+»")
# "para 2026", "para el año 2026", "for 2026": the time something is for.
_FOR_A_YEAR = re.compile(rf"\s+(?:el\s+)?(?:(?:año|ejercicio)\s+(?:fiscal\s+)?)?{_YEAR.pattern}")
# A relative clause opened after the act, its subject at most three words ("que Gobernación").
# ... or a clause of manner that names who asked ("como lo pidió el organismo").
_RELATIVE_OPENS = re.compile(r"(?<!\w)(?:que|which|that|como)(?:\s+[\w-]+){0,3}?\s+$")
# An act told in the past tense ("incorporated", "incorporó", "aprobaron").
_PAST_ACT = re.compile(r"(?:ed|ó|aron|ieron)$")


def _is_agent(actor: _Span, text: str) -> bool:
    # Searched in a window before the actor: scanned from the sentence's start for every
    # actor, this one pattern cost a few percent of the whole classifier's time.
    return _AGENT.search(text, max(0, actor.start - _AGENT_REACH), actor.start) is not None


# A span of time right after a verb ("cumplió seis meses", "completed two years").
# Units of time, as a span is counted in ("diez años", "48 horas", "three months").
_TIME_UNIT = (
    r"(?:hours?|horas?|minutes?|minutos?|days?|d[ií]as?|weeks?|semanas?|months?|mes|meses|"
    r"years?|años?)(?!\w)"
)
_DURATION = re.compile(
    r"\s+(?:\d+|un|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|quince|"
    r"veinte|cien|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|"
    rf"twenty|a\s+hundred)\s+{_TIME_UNIT}"
)
# A court named by its common noun alone, which in a document an external court wrote is that
# court.
_BARE_COURT = frozenset(("corte", "court", "tribunal", "la corte", "the court"))


def _actor_of(act: _Span, text: str, facts: _Sentence, default: str) -> tuple[str, str]:
    """Who did the act: the nearest doer before it, else the first after it in the sentence.

    An external body followed by a reporting verb before the act ("Amnistía condena la extinción
    del fondo") only reports it; the act is the state's.
    """
    before, reporting = _before(act, facts.leading_doers), facts.reporting
    subject = _subject(before)
    close_state = any(
        a.tag == "state" and _words_between(text, a.end, act.start) <= _CLOSE_ACTOR for a in before
    )
    if (
        subject is not None
        and subject.tag == "external"
        and not close_state
        and not any(subject.end <= r.start and r.end <= act.start for r in reporting)
    ):
        # The sentence's subject is an external body that does not merely report: what follows
        # is its own finding or ruling ("la Corte declaró la responsabilidad del Estado por ...").
        return subject.text, "external"
    if before:
        nearest = max(before, key=lambda a: a.end)
        if default == "external" and nearest.tag == "state" and nearest.text in _BARE_COURT:
            # In an Inter-American Court judgment, "la Corte" is that court, not Mexico's.
            return nearest.text, "external"
        if nearest.tag == "external" and any(
            nearest.end <= r.start and r.end <= act.start for r in reporting
        ):
            return "", "state"
        return nearest.text, nearest.tag
    if default == "external":
        # In a document an external body wrote (an Inter-American Court judgment), an act whose
        # doer is not named before it is the body's own finding or order.
        return "", default
    # "…, denunció una organización civil": a speaker named after a reporting verb says the
    # act; it did not do it.
    after = [
        a
        for a in facts.doers
        if a.start >= act.end
        # Not across a semicolon: "Aprueban reforma; colectivos acusan retroceso" is two
        # clauses, and the second one's subject did not do the first one's act.
        and ";" not in text[act.end : a.start]
        and not _speaks(a, act, text, reporting)
        and not _MADE_UP_OF.search(text, max(0, a.start - _AGENT_REACH), a.start)
    ]
    if after:
        first = min(after, key=lambda a: a.start)
        return first.text, first.tag
    return "", default


def _pressing(act: _Span, text: str, facts: _Sentence) -> _Span | None:
    """The state body that asks the external body named right before ``act`` to do it ("la
    cancillería pidió al Comité de la ONU retirar ..."), if one does."""
    between = _before(act, facts.leading_doers)
    for asking in facts.cues["proposal"]:
        if asking.end > act.start:
            break
        named = [a for a in between if a.start >= asking.end]
        if (
            not named
            or any(a.tag != "external" for a in named)
            or _words_between(text, asking.end, min(a.start for a in named)) > 2
            or _words_between(text, max(a.end for a in named), act.start) > _CLOSE_ACTOR
        ):
            continue
        askers = [a for a in _before(asking, facts.leading_actors) if a.tag in ("state", VOICE)]
        return max(askers, key=lambda a: a.end) if askers else None
    return None


def _speaks(actor: _Span, act: _Span, text: str, reporting: list[_Span]) -> bool:
    """Whether ``actor``, named after ``act``, is the speaker of a reporting verb between them."""
    return any(
        act.end <= r.start
        and r.end <= actor.start
        and _words_between(text, r.end, actor.start) <= 2
        for r in reporting
    )


def _before(act: _Span, actors: list[_Span]) -> list[_Span]:
    # An actor inside an act read across words is its subject, named after the verb as
    # headlines do ("levanta México la suspensión").
    return [a for a in actors if a.end <= act.start or act.start < a.start < act.end]


def _subject(before: list[_Span]) -> _Span | None:
    """The first of the actors named before an act: the sentence's subject."""
    return min(before, key=lambda a: a.start) if before else None


def _object_of(
    act: _Span,
    text: str,
    objects: list[_Span],
    instruments: list[_Span],
    acts: list[_Span],
    doers: Iterable[_Span] = (),
) -> tuple[_Span | None, str, float]:
    """The object the act bears on, its polarity and how much the pairing weighs."""
    # "La Comisión Nacional de Búsqueda publicó el informe": a doer named just before the act is
    # its subject, not its object, unless the verb is passive ("el registro fue publicado").
    subjects = [d for d in doers if d.end <= act.start]
    if subjects and not _PASSIVE_BEFORE.search(text, max(0, act.start - 12), act.start):

        def in_a_subject(span: _Span) -> bool:
            return span.end <= act.start and any(
                d.start <= span.start and span.end <= d.end for d in subjects
            )

        objects = [o for o in objects if not in_a_subject(o)]
        instruments = [i for i in instruments if not in_a_subject(i)]
    # "a recommendation to eliminate arraigo": an infinitive acts on what follows it.
    infinitive = _TO.search(text, max(0, act.start - 4), act.start) is not None
    candidates = []
    for span, strength in [(o, _OWN_OBJECT) for o in objects] + [
        (i, _INSTRUMENT) for i in instruments
    ]:
        if span.start >= act.end:
            distance = _words_between(text, act.end, span.start)
            if distance <= _WORDS_AFTER:
                candidates.append((distance, -strength, span, strength))
        elif span.end <= act.start and not infinitive:
            distance = _words_between(text, span.end, act.start)
            if distance <= _WORDS_BEFORE and not _JOINED.search(text, span.end, act.start):
                # An object before the act is read a little after one that follows it, and
                # not across "y"/"and" that opens the act's own clause ("tortura por policías
                # y se ordenó investigar").
                candidates.append((distance + 1, -strength, span, strength))
    if any(c[2].start >= act.end and c[2].tag in (WANTED, ENDED) for c in candidates):
        # "la reforma que amplía el catálogo de delitos con arraigo": the rule a relative
        # clause opens on is what acts, not what it acts on, when the clause names a thing.
        candidates = [
            c
            for c in candidates
            if c[2].start >= act.end
            or c[2].tag not in (INSTRUMENT, WANTED, ENDED)
            or not (
                _WHICH.fullmatch(text, c[2].end, act.start)
                or _BY_WHICH.fullmatch(text, c[2].end, act.start)
            )
        ]
    ended = [o for o in objects if o.tag == ENDED]
    regarding = (
        _REGARDING.search(text, act.end, act.end + 240)
        if not candidates
        and ("respecto" in text or "contra" in text or "against" in text or "regarding" in text)
        else None
    )
    if regarding is not None and act.tag in ("keep", "end"):
        # "concedió una suspensión a favor de los periodistas ..., respecto al Decreto ...": what
        # a court's measure bears on is named after "respecto a", "contra", however far.
        after = [
            span
            for span in objects + instruments
            if span.start >= regarding.end()
            and _words_between(text, regarding.end(), span.start) <= 2
        ]
        if after:
            return _object_of(
                _Span(regarding.start(), regarding.end(), regarding.group(0), act.tag),
                text,
                objects,
                instruments,
                acts,
            )
    if not candidates:
        # No object in reach: a step is taken to be a step toward the demand; but what is
        # upheld or struck down, in a sentence about a practice the demand wants ended, is that
        # practice ("declaró la invalidez del artículo ... que regulaba el arraigo").
        return None, ENDED if ended and act.tag in ("keep", "end") else WANTED, _NO_OBJECT
    # At equal reach an account wins: "la Comisión presentó su informe" presents the report.
    _, _, span, strength = min(
        candidates, key=lambda c: (c[0], c[2].tag != ACCOUNT, c[1], c[2].start)
    )
    if act.tag in ("keep", "end") and span.tag == INSTRUMENT and ended:
        if _dismisses_a_request_for(act, text, span.end, ended[0]):
            return span, WANTED, strength
        # What a court upholds, dismisses or strikes down, in a sentence about a practice the
        # demand wants ended, is that practice, a challenge to it or the rule that allowed it
        # ("dismissed a lawsuit against the use of arraigo", "struck down a state law that
        # allowed arraigo"), not the generic instrument nearest the verb. (Money cut and abuses
        # that fall keep their own reading.)
        return ended[0], ENDED, _OWN_OBJECT
    if (
        act.tag in ("keep", "end")
        and span.tag == INSTRUMENT
        and span.start >= act.end
        and _set_against(span, text, objects + _funds(instruments), acts) is not None
    ):
        # A rule set against what the demand wants ("norma contra el Registro", "the article
        # that exempted the police from the registry", "reforma para extinguir el fondo"):
        # striking it down or freezing it is the step, keeping it the setback.
        return span, ENDED, strength
    if (
        span.tag == ENDED
        and span.start >= act.end
        and _dismisses_a_request_for(act, text, act.end, span)
    ):
        return span, WANTED, strength
    polarity = ENDED if span.tag == ENDED else WANTED
    return span, polarity, strength


_TO = re.compile(r"(?<!\w)to\s+$")
# A challenge that asks for something ("que pedían ser juzgados en", "seeking to be tried by").
_SEEKING = re.compile(
    r"(?<!\w)(?:ped[ií]an|pidieron|pidió|buscaban|buscó|buscaron|solicitaban|solicitó|"
    r"solicitaron|sought|seeking|seeks|asking)(?!\w)"
)


def _dismisses_a_request_for(act: _Span, text: str, start: int, practice: _Span) -> bool:
    """Whether the keeping ``act`` dismisses a request, told between ``start`` and the practice,
    for that practice ("improcedente el amparo de militares que pedían ser juzgados en fuero
    castrense"): dismissed, the request denies the practice, a step."""
    return act.tag == "keep" and _SEEKING.search(text, start, practice.start) is not None


def _funds(instruments: list[_Span]) -> list[_Span]:
    """The money among ``instruments``: every demand wants its funds kept."""
    return [i for i in instruments if i.tag == MONEY]


def _set_against(span: _Span, text: str, objects: list[_Span], acts: list[_Span]) -> _Span | None:
    """The wanted object that the instrument at ``span`` works against, if one follows it with
    "contra" or an act of ending or clearing between them, within sixteen words."""
    for wanted in (o for o in objects if o.tag in (WANTED, MONEY) and o.start >= span.end):
        if _words_between(text, span.end, wanted.start) > _AGAINST_REACH:
            break
        # "contra" right before the wanted thing, not "ley contra la tortura, sin fiscalía".
        against = _AGAINST.search(text, max(span.end, wanted.start - 12), wanted.start)
        if against or _acts_between(acts, span.end, wanted.start):
            return wanted
    return None


# A conviction right after a verb of keeping ("upheld the prison sentences handed to",
# "confirmó la condena de").
_CONVICTION = re.compile(
    r"\s+(?:(?:the|their|his|her|its|la|las|el|los|sus?)\s+)?(?:\w+\s+)?(?:convictions?|"
    r"sentences|prison\s+sentences?|condenas?|sentencias?\s+condenatorias?|"
    r"penas?\s+de\s+prisi[oó]n)(?!\w)"
)
# Who is held under a practice ("held under arraigo", "detenido bajo arraigo").
_HELD_UNDER = re.compile(
    r"(?<!\w)(?:held|detained|kept|detenid[oa]s?|retenid[oa]s?|recluid[oa]s?|sujet[oa]s?|"
    # "convicted on evidence gathered under arraigo": convicted through the practice.
    r"gathered|obtained|obtenid[oa]s?|recabad[oa]s?)"
    r"(?:\s+[\w-]+){0,4}?\s+(?:under|bajo|en|a)\s+$"
)


def _practices_after(act: _Span, text: str, objects: list[_Span], reach: int) -> Iterable[_Span]:
    """The practices the demand wants ended named after ``act`` within ``reach`` words."""
    return (
        thing
        for thing in objects
        if thing.tag == ENDED
        and thing.start >= act.end
        and _words_between(text, act.end, thing.start) <= reach
    )


def _freed_from(act: _Span, text: str, objects: list[_Span]) -> _Span | None:
    """The practice the demand wants ended that the clearing ``act`` frees someone held under,
    named within a few words after it ("frees man held under arraigo"), if any."""
    for thing in _practices_after(act, text, objects, _WORDS_AFTER):
        if _HELD_UNDER.search(text, act.end, thing.start) is not None:
            return thing
    return None


# "artículos de la", "dos artículos de", "provisions of the": some provisions of a law.
_PROVISIONS_OF = re.compile(
    r"(?<!\w)(?:art[ií]culos|disposiciones|preceptos|fracciones|porciones\s+normativas|"
    r"provisions|articles|sections)\s+(?:[\w-]+\s+){0,3}?(?:de|del|of)\s+(?:la\s+|el\s+|the\s+)?$"
)
# A legislature's repeal of provisions, read as the repeal of what they belong to.
_REPEALS = re.compile(r"(?:derog|repeal|abrog)")
# ", relativos al", "sobre el", "concerning the": what provisions bear on.
_ON_TOPIC = re.compile(
    r"\s*,?\s*(?:relativ[oa]s?\s+al?|referentes?\s+al?|sobre|en\s+materia\s+de|concerning|on)"
    r"(?:\s+(?:la|el|los|las|the))?\s*"
)
# "the head of the", "al titular de la": the one removed is the head, not the institution.
_HEAD_OF = re.compile(
    r"(?<!\w)(?:head|director|chief|titular|director[a]?|jef[ea]|encargad[oa])\s+"
    r"(?:(?:of|de|del)\s+)(?:(?:the|la|el|los|las)\s+)?(?:[\w-]+\s+){0,2}$"
)
# "In nearly a third of the cases", "En 7 de cada 10 casos": what a count across cases found.
_SHARE_OF_CASES = re.compile(
    r"\W*(?:in|en)\s+(?:(?:nearly|almost|about|more\s+than|over|casi|más\s+de|cerca\s+de)\s+)?"
    r"(?:a\s+third|half|a\s+quarter|\d[\d.,]*\s*(?:%|percent|por\s+ciento)?|un\s+tercio|"
    r"la\s+mitad|una\s+cuarta\s+parte|\d+\s+de\s+cada\s+\d+)\s+(?:of\s+|de\s+)?"
    r"(?:the\s+|these\s+|los\s+|esos\s+|estos\s+)?(?:cases|casos)(?!\w)"
)
# "release of a man convicted", "liberación de un hombre sentenciado": who is freed.
_OF_SOMEONE = re.compile(
    r"\s+(?:(?:of|de|del|a|al)\s+)?(?:(?:a|an|the|un|una|el|la|los|las)\s+)?"
    r"(?:(?!(?:y|e|o|and|or|but|pero)\s)[\w-]+\s+){0,2}"
)


def _describes_the_freed(act: _Span, text: str, acts: list[_Span]) -> bool:
    """Whether the prosecution ``act`` only tells who a clearing act just before it frees."""
    return any(
        other.tag == "clear"
        and other.end <= act.start
        and _OF_SOMEONE.fullmatch(text, other.end, act.start) is not None
        for other in acts
    )


# A plea for something ("their argument that", "la solicitud de"), not a challenge to it, or
# a case's sending ("rechazó enviar el caso a"), right after a denial.
_PLEA = re.compile(
    r"(?:\s+[\w'’-]+){0,3}?\s+(?:argument|arguments|request|requests|petition|bid|argumento|"
    r"argumentos|solicitud|petición|pretensión|alegato|enviar|remitir|turnar|trasladar|send|"
    r"transfer)(?!\w)"
)
_AN_ORDER = re.compile(r"(?:orden|órdenes|ordenes|order|orders|solicitud|request)\b")
# How far the practice pleaded for may lie from the denial: a plea tells who asked and what.
_PLEA_REACH = 24
_AGAINST = re.compile(r"(?<!\w)(?:against|contra)(?!\w)")


def _plea_refused(act: _Span, text: str, objects: list[_Span], acts: list[_Span]) -> _Span | None:
    """The practice the demand wants ended that the denial ``act`` refuses a plea for, named
    after it with no act of ending between ("rejecting their argument that the case belonged
    in military courts"), if any; refusing a plea to end it, or against it, stays a setback."""
    for thing in _practices_after(act, text, objects, _PLEA_REACH):
        # The practice asked for as an order ("negó la orden de arraigo") is a plea itself.
        ordered = (
            _AN_ORDER.match(thing.text) is not None
            and _words_between(text, act.end, thing.start) <= 2
        )
        if (
            (ordered or _PLEA.match(text, act.end, thing.start) is not None)
            and _AGAINST.search(text, act.end, thing.start) is None
            and not _acts_between(acts, act.end, thing.start)
        ):
            return thing
    return None


# "volvió a retener", "vuelven a detener": a practice taken up again, when the practice
# follows within a word.
_AGAIN = re.compile(r"(?:volvi[óo]|vuelve|volvieron|vuelven)\s+a")
_AGAIN_REACH = 2
# "pese a la sentencia que limitó", "despite a ruling that ordered": what the news went against.
_CONCESSION = re.compile(r"(?<!\w)(?:pese\s+a|a\s+pesar\s+de|despite|in\s+spite\s+of)(?!\w)")
_CONCESSION_REACH = 14


# "Tras el recorte aprobado el año pasado, la Cámara restituyó ...", "After a lower court freed
# them, ...": a sentence that opens on what came before, up to its first comma.
_OPENING_ADVERBIAL = re.compile(
    r"\W*(?:tras|luego\s+de|despu[ée]s\s+de|after|following)(?!\w)[^,;.]*,"
)


def told_before_the_news(text: str, end: int) -> bool:
    """Whether what ends at ``end`` lies in the clause a sentence opens with to say what came
    before ("Tras el recorte aprobado el año pasado, ...")."""
    opening = _OPENING_ADVERBIAL.match(text)
    return opening is not None and end <= opening.end()


def _in_concession(act: _Span, text: str) -> bool:
    """Whether ``act`` is told inside a concession ("pese a la sentencia de la Corte que limitó
    su estancia"), the clause the news went against, not the news."""
    if "pes" not in text and "spite" not in text:
        return False  # most sentences concede nothing ("pese", "a pesar", "despite")
    return any(
        _words_between(text, found.end(), act.start) <= _CONCESSION_REACH
        and _CLAUSE_BREAK.search(text, found.end(), act.start) is None
        for found in _CONCESSION.finditer(text, 0, act.start)
    )


# "entre ellas la de eliminar el arraigo", "the one to abolish": the content of a thing listed
# just before, a request or a recommendation.
# What was asked for: "la de eliminar", "the recommendation to abolish", "la solicitud de".
_CONTENT_OF = re.compile(
    r"(?<!\w)(?:(?:la|las|el|los)\s+de|(?:recommendations?|requests?|calls?|proposals?|"
    r"recomendaci[oó]n(?:es)?|solicitud(?:es)?|petici[oó]n(?:es)?|propuestas?)\s+(?:to|de|para))"
    r"\s+$"
)


def _refused_content(act: _Span, text: str, acts: list[_Span]) -> bool:
    """Whether ``act`` is what a thing denied earlier in the sentence asked for ("rechazó 12
    recomendaciones, entre ellas la de eliminar el arraigo")."""
    return _CONTENT_OF.search(text, max(0, act.start - 24), act.start) is not None and any(
        other.tag == "deny" and other.end <= act.start for other in acts
    )


def _acts_between(acts: list[_Span], start: int, end: int) -> list[_Span]:
    return [a for a in acts if a.tag in ("end", "clear") and start <= a.start and a.end <= end]


def _describing(
    acts: list[_Span],
    every_act: list[_Span],
    text: str,
    objects: list[_Span],
    instruments: list[_Span],
) -> list[_Span]:
    """Those of ``acts`` that only describe a rule another act strikes down or upholds, a rule
    set against what the demand wants ("invalidó el artículo que eximía a la policía de
    inscribir en el Registro"): that rule's reading carries them. ``every_act``: all the
    sentence's acts, as ``_object_of`` is given them."""
    described = []
    for act in acts:
        if act.tag not in ("keep", "end"):
            continue
        target, polarity, _ = _object_of(act, text, objects, instruments, every_act)
        if target is None or target.tag != INSTRUMENT or polarity != ENDED:
            continue
        wanted = _set_against(target, text, objects, every_act)
        if wanted is not None:
            described += _acts_between(acts, target.end, wanted.start)
    return described


_AGAINST = re.compile(r"(?<!\w)(?:contra|against)(?!\w)")
_AGAINST_REACH = 16
_JOINED = re.compile(r"(?<!\w)(?:y|and)(?!\w)")
# A verb of making followed by "que"/"that" takes a clause, not a thing: it says what a text
# provides or someone holds ("la ley establece que", "aceptó que hubo", "recognizes that"),
# and the clause's own acts are read. Orders and approvals stay acts ("ordenó que se
# investigue").
_CLAUSE = re.compile(
    # A day between them ("reconoció este lunes que", "acknowledged on Monday that").
    r"(?:\s+(?:(?:este|esta|el|this|last|on)\s+)?(?:lunes|martes|mi[eé]rcoles|jueves|viernes|"
    r"s[aá]bado|domingo|semana|ayer|hoy|monday|tuesday|wednesday|thursday|friday|saturday|"
    r"sunday|week|yesterday|today),?)?"
    r"\s+(?:que|that|si(?!\s+bien)|if|whether)(?!\w)"
)
# An act asked about or set as a condition is not reported as done ("determinar si procede su
# eliminación", "whether the fund is cut", "si el Congreso aprueba la reforma"); "si bien"
# is "although", and what follows it happened.
_ASKED = re.compile(r"(?<!\w)(?:si(?!\s+bien)|if|whether)(?:\s+[\w-]+){0,5}\s+$")
_DIRECTIVE = re.compile(r"(?:orden|aprob|aprueb|order|approv)")
# Acts that state what a rule says ("establece que", "para establecer que", "establishes
# that"): the clause they hold is the rule's content.
_STATES = re.compile(r"(?:establec|establish)")
_STATED = re.compile(r"\s+(?:que|that)(?!\w)")
# Two acts listed side by side ("recortó y eliminó", "cuts, freezes") are two acts, not one
# acting on the other.
_LISTED = re.compile(r"(?:,|;|(?<!\w)(?:y|e|o|and|or)(?!\w))")
# Negations that are acts of stopping, not mere absence ("frenó", "bloqueó", "impidió",
# "blocked", "stopped"): a state body that stops the end of a wanted thing keeps it.
_BLOCKING = re.compile(r"(?:fren|bloque|impid|imped|evit|block|stop|halt)")


def _holds_a_clause(act: _Span, text: str) -> bool:
    return (
        act.tag == "create"
        and _CLAUSE.match(text, act.end) is not None
        and _DIRECTIVE.match(act.text) is None
        and _ENDS_IN_A_THING.search(act.text) is None
    )


# An act phrase that ends in the thing it makes ("integró jurisprudencia que obliga"): its
# "que" opens a relative clause on that thing, not a clause the verb holds.
_ENDS_IN_A_THING = re.compile(r"(?:jurisprudencia|precedent)$")


# "la Ley General …, que obliga a", "the protocol, which requires": a relative clause after a
# rule's name tells what the rule says.
_WHICH = re.compile(r"\s*,?\s*(?:que|which|that)\s+$")
# The gazette's formula ("DECRETO por el que se derogan diversas disposiciones"): the rule named
# before it is what acts, never what the act is on.
_BY_WHICH = re.compile(
    r"\s+(?:por|mediante)\s+(?:el|la|los|las)\s+(?:que|cual|cuales)\s+(?:se\s+)?$"
)
_WHICH_AFTER_NAME = re.compile(r"(?:\s+[\w-]+){0,4}\s*,?\s*(?:que|which|that)\s+$")


# A relative clause with no "that", its subject a pronoun ("restores the fund it abolished in
# 2020", "the visit they had put off").
_CONTACT_CLAUSE = re.compile(r"(?<!\w)[a-z]+\s+(?:it|they)\s+(?:had\s+)?$")


# Verbs of saying before the pronoun: "said it accepted" reports the act, it describes nothing.
_SAYING_BEFORE = re.compile(
    r"(?<!\w)(?:said|says|announced|stated|reported|confirmed|added|noted|told|insisted|"
    r"argued|claimed)\s+(?:it|they)\s+(?:had\s+)?$"
)


def describes_a_thing(text: str, start: int, end: int | None = None) -> bool:
    """Whether the phrase at ``start`` opens an English relative clause without "that" on
    the noun before it ("the recommendations it accepted in 2019"), or is a Spanish participle
    that qualifies the noun counted before it ("de las 264 recomendaciones aceptadas"): what it
    tells is that thing's past, not the story's act."""
    before = max(0, start - 30)
    if end is not None and _PARTICIPLE_ES.search(text, start, end):
        return _COUNTED_NOUN.search(text, max(0, start - 40), start) is not None
    near = text[before:start]
    if " it " not in near and " they " not in near:
        return False  # no pronoun, no such clause
    return (
        _CONTACT_CLAUSE.search(text, before, start) is not None
        and _SAYING_BEFORE.search(text, before, start) is None
    )


# A Spanish participle agreeing with a noun ("aceptadas", "aprobados").
_PARTICIPLE_ES = re.compile(r"[ai]d[oa]s?$")
# ... right after a counted noun: "las 264 recomendaciones", "los 12 fondos".
_COUNTED_NOUN = re.compile(r"(?<!\w)(?:l[oa]s\s+)?\d[\d,.]*\s+[^\W\d]+\s+$")


def _in_contact_clauses(acts: list[_Span], text: str) -> list[_Span]:
    """The acts after the first that only describe its object in an English relative clause
    without "that" ("restores the fund it abolished"): the first act is the news."""
    if " it " not in text and " they " not in text:
        return []  # most sentences: no pronoun to open such a clause
    return [act for act in acts[1:] if describes_a_thing(text, act.start)]


def _undone(start: int, acts: list[_Span], text: str) -> bool:
    """Whether one of ``acts`` is an ending at most three words before ``start``, not listed
    beside what follows ("revocó la condena a", "overturned the conviction of"): what follows
    is undone, not done."""
    return any(
        other.tag == "end"
        and other.end <= start
        and (
            _bears_on(other.end, start, text)
            # "reversing a decision last year to postpone the visit": the decision undone.
            or _DECISION_TO.fullmatch(text, other.end, start) is not None
        )
        for other in acts
    )


# "course", "a decision (last year) to", "su decisión de", "a decade-long decline": what an
# ending reverses is a decision or a trend.
_DECISION = re.compile(
    r"\s+(?:(?:a|its|the|his|her|their|la|su|sus)\s+)?(?:[\w-]+\s+)?"
    r"(?:course|decision|decisión|rumbo|decline|trend|tendencia|caída|descenso)(?!\w)"
)
_ATTEMPTED = re.compile(r"\s+to\s")
_MAY_TRY = re.compile(r"tri|tent|trat|pret")
_TRIED_TO = re.compile(
    r"(?<!\w)(?:tried\s+to|attempted\s+to|intentó|intentaron|trató\s+de|trataron\s+de|"
    r"pretendió|pretendían?)\s+$"
)
# "a hombre", "a una mujer", "a man": someone freed, named by no office.
_A_PERSON = re.compile(
    r"\s+(?:a\s+)?(?:(?:un|una|the|a)\s+)?(?:hombre|mujer|joven|indígena|man|woman|young\s+man)"
    r"(?!\w)"
)
# "were attacked", "fueron atacados": the subject suffered the act (one word, a participle;
# "was politically motivated" is said of a report).
_PARTICIPLE = re.compile(r"\w+(?:ed|ad[oa]s?|id[oa]s?)")
_PASSIVE_BEFORE = re.compile(r"(?<!\w)(?:was|were|been|being|fue|fueron|han\s+sido|ha\s+sido)\s+$")
_AT_THE_CLOSE = re.compile(r"(?<!\w)al\s+$")
# "respecto al", "en contra del", "against the": what a measure bears on, named after it.
_REGARDING = re.compile(
    r"(?<!\w)(?:respecto\s+(?:al|a\s+la|a\s+los|a\s+las|del|de\s+la)|en\s+contra\s+(?:del|de\s+la)|"
    r"regarding\s+the|against\s+the)(?!\w)"
)
# A ruling under review ("la sentencia recurrida", "the ruling under appeal").
_UNDER_REVIEW = re.compile(
    r"\s+(?:recurrid[ao]|impugnad[ao]|reclamad[ao]|combatid[ao]|under\s+appeal|appealed)(?!\w)"
)
# A number right before what it counts ("148 arraigo orders", "320 órdenes de arraigo").
_COUNTED = re.compile(r"\d[\d,.]*(?:\s+(?:mil|million|millones|thousand))?\s+(?:[\w-]+\s+)?$")
_DECISION_TO = re.compile(
    r"\s+(?:(?:a|its|the|his|her|their|la|su)\s+)?(?:[\w-]+'s\s+)?(?:decision|decisión)"
    r"(?:\s+[\w-]+){0,3}?"
    # ... "to" or "de" before the act, unless the act holds it ("decision | to close").
    r"\s+(?:(?:to|de)\s+)?"
)


def _bears_on(end: int, start: int, text: str) -> bool:
    """Whether what ends at ``end`` bears on what starts at ``start``: at most three words
    between them, and not two things listed side by side."""
    return _words_between(text, end, start) <= 3 and not _LISTED.search(text, end, start)


def _asked(text: str, start: int) -> bool:
    """Whether the act at ``start`` is asked about or a condition, within five words."""
    return _ASKED.search(text, max(0, start - 50), start) is not None


def _adjacent(first: _Span, second: _Span, text: str) -> bool:
    """Whether two spans touch, with no word between them, in either order."""
    if first.start >= second.end:
        return _WORD.search(text, second.end, first.start) is None
    return second.start >= first.end and _WORD.search(text, first.end, second.start) is None


# An enactment told as future ("would be published", "será aprobada") has not happened.
_TO_COME = re.compile(r"(?<!\w)(?:(?:will|would|to|shall)\s+be|ser[aá]n?|ser[ií]an?)\s+$")
# A negation that says "not yet" or "not done" rather than "refused": a perfect tense, "still
# not", "never" or "without", with at most two words before the act ("no se ha publicado", "has
# not yet issued", "are never implemented", "un año sin consignaciones").
_PENDING = re.compile(
    r"(?<!\w)(?:no\s+(?:se\s+)?(?:ha|han|haya|hayan|hab[ií]a|hab[ií]an)|a[uú]n\s+no|todav[ií]a\s+no|"
    r"nunca|jam[aá]s|never|sin|without|rara\s+vez|rarely|seldom|hardly\s+ever|"
    r"has\s+not|have\s+not|hasn't|haven't|yet\s+to|not\s+yet|"
    # "no one has been convicted", "nadie ha sido sentenciado": impunity that lasts.
    r"no\s+one\s+has|nobody\s+has|none\s+ha(?:s|ve)|nadie\s+ha|ninguno\s+ha)(?:\s+\w+){0,2}\s*$"
)


# "only 14 (have been)", "solo 3 (se han)", "apenas unas pocas": a count told as short,
# right before the act it counts ...
_FEW_BEFORE = re.compile(
    r"(?<!\w)(?:only|just|merely|solo|sólo|solamente|apenas|únicamente)\s+(?:[^\W\d]+\s+)?"
    r"(?:\d[\d,.]*|a\s+few|a\s+handful|few|un[oa]s\s+poc[oa]s|poc[oa]s)(?:\s+\w+){0,4}\s*$"
    # ... or "few" alone as the subject's count ("Few abuses by soldiers are prosecuted").
    r"|(?<![\w-])(?<!a\s)(?:few|poc[oa]s)\s+(?:[\w-]+\s+){0,6}$"
)
# ... or a share, whatever it counts, in the same clause ("sólo 20 por ciento de las metas del
# Programa Nacional de Derechos Humanos se cumplieron").
_FEW_SHARE = re.compile(
    r"(?<!\w)(?:only|just|merely|solo|sólo|solamente|apenas|únicamente)\s+\d[\d,.]*\s*"
    r"(?:%|por\s+ciento|percent)(?:\s+[\w-]+){0,14}\s*$"
)


def _names_a_share(text: str, start: int) -> bool:
    window = text[max(0, start - 120) : start]
    return "%" in window or "ciento" in window or "percent" in window


# ... or right after it ("implemented few of", "cumplió pocas de", "ha cumplido solo 3").
_FEW_AFTER = re.compile(
    r"\s+(?:few|a\s+handful|a\s+fraction|poc[oa]s|una\s+fracción|una\s+mínima\s+parte|"
    r"(?:only|just|solo|sólo|apenas)\s+(?:\d|one|two|three|four|five|un[oa]?|dos|tres|cuatro|"
    r"cinco))(?!\w)"
)


def few_done(text: str, start: int, end: int) -> bool:
    """Whether the act at ``start:end`` of ``text`` is counted as only a few ("sólo obtuvo 17
    sentencias", "implemented few of", "de las 264 recomendaciones, ha cumplido plenamente 31")."""
    return bool(
        _FEW_BEFORE.search(text[max(0, start - 48) : start])
        or (_names_a_share(text, start) and _FEW_SHARE.search(text[max(0, start - 120) : start]))
        or _FEW_AFTER.match(text, end)
        or _a_small_part(text, start, end)
    )


# A part counted against its whole: "implemented three of the 48", "cumplió 31 de las 264", or
# the whole named first ("De las 264 recomendaciones aceptadas, el Estado ha cumplido 31").
_SMALL_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "uno": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
}
_COUNT_WORD = rf"(\d[\d,.]*|{'|'.join(_SMALL_NUMBERS)})"
_PART_AFTER = re.compile(
    rf"\s+(?:[^\W\d]+mente\s+|fully\s+|only\s+)?{_COUNT_WORD}(?:\s+[^\W\d]+){{0,2}}?\s+"
    rf"(?:de\s+l[oa]s|of\s+the|out\s+of)\s+(\d[\d,.]*)(?!\w)"
)
_WHOLE_FIRST = re.compile(r"(?<!\w)(?:de|of)\s+l?[oa]?s?\s*(\d[\d,.]*)\s+[^,;]{0,80},")
_PART_NEXT = re.compile(rf"\s+(?:[^\W\d]+mente\s+|fully\s+)?{_COUNT_WORD}(?!\w)")


def _a_small_part(text: str, start: int, end: int) -> bool:
    """Whether the act counts a part under half of a whole told beside it."""
    after = _PART_AFTER.match(text, end)
    if after is not None:
        return _under_half(after.group(1), after.group(2))
    part = _PART_NEXT.match(text, end)
    whole = _WHOLE_FIRST.match(text, 0) if part is not None else None
    return whole is not None and part is not None and _under_half(part.group(1), whole.group(1))


def _under_half(part: str, whole: str) -> bool:
    return 2 * _as_number(part) < _as_number(whole)


def _as_number(count: str) -> int:
    """A count as written: digits with thousands separators ("1,900", "5.000") or a small
    number word ("three", "tres")."""
    return _SMALL_NUMBERS.get(count) or int(count.replace(",", "").replace(".", "") or 0)


# A count set beside a larger one ("11 en 2024, frente a 27 el año anterior", "9, compared
# with 30") or told going from more to fewer ("pasaron de 30 a 8", "from 30 to 8").
# A year is not a count.
_NUMBER = r"(?!(?:19|20)\d\d(?![\d,.]*\d))(\d{1,3}(?:[,.]\d{3})*|\d+)(?![\d,.]*\d)"
# Counts set against each other may be words, as the press writes those up to ten ("only two
# convictions, compared with nine"); "one" and "una" are left out, being articles as often.
_NUMBER_WORDS = "|".join(word for word, number in _SMALL_NUMBERS.items() if number > 1)
_COUNT_NUMBER = (
    r"(?!(?:19|20)\d\d(?![\d,.]*\d))"
    rf"((?:\d{{1,3}}(?:[,.]\d{{3}})*|\d+)(?![\d,.]*\d)|(?:{_NUMBER_WORDS})(?!\w))"
)
_A_COUNT = re.compile(rf"\d|(?<!\w)(?:{_NUMBER_WORDS})(?!\w)")
# A number right before a prosecution word makes it a noun counted ("1.2 million arrests",
# "320 detenciones"), not an act; a year before it is a date ("in 2019 charged").
_NUMBER_BEFORE = re.compile(
    rf"(?:(?<![\w.,]){_NUMBER}|(?<!\w)(?:million|millones|thousand|mil))\s+$"
)
# ... unless a verb of obtaining counts them ("obtuvo 40 sentencias condenatorias", "secured
# 12 convictions"): prosecutions won, an act.
_OBTAINED = re.compile(
    r"(?<!\w)(?:obtuvo|obtuvieron|logró|lograron|consiguió|consiguieron|dictó|dictaron|"
    r"secured|obtained|won|handed\s+down)\s+(?:[\w.,]+\s+){0,2}$"
)
_COUNT_BESIDE = re.compile(
    rf"(?<![\w.,]){_COUNT_NUMBER}[^.;:]{{0,60}}?(?<!\w)(?:frente\s+a|en\s+comparación\s+con|"
    rf"comparad[oa]s?\s+con|compared\s+(?:with|to)|versus|vs\.?)\s+(?:l[oa]s\s+|the\s+)?"
    rf"{_COUNT_NUMBER}"
)
# The words between may name the unit and a year ("de 800 millones de pesos en 2025 a 350"),
# not a span of time: "from 12 hours to three" is a wait cut, not fewer steps.
_COUNT_FROM_TO = re.compile(
    rf"(?<!\w)(?:de|from)\s+{_COUNT_NUMBER}(?:\s+(?!{_TIME_UNIT})(?:[^\W\d]+|(?:19|20)\d\d)){{0,6}}?"
    rf"\s+(?:a|to)\s+{_COUNT_NUMBER}(?!\w)"
)


# A count in figures or a share in words ("bajan a la mitad las sentencias").
_QUANTITY = re.compile(r"\d|mitad|half")
_COMPARING = ("frente", "compar", "versus", "vs")
_FROM_A_NUMBER = re.compile(rf"(?:de|from)\s+(?:\d|(?:{_NUMBER_WORDS})(?!\w))")
# "2 mil", "350 millones", "1.2 million": the word after a number that scales it.
_SCALES = {
    "mil millones": 10**9,
    "mil": 10**3,
    "thousand": 10**3,
    "millones": 10**6,
    "millón": 10**6,
    "million": 10**6,
    "billion": 10**9,
}
_SCALE = re.compile(r"\s+(mil millones|mil|thousand|millones|millón|million|billion)(?!\w)")


def _count_fell(text: str) -> bool:
    """Whether ``text`` tells a count smaller than the one it is set against."""
    return _counts_set_against(text)[0]


def _counts_set_against(text: str) -> tuple[bool, bool]:
    """Whether ``text`` tells a count smaller, and whether one larger, than the one it is set
    against (both found in one pass)."""
    fell = rose = False
    if _A_COUNT.search(text) is None:
        return fell, rose  # most sentences hold no number: nothing to compare
    if "voto" in text or "vote" in text:
        return fell, rose  # "98 votos frente a 12": a tally of votes, not of steps

    def value(found: re.Match[str], group: int) -> int:
        number = _as_number(found.group(group))
        scale = _SCALE.match(text, found.end(group))
        return number * _SCALES[scale.group(1)] if scale else number

    patterns = []
    # Cheap tests first: a date holds digits too, and these patterns are slow to run.
    if any(word in text for word in _COMPARING):
        patterns.append((_COUNT_BESIDE, True))
    if _FROM_A_NUMBER.search(text) is not None:
        patterns.append((_COUNT_FROM_TO, False))
    for pattern, fewer_first in patterns:
        for found in pattern.finditer(text):
            first, second = value(found, 1), value(found, 2)
            if first != second:
                if (first < second) == fewer_first:
                    fell = True
                else:
                    rose = True
    return fell, rose


# A confession told as forced by torture ("confesión obtenida bajo tortura", "tortured into
# confessing") ...
_FORCED_CONFESSION = re.compile(
    r"(?<!\w)(?:confes\w*[^.;]{0,80}?tortur\w*|tortur\w*[^.;]{0,40}?confes\w*)"
)
# ... unless the acquittal is of torturing ("acquitted of torture", "absuelto del delito de
# tortura"): then the torturers are the ones cleared.
_CLEARED_OF_TORTURE = re.compile(
    r"\s+(?:\w+\s+){0,4}?(?:of|de|del)\s+"
    r"(?:(?:the|crimes?|charges?|el|la|los|las|delitos?|cargos?|de|of)\s+){0,3}tortur"
)


def _frees_the_tortured(act: _Span, text: str) -> bool:
    """Whether the clearing ``act`` frees someone a confession under torture convicted."""
    return (
        _FORCED_CONFESSION.search(text) is not None
        and _CLEARED_OF_TORTURE.match(text, act.end) is None
    )


# What a rule does when it opens the way to a practice ("que permite", "that adds ... to",
# "mediante el cual las autoridades podrán dar de baja").
_ENABLING = re.compile(
    # Accents optional: slug titles have none ("lineamientos que permitian borrar").
    r"(?<!\w)(?:permiten?|permitir[aá]n?|permitir[ií]an?|permit[ií]an?|permiti[oó]|permitir|"
    r"faculta[rn]?|facultar[aá]n?|facultaban?|autoriza[rn]?|autorizar[aá]n?|autorizaban?|"
    r"a[ñn]aden?|a[ñn]adir[aá]n?|agregan?|agregar[aá]n?|podr[aá]n?|puedan?|pueden?|allows?|allowed|"
    r"allowing|"
    r"permits?|permitted|permitting|may|"
    r"authori[sz]es?|authori[sz]ed|authori[sz]ing|adds?|adding|lets|letting)(?!\w)"
)
# How many words may lie between the enabling verb and the practice it opens the way to.
_ENABLING_REACH = 16


def _enables_what_is_ended(
    act: _Span,
    target: _Span | None,
    text: str,
    objects: list[_Span],
    facts: _Sentence,
    delays: CuePhrases,
) -> bool:
    """Whether the rule ``act`` makes (its target, a generic instrument) is told as opening the
    way to a practice the demand wants ended ("que permite pedir el arraigo"), or to ending
    what it wants ("que autorizan dar de baja registros"); "que no permite" does neither."""
    if act.tag == "create" and _ENABLING.fullmatch(act.text):
        # The rule's own verb of allowing ("un acuerdo ... permite a las policías capturar los
        # datos hasta 48 horas después"): what it lets be done follows it.
        return _opens_way_to(act.end, text, objects, facts.acts) or _puts_off(
            act.end, text, objects, delays
        )
    if act.tag == "create" and target is None:
        # "amplía el catálogo de delitos por los que el Ministerio Público puede solicitar el
        # arraigo": a rule no lexicon names, told by what it lets be done.
        return _allows_within_reach(act.end, text, objects, facts, delays)
    if act.tag != "create" or target is None or target.tag not in (INSTRUMENT, WANTED):
        return False
    if target.tag == INSTRUMENT and target.start >= act.end:
        # "issued rules exempting the military from the registry", "expide un acuerdo contra
        # el Registro": a rule made against what the demand wants.
        if _set_against(target, text, objects, facts.acts) is not None:
            return True
    return _allows_within_reach(max(act.end, target.end), text, objects, facts, delays)


# A law named by what it is about ("ley de amnistía", "amnesty law").
_LAW_NAME = re.compile(r"(?:ley\s+de|\w+\s+law)\b")
# A rule as a sentence's subject ("La reforma al Código ..., publicada el martes, faculta a").
_RULE_SUBJECT = re.compile(
    r"(?<!\w)(?:reforma|ley|decreto|acuerdo|lineamientos|reglamento|norma|normas|disposiciones|"
    r"reform|law|decree|regulations|rules|guidelines)(?!\w)"
    # ... or an article's heading, which opens what the rule itself says ("ÚNICO.- Las
    # instituciones podrán capturar ...").
    r"|(?<!\w)(?:art[ií]culo\s+)?(?:[úu]nico|primero|segundo|tercero|cuarto|quinto)\s*\.-"
)
_RULE_REACH = 14
# The verbs by which a rule, as the subject, empowers ("conforme a los lineamientos, la Guardia
# podrá capturar"), not "may" or "adds": a rule that "may face challenges" empowers nothing.
_EMPOWERS = re.compile(
    r"(?<!\w)(?:permiten?|permiti[oó]|faculta[n]?|facult[oó]|autoriza[n]?|autoriz[oó]|allows?|"
    r"allowed|authori[sz]es|authori[sz]ed|empowers|empowered|lets|podr[aá]n?)(?!\w)"
)
_EMPOWERING_STEMS = ("permit", "facult", "autoriz", "allow", "authori", "empower", "lets", "podr")
# "que permitía", "which allows": the verb describes a rule, it is not the sentence's news.
_RELATIVE_BEFORE = re.compile(r"(?<!\w)(?:que|which|that|no|not)\s+$")


# A deadline pushed back ("amplía por segunda ocasión, hasta diciembre, el plazo para",
# "extended again the deadline"): a duty put off, an act of ending what it was due to bring.
_DEADLINE_PUSHED = re.compile(
    r"(?<!\w)(?:ampl[ií]an?|ampli[oó]|ampliaron|ampliar|extienden?|extendi[oó]|extendieron|"
    r"extender|prorrogan?|prorrog[oó]|prorrogaron|prorrogar|extends?|extended|extending)"
    r"(?:\s+[^\s]+){0,8}?\s+(?:(?:el|los|the|its|su|sus)\s+)?(?:plazos?|deadlines?)"
    # ... for a duty ("el plazo para que se integren"), not a practice's term ("el plazo del
    # arraigo", which extends the practice).
    r"(?=\s+(?:para|to|for)(?!\w))"
)


# A suspension or a ban lifted ("levanta México la suspensión de la visita", "lifted the ban
# on"): what was halted goes ahead, an act of making it.
_SUSPENSION_LIFTED = re.compile(
    r"(?<!\w)(?:levanta|levantó|levantan|levantaron|lifts?|lifted|lifting)"
    r"(?:\s+[^\s]+){0,2}?\s+(?:la|el|the|its|su)\s+(?:suspensión|suspension|veto|ban|moratoria)"
    r"(?!\w)"
)


# Someone named to head a body ("named an active-duty army general to lead the National
# Migration Institute"): "named" alone is too common a word to be an act.
_NAMED_TO_HEAD = re.compile(
    r"(?<!\w)(?:named|names|appointed|appoints|tapped|taps)(?:\s+[^\s]+){1,6}?\s+"
    r"(?:to\s+(?:head|lead|run)|as\s+(?:head|director|chief|commissioner))(?!\w)"
)


# Prosecutions obtained or opened, counted ("secured only two convictions", "opened just 14
# criminal cases", "obtuvo apenas tres sentencias condenatorias"): one act of prosecuting,
# whose count, where it fell, is a measured worsening.
_PROSECUTIONS_COUNTED = re.compile(
    r"(?<!\w)(?:secured|secures|obtained|obtains|won|wins|opened|opens|filed|files|brought|"
    r"obtuvo|obtuvieron|obtiene|obtienen|logr[oó]|lograron|abri[oó]|abrieron|inici[oó]|"
    r"iniciaron)(?:\s+[^\s]+){0,3}?\s+(?:convictions?|criminal\s+cases|criminal\s+charges|"
    r"prosecutions|indictments|sentencias\s+condenatorias|condenas|carpetas\s+de\s+"
    r"investigaci[oó]n|averiguaciones\s+previas|vinculaciones\s+a\s+proceso)(?!\w)"
)


# Acts read across the words between their verb and their noun: the words that must be in a
# sentence for one to be there (most sentences hold none), the pattern, the kind of act.
_ACTS_ACROSS = (
    (("plazo", "deadline"), _DEADLINE_PUSHED, "end"),
    (("levant", "lift"), _SUSPENSION_LIFTED, "create"),
    (("named", "names", "appoint", "tapped", "taps"), _NAMED_TO_HEAD, "create"),
    (
        (
            "convict",
            "criminal",
            "prosecutions",
            "indictments",
            "condenas",
            "sentencias",
            "carpetas",
        ),
        _PROSECUTIONS_COUNTED,
        "prosecute",
    ),
)


def _names_a_soldier(act: _Span, text: str) -> bool:
    """Whether the act names someone to a post who is a soldier ("designan a exmilitar")."""
    if _APPOINTS.match(act.text) is None:
        return False
    # After the verb: an appointment read across words holds the person ("named X to head").
    verb_end = act.start + len(act.text.split(maxsplit=1)[0])
    return _SOLDIER_NAMED.match(text, verb_end) is not None


def _acts_read_across(text: str) -> list[_Span]:
    """Each deadline pushed back or suspension lifted in ``text``, one act from verb to noun."""
    return [
        _Span(m.start(), m.end(), m.group(0), tag)
        for gates, pattern, tag in _ACTS_ACROSS
        if any(gate in text for gate in gates)
        for m in pattern.finditer(text)
    ]


def _rules_allowing(text: str, acts: list[_Span]) -> list[_Span]:
    """Verbs of allowing whose subject is a rule named before them, with no act between ("la
    reforma ... faculta a la Fiscalía Militar para investigar", "new regulations allow"): the
    rule's act, which what it lets be done turns."""
    if not any(stem in text for stem in _EMPOWERING_STEMS):
        return []  # most sentences: no verb of empowering to look at
    found = []
    for verb in _EMPOWERS.finditer(text):
        if _RELATIVE_BEFORE.search(text, max(0, verb.start() - 6), verb.start()):
            continue
        start = max(0, verb.start() - 120)
        rules = [r for r in _RULE_SUBJECT.finditer(text, start, verb.start())]
        if not rules or _words_between(text, rules[-1].end(), verb.start()) > _RULE_REACH:
            continue
        if any(rules[-1].end() <= a.start < verb.start() for a in acts):
            continue
        found.append(_Span(verb.start(), verb.end(), verb.group(0), "create"))
    return found


def _allows_within_reach(
    start: int, text: str, objects: list[_Span], facts: _Sentence, delays: CuePhrases
) -> bool:
    # The verb of allowing follows the rule within a few words ("lineamientos que autorizan"),
    # and is not negated by the campaign's negation cues ("que no permite").
    for found in _ENABLING.finditer(text, start):
        # A name counts as one word ("dos artículos de la Ley Nacional del Registro de
        # Detenciones que permitían").
        named = sum(
            _words_between(text, o.start, o.end) - 1
            for o in objects
            if start <= o.start and o.end <= found.start()
        )
        if _words_between(text, start, found.start()) - named > _WORDS_AFTER and not (
            _purpose_opens(text, start, found.start())
        ):
            break
        enabling = _Span(found.start(), found.end(), found.group(0), "allow")
        if _governs(facts.cues["negation"], enabling, text, words=1):
            continue
        if _opens_way_to(enabling.end, text, objects, facts.acts):
            return True
        if _puts_off(enabling.end, text, objects, delays):
            return True
    return False


# A purpose clause ("para que las fiscalías de los estados puedan", "so that prosecutors
# may"), or one on the cases the rule covers ("el catálogo de delitos por los que el Ministerio
# Público puede", "crimes for which"): what the rule is made for, however long its name.
_PURPOSE = re.compile(
    r"(?<!\w)(?:para\s+que|a\s+fin\s+de\s+que|so\s+that|"
    r"(?:por|en)\s+(?:los|las|el|la)\s+(?:que|cuales)|(?:for|under|in)\s+which)(?!\w)"
)
_PURPOSE_REACH = 7


def _purpose_opens(text: str, start: int, end: int) -> bool:
    """Whether a purpose clause opens between ``start`` and ``end`` within a few words of it."""
    purposes = list(_PURPOSE.finditer(text, start, end))
    return bool(purposes) and _words_between(text, purposes[-1].end(), end) <= _PURPOSE_REACH


def _puts_off(start: int, text: str, objects: list[_Span], delays: CuePhrases) -> bool:
    """Whether what a rule allows, from ``start``, is a duty put off ("podrán registrarse
    hasta 72 horas después") in a sentence about what the demand wants: the duty no longer
    done at once."""
    if not any(thing.tag == WANTED for thing in objects):
        return False
    for found in delays.finditer(text):
        # The delay closes what is allowed, so it may lie further off than a practice named.
        if found[0] >= start and _words_between(text, start, found[0]) <= 2 * _ENABLING_REACH:
            return True
    return False


def _opens_way_to(start: int, text: str, objects: list[_Span], acts: list[_Span]) -> bool:
    """Whether what follows ``start`` (what a rule allows) is a practice the demand wants ended
    with no act of ending before it, or an act of ending right before something it wants."""
    return _way_opened_to(start, text, objects, acts) is not None


def _way_opened_to(
    start: int, text: str, objects: list[_Span], acts: list[_Span], reach: int = _ENABLING_REACH
) -> _Span | None:
    """The practice or the ended thing :func:`_opens_way_to` finds after ``start``, if any."""
    for thing in objects:
        if thing.start < start or _words_between(text, start, thing.start) > reach:
            continue
        ending = [a for a in acts if a.tag == "end" and start <= a.start < thing.start]
        if thing.tag == ENDED and not ending:
            return thing
        if thing.tag == WANTED and any(
            _words_between(text, a.end, thing.start) <= 3 for a in ending
        ):
            return thing
    return None


# Persons removed who are accused of an abuse ("a los policías acusados de tortura", "the
# officers accused of beating"), within a few words of the act.
_ACCUSED = re.compile(
    r"(?:\s+[\w-]+){0,8}?\s+(?:(?:acusad[oa]s?|señalad[oa]s?|implicad[oa]s?|involucrad[oa]s?|"
    r"investigad[oa]s?|accused|implicated|involved|charged)\s+(?:de|por|en|of|in|with)|"
    # ... or shown doing it ("filmed beating", "grabados golpeando", "who appeared in a video")
    r"filmed|grabad[oa]s|captad[oa]s|who\s+appeared\s+in|que\s+aparec[ei]n?\s+en)(?!\w)"
)

# Officials removed from their posts ("fired four agents", "dio de baja a 12 elementos"): a
# sanction, where the removal verb is one of dismissal and those removed are officers.
_REMOVAL = re.compile(
    r"(?:fired|fires|dismissed|dismisses|suspended|suspends|removed|da de baja|dio de baja|"
    r"dan de baja|dieron de baja|destituy|suspendi|suspende|cesó|cesa)"
)
_OFFICIALS = re.compile(
    r"\s+(?:(?:a|al|a\s+los|a\s+las|the|los|las|\d+|[\w-]+)\s+){0,3}?(?:de\s+sus\s+|of\s+its\s+)?"
    r"(?:agents?|officers?|police(?:men)?|soldiers?|marines|officials|guards|agentes|policías|"
    r"elementos|militares|marinos|custodios|funcionarios|servidores\s+públicos|mandos)(?!\w)"
)

_WITHOUT = re.compile(r"(?<!\w)(?:sin|without)\s+(?:(?:bringing|filing|pressing|presentar)\s+)?$")


def _pending(start: int, text: str, acts: list[_Span]) -> bool:
    # "aprobó la reforma sin eliminar el arraigo": a decision taken without the act refused
    # it; the act is not still to be done.
    if not _still_not_done(text, start):
        return False
    without = _WITHOUT.search(text, max(0, start - 20), start)
    # ... and so is a case closed without it ("closed the probe ... without bringing charges").
    return without is None or not any(
        (other.tag == "create" and _words_between(text, other.end, without.start()) <= 5)
        or (other.tag == "end" and _words_between(text, other.end, without.start()) <= 12)
        for other in acts
        if other.end <= without.start()
    )


# "los 30 millones que solicitó", "the money it asked for", "the funds it was promised": a
# request or a promise in a relative clause names what was asked for or promised, and the
# sentence tells what became of it.
_ASKING = re.compile(r"(?:pid|solicit|exig|ask|request|promet|promis)")
_ASKED_FOR = re.compile(
    r"(?<!\w)(?:que\s+(?:(?:se|le|les|ha|han|hab[ií]a|hab[ií]an)\s+)?"
    r"|(?:which|it|they)\s+(?:had\s+|was\s+|were\s+|had\s+been\s+)?)$"
)


# "the promised funds", "short of promised money": the participle names a thing.
_ATTRIBUTIVE = re.compile(r"(?<!\w)(?:the|its|their|his|her|of|without|with|no|any|for)\s+$")


def _for_purpose(text: str, cue: _Span, purposes: list[_Span]) -> bool:
    """Whether the cue follows right after a purpose word ("capacidad para analizar mil
    muestras"): it tells what a thing is for, not a plan."""
    return any(p.end <= cue.start and not text[p.end : cue.start].strip() for p in purposes)


def _asked_for_thing(text: str, cue: _Span) -> bool:
    """Whether the request ``cue`` sits in a relative clause on the thing asked for, or
    qualifies it as a participle ("the money it asked for", "the promised funds")."""
    if not _ASKING.match(cue.text):
        return False
    before = max(0, cue.start - 24)
    return bool(
        _ASKED_FOR.search(text, before, cue.start) or _ATTRIBUTIVE.search(text, before, cue.start)
    )


def _still_to_come(text: str, start: int) -> bool:
    """Whether the enactment at ``start`` is told as future ("would be published", "será
    aprobada"), which does not lift a promise or a proposal."""
    return bool(_TO_COME.search(text, max(0, start - 16), start))


# "sigue sin recursos", "still without funding", "aún no recibe": a lack told as lasting.
_CONTINUING = re.compile(
    r"(?<!\w)(?:sigue|siguen|segu[ií]a|segu[ií]an|contin[uú]a|contin[uú]an|permanece|permanecen|"
    r"todav[ií]a|a[uú]n|still|remains|remain|continues\s+to\s+be|continue\s+to\s+be)\s+$"
)
_ABSENCE = re.compile(r"(?:sin|without|no|not|has\s+not|have\s+not|received\s+no|fuera)(?!\w)")


# A pronoun opening a sentence ("It rejected, however, …") stands for someone named before.
_PRONOUN_SUBJECT = re.compile(r"\W*(?:it|they|he|she|él|ella|ellos|ellas)\s")


def opens_with_pronoun(lowered: str) -> bool:
    """Whether the sentence ``lowered`` opens with a subject pronoun."""
    return _PRONOUN_SUBJECT.match(lowered) is not None


def still_lacking(text: str, start: int) -> bool:
    """Whether the absence at ``start`` ("sin recursos", "no recibe") is told as lasting ("sigue
    sin recursos", "still has not received"): ongoing non-compliance, not a new act."""
    return (
        _ABSENCE.match(text, start) is not None
        and _CONTINUING.search(text, max(0, start - 24), start) is not None
    )


# "falls short", "se queda corta", "es insuficiente": a step judged not enough.
_SHORTFALL = re.compile(
    r"(?<!\w)(?:falls?\s+short|fell\s+short|se\s+qued(?:a|an|ó|aron)\s+cort[oa]s?|"
    r"insuficiente|insuficientes|insufficient|not\s+enough|no\s+es\s+suficiente|no\s+basta)(?!\w)"
)


def _judged_short(text: str, start: int) -> bool:
    """Whether a shortfall is judged before ``start`` in the sentence ("falls short because")."""
    return _SHORTFALL.search(text, 0, start) is not None


# Keeping told in the present ("mantiene", "maintains"): a state of affairs, where an outside
# body reports it, not a decision ("mantuvo", "upheld").
_STILL_KEEPS = re.compile(
    r"(?:mantiene|mantienen|continúa|sigue vigente|permanece|keeps|maintains|retains|remains|"
    r"continues?\b)"
)
_ACCORDING = re.compile(r"(?:según|according\s+to)")


def _kept_as_an_outsider_tells(phrase: str, start: int, facts: _Sentence) -> bool:
    """Whether ``phrase`` (an act or a cue at ``start``) keeps, in the present, what an
    external body reports earlier in the sentence ("Amnistía señaló que México mantiene el
    arraigo"): an external body, then a reporting verb, before it."""
    return _STILL_KEEPS.match(phrase) is not None and any(
        (said.end <= start and body.end <= said.start)
        # "..., according to a study by a university": the source named after.
        or (_ACCORDING.fullmatch(said.text) is not None and said.end <= body.start)
        for said in facts.reporting
        for body in facts.leading_actors
        if body.tag == "external"
    )


def _told_as_lasting(text: str, start: int) -> bool:
    """Whether the act at ``start`` is told as going on ("still shields", "sigue negando"), or
    a thing as staying as it is ("el artículo 13 se mantiene incólume")."""
    return _CONTINUING.search(text, max(0, start - 24), start) is not None or (
        _STAYS.match(text, start) is not None
        # "would continue to investigate", "may continue to try": a decision, not a state.
        and _MODAL_BEFORE.search(text, max(0, start - 12), start) is None
    )


_MODAL_BEFORE = re.compile(
    r"(?<!\w)(?:would|will|may|can|could|shall|must|podr[aá]n?|deber[aá]n?|va\s+a|van\s+a)\s+$"
)
# "se mantiene", "se mantienen": a thing stays as it is, said of itself (no one keeps it);
# "continue to use", "siguen aplicando": a practice that goes on (eval/README.md, principle 4).
_STAYS = re.compile(
    r"mantienen?(?=\s+(?:sin|incólume|vigente|igual|intact|abiert))"
    r"|(?:continues?|continued|sigue|siguen|continúa|continúan)(?=\s+(?:to\s+\w+|\w+(?:ando|iendo)\b))"
)


def _still_not_done(text: str, start: int) -> bool:
    """Whether the negation just before ``start`` says a thing is still not done ("no ha
    publicado", "aún no", "has not", "yet to"), rather than refused or blocked."""
    return bool(_PENDING.search(text[max(0, start - 40) : start])) or (
        # An act listed with its auxiliary ("no ha publicado", "has not published").
        _PERFECT_ACT.match(text, start) is not None
        and _BARE_NEGATION.search(text, max(0, start - 8), start) is not None
    )


_PERFECT_ACT = re.compile(r"(?:ha|han|has|have|había|habían)\s")
_BARE_NEGATION = re.compile(r"(?<!\w)(?:no|not)\s+$")


def _negated(
    kind: str,
    stance: str,
    money: bool,
    actor_kind: str,
    pending: bool,
    blocked: bool,
) -> str | None:
    """The stance of a negated or blocked act, or None when it says nothing."""
    if kind == "end" and stance == REGRESS and blocked and actor_kind == "state":
        # A state body (a court, Congress) that stops the end of what is wanted ("frenó la
        # eliminación del fondo", "blocked the closure of the fund") takes a step toward it.
        return ADVANCE
    if kind in ("create", "end", "keep"):
        if stance == ADVANCE:
            # Not creating what is wanted, not abolishing what must end: a failure. Money not
            # given, a state body that refused or blocked it and a blocked abolition are moves
            # back; what is only still not done, with no new act, is reported non-compliance.
            if money:
                return REGRESS
            if pending:
                return MENTION
            return REGRESS if kind == "end" or actor_kind == "state" else MENTION
        return MENTION
    if kind == "prosecute":
        # "No one has been charged": impunity reported, not a new act; but a case closed or a
        # charge refused ("closed the probe without bringing charges") is a move back.
        return MENTION if pending else REGRESS
    return None


__all__ = [
    "ADVANCE",
    "MENTION",
    "REGRESS",
    "Reading",
    "StanceReader",
    "still_lacking",
    "told_before_the_news",
]
