"""Rule-based classifier: which demands an item concerns, which way it moves them, and why.

Pure functions over an Item and a Campaign. Each match carries the evidence
sentence with its offsets and the rule that fired, so an alert can explain
itself and a researcher can audit it.

Relevance: a demand's key terms count on their own; its other terms count only in a
sentence (or an item whose title) holds one of its context words, and never in a sentence
with one of its exclusions. Stance: the title, each sentence that names the demand and the
sentence after it are read for acts on objects (classify/reading.py) and for the demand's own
cue phrases; the heaviest stance wins, but a regress half as heavy as the advances still wins.
"""

from __future__ import annotations

import bisect
import re
from collections import defaultdict
from dataclasses import dataclass, replace

from vigia.classify.demands import Campaign, Demand
from vigia.classify.reading import (
    StanceReader,
    describes_a_thing,
    few_done,
    latest_year_told,
    opens_with_pronoun,
    still_lacking,
    told_before_the_news,
    told_by_the_day,
)
from vigia.classify.text import (
    CuePatterns,
    CuePhrases,
    Found,
    Lazy,
    Lexicon,
    fold,
    lower,
    sentence_spans,
)
from vigia.core.model import Item, Match

RULES_VERSION = "rules-24"  # bump when a code change can change a match
SCOPED_BY_SOURCE = ("gazette", "court")
TITLE = "title"
BODY = "text"
ADVANCE, REGRESS, MENTION = "advance", "regress", "mention"
# Weights of a stance verdict: a demand's own cue counts double a generic one; a title that
# names the demand weighs more than a body sentence, a title that does not, as much: a headline
# says what the news is even when it names the demand by another word ("caerá el gasto para
# la búsqueda" over a body that tells the budget "aprobado").
_SPECIFIC = 2.0
_TITLE_NAMING, _TITLE_OTHER, _SENTENCE, _NEXT_SENTENCE = 1.5, 1.0, 1.0, 0.5
# A setback read beside advances wins when it weighs at least this share of them: a missed
# regress costs a campaign more than a mixed story shown as one (set a priori, not fitted).
_SETBACK_SHARE = 0.5
# A cue that itself strikes a rule down ("es inconstitucional en la porción que permite"): what
# the rule allowed is what it ends, a step.
_STRIKES_DOWN = re.compile(r"inconstitucional|invalid|inaplicable|unconstitutional|struck")
_CLAUSE_BREAK = re.compile(r"[,;:]")
# What a sentence opening with a contrast ("Sin embargo, ...") turns on weighs this share.
_BACKDROP = 0.5
# The gap after a phrase's first word.
_NEXT_WORD = re.compile(r"\w+\W+")
_HISTORY_YEARS = 2
# How far before an institution's name its money may be named ("el presupuesto asignado a
# la Comisión"): about five words.
_FUNDS_REACH = 40
# Documents longer than this get the heading of the section that holds the evidence.
_LONG_DOCUMENT = 20_000
_HEADING = re.compile(
    r"(?:^|\n)\s*((?:ART[IÍ]CULO|Art[ií]culo|CAP[IÍ]TULO|Cap[ií]tulo|T[IÍ]TULO|SECCI[OÓ]N|"
    r"Secci[oó]n|TRANSITORIOS?|Transitorios?|ANEXO|Anexo|Article|ARTICLE|Chapter|CHAPTER|"
    r"Section|SECTION)\b[^\n]{0,60})"
)
_HEADING_LOOKBACK = 60_000
# How a sentence judges a demand's term: it counts, it lacks the demand's context, or the
# demand excludes it there.
_COUNTS, _NO_CONTEXT, _EXCLUDED = "counts", "no context", "excluded"


# Mutable on purpose: a frozen dataclass's generated constructor sets each field through
# object.__setattr__, about five times the cost, and the classifier makes one per term found.
@dataclass
class _Hit:
    field: str
    start: int
    end: int
    term: str
    sentence: tuple[int, int]
    key: bool


# Mutable on purpose, as _Hit is.
@dataclass
class _Verdict:
    stance: str
    cue: str
    weight: float
    field: str
    sentence: tuple[int, int]
    # Whether the reader found it (an actor, an act and an object), not a cue phrase alone.
    read: bool = False
    # What the act was on, as the sentence says it ("" for a cue phrase, or no object).
    object: str = ""


# Mutable on purpose, as _Hit is.
@dataclass
class _Frame:
    """What every demand's reading of one item shares."""

    item: Item
    fields: dict[str, str]
    lowered: dict[str, str]
    folded: dict[str, str]  # the fields folded (the same as the lowered ones folded)
    spans: list[tuple[int, int]]  # the body's sentences
    author: str  # who acts when a sentence names nobody: "state", "external" or ""
    history_before: int | None  # acts told in this year or earlier are history
    title_proposal: bool  # the title only proposes: no body act is more than a mention


# Mutable on purpose, as _Hit is.
@dataclass
class _CueHit:
    """A cue found in a text: where it starts and what it says (as a regex match would)."""

    begin: int
    text: str

    def start(self) -> int:
        """Offset of the cue in the text."""
        return self.begin

    def end(self) -> int:
        """Offset just past the cue."""
        return self.begin + len(self.text)

    def group(self, _index: int = 0) -> str:
        """The cue as written in the text."""
        return self.text


class _StemCues:
    """A demand's own advance and regress cue phrases, matched like its terms: inflections and
    accents ignored.

    They are phrases ("elimina el fideicomiso"), so a stem cannot mistake one word for another
    the way a single generic cue could ("publicó" and "Público").
    """

    def __init__(self, demand: Demand) -> None:
        lists = {stance: demand.stance.get(stance, {}) for stance in (ADVANCE, REGRESS)}
        # One list each, so that overlapping phrases of the two are both found ...
        self._lexicons = {stance: Lexicon(groups) for stance, groups in lists.items()}
        # ... and both in one pattern, to pass over a sentence that holds neither (most do).
        self._any = Lexicon.tagged(lists.items())

    def find(self, text: str, folded: str) -> list[tuple[str, _CueHit]]:
        """Every cue in ``text`` (a lower-cased sentence; ``folded``, the same folded) with its
        stance, in text order."""
        if not self._any.may_hold(folded):
            return []
        found = [
            (stance, _CueHit(hit.start, text[hit.start : hit.end]))
            for stance, lexicon in self._lexicons.items()
            for hit in lexicon.finditer(folded)
        ]
        return sorted(found, key=lambda f: f[1].start())


@dataclass(frozen=True)
class _Rules:
    """A demand's compiled lexicons and cue patterns."""

    context: Lexicon
    exclude: Lexicon
    cues: _StemCues
    context_from_title: bool
    statement: bool
    keepers: frozenset[str]  # folded keeper terms (see Demand.keeper_terms)
    shared: dict[str, frozenset[str]]  # folded shared terms per demand (Demand.shared_terms)
    # Whether the demand itself wants recommendations heeded (its "wants" name them).
    wants_recommendations: bool


class Classifier:
    """Compiled patterns for a campaign; build once, call ``classify`` per item."""

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self.version = f"{RULES_VERSION}+{campaign.fingerprint}"
        self._reader = StanceReader(campaign)
        # Compiled on first use: most commands build a classifier and use a few of them.
        self._rules = Lazy(self._build_rules)
        self._terms = Lazy(self._build_terms)
        self._hiding_terms = Lazy(self._build_hiding_terms)
        self._cues = Lazy(self._build_cues)
        self._negation = Lazy(self._build_negation)
        self._contrast = Lazy(self._build_contrast)
        self._background = Lazy(self._build_background)
        self._scope = Lazy(self._build_scope)
        self._abroad = Lazy(self._build_abroad)
        self._acts = Lazy(self._build_acts)
        self._money = Lazy(self._build_money)

    def _build_rules(self) -> dict[str, _Rules]:
        return {
            d.id: _Rules(
                Lexicon(d.context),
                Lexicon(d.exclude),
                _StemCues(d),
                d.context_from_title,
                d.statement,
                frozenset(fold(p) for phrases in d.keeper_terms.values() for p in phrases),
                {
                    other: frozenset(fold(p) for phrases in terms.values() for p in phrases)
                    for other, terms in d.shared_terms.items()
                },
                any(fold(p) in _RECOMMENDATIONS for phrases in d.wants.values() for p in phrases),
            )
            for d in self.campaign.demands
        }

    def _build_terms(self) -> Lexicon:
        return Lexicon.tagged(
            ((d.id, key), phrases)
            for d in self.campaign.demands
            for key, phrases in ((True, d.key_terms), (False, d.terms))
        )

    def _build_hiding_terms(self) -> frozenset[str]:
        # The terms inside which the scan finds another demand's term after the first word:
        # only inside these is a second scan worth its cost. Not key terms: a name holds its
        # own words ("Unidad Especializada de Búsqueda de Personas Desaparecidas").
        hiding = set()
        for demand in self.campaign.demands:
            for group in (demand.key_terms, demand.terms):
                for phrase in (p for phrases in group.values() for p in phrases):
                    folded = fold(phrase)
                    whole = self._terms().search(folded)
                    if whole is not None and not _is_key(whole) and self._hidden_in(whole, folded):
                        hiding.add(whole.phrase)
        return frozenset(hiding)

    def _build_cues(self) -> dict[str, CuePhrases]:
        # Cues keep their accents: folded, "publicó" would match "Ministerio Público".
        return {kind: _cues(groups) for kind, groups in self.campaign.stance_cues.items()}

    def _build_negation(self) -> CuePatterns:
        # The negation governs the cue when at most two words stand between them
        # ("no se ha publicado"); "no solo aprobó" is not a negation.
        return CuePatterns(
            _phrases(self.campaign.stance_cues.get("negation", {})), _preceding_pattern
        )

    def _build_contrast(self) -> CuePatterns:
        # Only at a sentence's opening: "pero" inside a sentence joins two clauses of one story.
        return CuePatterns(
            _phrases(self.campaign.stance_cues.get("contrast", {})), _opening_pattern
        )

    def _build_background(self) -> CuePatterns:
        # "desde que se creó el mecanismo": an act told as the backdrop, not as news.
        return CuePatterns(
            _phrases(self.campaign.stance_cues.get("background", {})), _preceding_pattern
        )

    def _build_scope(self) -> Lexicon:
        return Lexicon(self.campaign.scope)

    def _build_abroad(self) -> Lexicon:
        return Lexicon(self.campaign.abroad)

    def _build_acts(self) -> Lexicon:
        return Lexicon(self.campaign.official_acts)

    def _build_money(self) -> Lexicon:
        return Lexicon(self.campaign.reading.get("money", {}))

    def classify(self, item: Item) -> list[Match]:
        """Return one Match per demand the item concerns (empty when it concerns none)."""
        self._reader.forget()
        fields = {TITLE: item.title, BODY: item.text}
        folded = {name: fold(value) for name, value in fields.items()}
        # Most items name no demand: one scan for every demand's terms settles them.
        terms = {name: self._find_terms(text) for name, text in folded.items()}
        if not any(terms.values()):
            return []
        title = lower(item.title)
        author = self._author(item, title, folded[TITLE])
        if not self._in_scope(item, folded, author):
            return []
        spans = {name: sentence_spans(value) for name, value in fields.items()}
        hits, unconfirmed = self._hits(folded, spans, terms)
        found = self._apply_yields(hits, folded[BODY])
        if not found:
            return []
        lowered = {TITLE: title, BODY: lower(item.text)}
        # The folded fields serve as the lowered ones folded, sliced per sentence: folding is
        # character for character and lowers as it goes (only the Greek final sigma, which no
        # lexicon holds, folds otherwise once lowered).
        story_year = _story_year(item, lowered, spans[BODY])
        frame = _Frame(
            item,
            fields,
            lowered,
            folded,
            spans[BODY],
            author,
            # An act told in a year at least two before the item's is its history: last
            # year's figures are still news in January. An undated item's year is the latest
            # it tells an event in.
            story_year - _HISTORY_YEARS if story_year is not None else None,
            self._reader.only_proposes(lowered[TITLE]),
        )
        matches, denials = [], []
        for demand_id, demand_hits in found.items():
            demand = self.campaign.demand(demand_id)
            match, verdicts = self._match(frame, demand, demand_hits)
            matches.append(match)
            if match.stance == REGRESS and demand.statement:
                denials += [v for v in verdicts if v.stance == REGRESS]
        for demand_id, demand_hits in self._named_in_denials(denials, unconfirmed, found, folded):
            demand = self.campaign.demand(demand_id)
            note = "named in a denial or shielding statement"
            matches.append(self._match(frame, demand, demand_hits, note)[0])
        return matches

    def _named_in_denials(
        self,
        denials: list[_Verdict],
        unconfirmed: dict[str, list[_Hit]],
        found: dict[str, list[_Hit]],
        folded: dict[str, str],
    ) -> list[tuple[str, list[_Hit]]]:
        """Demands whose terms lacked their context but name what a statement demand's denial
        or shielding was on: the denial is about them too (eval/README.md, principle 5: "the
        president said there is no torture any more" is the torture demand's news as well).
        """
        named = []
        objects = [(d, fold(d.object)) for d in denials if d.object]
        for demand_id, candidates in unconfirmed.items():
            if demand_id in found:
                continue
            inside = [
                h
                for h in candidates
                if any(
                    h.field == d.field
                    and d.sentence[0] <= h.start < d.sentence[1]
                    and (
                        h.term in denied
                        or denied in h.term
                        or _done_by(folded[h.field], denied, h, d.sentence[0])
                    )
                    for d, denied in objects
                )
            ]
            if any(other in found for other in self.campaign.demand(demand_id).yields_to):
                inside = [h for h in inside if h.key]
            if inside:
                named.append((demand_id, inside))
        return named

    def _find_terms(self, folded: str) -> list[Found]:
        # One scan finds the longest term at each place, so a shorter term of another demand
        # inside it ("registry" in "national registry") is looked for in what follows its
        # first word, which is where such a term can hide.
        found = list(self._terms().finditer(folded))
        hiding = self._hiding_terms()
        for term in [t for t in found if t.phrase in hiding]:
            found += self._hidden_in(term, folded)
        return found

    def _hidden_in(self, term: Found, folded: str) -> list[Found]:
        """Other demands' terms found in ``term`` (in ``folded``) after its first word."""
        gap = _NEXT_WORD.match(folded, term.start, term.end)
        if gap is None:
            return []
        demands = _demands_of(term)
        return [
            hidden
            for hidden in self._terms().finditer(folded, gap.end(), term.end)
            if not _demands_of(hidden) <= demands
        ]

    def _in_scope(self, item: Item, folded: dict[str, str], author: str) -> bool:
        # The campaign's own state's gazette and courts are in scope by nature, unless the
        # title names another country and nothing names ours (a foreign decree on its own
        # disappeared, collected by mistake); press and other texts, and an international
        # court's, which rules on many states ("Corte Interamericana ... condena a Guatemala"),
        # are ours when they name the country or its institutions, or name no other country
        # (an excerpt of a Mexican paper often leaves the country unsaid).
        if not self._scope():
            return True
        abroad = self._abroad()
        if item.kind in SCOPED_BY_SOURCE and author != "external":
            if not abroad or abroad.search(folded[TITLE]) is None:
                return True
        if any(self._scope().search(text) for text in folded.values()):
            return True
        return bool(abroad) and not any(abroad.search(text) for text in folded.values())

    def _hits(
        self,
        folded: dict[str, str],
        spans: dict[str, list[tuple[int, int]]],
        terms: dict[str, list[Found]],
    ) -> tuple[dict[str, list[_Hit]], dict[str, list[_Hit]]]:
        # Each phrase found by the one scan knows its demands; keep those its sentence allows,
        # and apart those that lacked only their context.
        hits: dict[str, list[_Hit]] = {}
        unconfirmed: dict[str, list[_Hit]] = {}
        # A sentence names a demand's terms several times: it is judged once per demand.
        judged: dict[tuple[str, bool, str, tuple[int, int]], str] = {}
        for name, text in folded.items():
            for found in terms[name]:
                sentence = _containing(spans[name], found.start)
                tags: list[tuple[str, bool]] = sorted(found.tags)  # type: ignore[arg-type]
                for demand_id, key in tags:
                    judgement = judged.get((demand_id, key, name, sentence))
                    if judgement is None:
                        judgement = judged[demand_id, key, name, sentence] = self._judge(
                            self._rules()[demand_id], key, text, sentence, folded[TITLE]
                        )
                    if judgement != _EXCLUDED:
                        kept = hits if judgement == _COUNTS else unconfirmed
                        kept.setdefault(demand_id, []).append(
                            _Hit(name, found.start, found.end, found.phrase, sentence, key)
                        )
        return hits, unconfirmed

    @staticmethod
    def _judge(rules: _Rules, key: bool, text: str, sentence: tuple[int, int], title: str) -> str:
        if rules.exclude.search(text, *sentence):
            return _EXCLUDED
        if key or not rules.context:
            return _COUNTS
        # Context may sit in the same sentence or in the title (a decree's title often
        # carries the legal frame that the body sentence leaves implicit).
        if rules.context.search(text, *sentence) or (
            rules.context_from_title and rules.context.search(title)
        ):
            return _COUNTS
        return _NO_CONTEXT

    def _apply_yields(self, found: dict[str, list[_Hit]], body: str) -> dict[str, list[_Hit]]:
        # A demand that yields to another keeps an item the other also found only when one
        # of its own key terms is there ("personas desaparecidas" in a registry story is the
        # registry's; "Ley General en materia de desaparición" is the law's).
        kept = {}
        for demand_id, hits in found.items():
            yields_to = self.campaign.demand(demand_id).yields_to
            if any(other in found for other in yields_to) and not _leads(hits, yields_to, found):
                shared = self._rules()[demand_id].shared
                # What it shares with every demand it yields to here ("desaparición forzada"
                # beside soldiers tried for it) stays its own as well.
                common = frozenset.intersection(
                    *(shared.get(other, frozenset()) for other in yields_to if other in found)
                )
                hits = [h for h in hits if h.key or fold(h.term) in common]
            keepers = self._rules()[demand_id].keepers
            others = [h for o in yields_to for h in found.get(o, ())]
            if keepers and any(h.key or h.field == TITLE for h in others):
                in_title = any(h.field == TITLE for h in others)
                beside = {h.sentence for h in others if h.field == BODY}
                hits = [
                    h
                    for h in hits
                    if not self._only_keeper(h, keepers, body, in_title or h.sentence in beside)
                ]
            if hits:
                kept[demand_id] = hits
        return kept

    def _only_keeper(
        self, hit: _Hit, keepers: frozenset[str], body: str, other_in_title: bool
    ) -> bool:
        """Whether a keeper term found beside the key terms (or the title's terms) of a demand
        its own yields to names only that demand's keeper ("la CNB actualizó el registro"), not
        its own news: in a title that names nothing of the other demand the story is the
        institution's ("renuncia la titular de la CNB"), and its money is its own ("el
        presupuesto de la CNB")."""
        if fold(hit.term) not in keepers:
            return False
        if hit.field == TITLE or not other_in_title:
            # "cnb depura registro personas desaparecidas": the title is the registry's too; a
            # body sentence that names nothing of the other demand, in a story whose title does
            # not either, is the institution's own ("la CNB retiró a su personal").
            return other_in_title
        # Money named within a few words before: "the budget that gives the search commission".
        before = max(hit.sentence[0], hit.start - _FUNDS_REACH)
        money = self._money().search(body, before, hit.start)
        # ... in the same clause: "por falta de recursos, según un oficio de la CNB" is not its.
        if money is not None and _CLAUSE_BREAK.search(body, money.end, hit.start) is None:
            return False
        # ... or right after it: "asigna a la Comisión Nacional de Búsqueda 780 millones".
        after = self._money().search(body, hit.end, min(hit.sentence[1], hit.end + _FUNDS_REACH))
        return after is None or _CLAUSE_BREAK.search(body, hit.end, after.start) is not None

    def _match(
        self, frame: _Frame, demand: Demand, hits: list[_Hit], note: str = ""
    ) -> tuple[Match, list[_Verdict]]:
        """The demand's match, with every verdict its stance was chosen from."""
        item, fields = frame.item, frame.fields
        stance, verdict, verdicts = self._stance(frame, demand, hits)
        best = _evidence(hits, verdict, stance)
        field, (start, end) = best
        evidence = fields[field][start:end].strip()
        start += len(fields[field][start:end]) - len(fields[field][start:end].lstrip())
        terms = sorted({h.term for h in hits})
        in_title = any(h.field == TITLE for h in hits)
        relevance = min(
            1.0,
            0.4
            + 0.1 * min(len(terms) - 1, 3)
            + (0.15 if any(h.key for h in hits) else 0.0)
            + (0.15 if in_title else 0.0)
            + (0.1 if stance != MENTION else 0.0),
        )
        authority = self.campaign.authority.get(item.kind, 0.5)
        score = relevance * (0.5 + 0.5 * authority)
        rule = f"terms {', '.join(repr(t) for t in terms[:5])}" + (" in title" if in_title else "")
        if note:
            rule += f"; {note}"
        if verdict is not None and verdict.cue:
            rule += f"; {verdict.cue}"
        elif stance == ADVANCE:
            rule += "; official act published in the gazette"
        if field == BODY and len(fields[BODY]) > _LONG_DOCUMENT:
            section = _section_of(fields[BODY], start)
            if section:
                rule += f"; section {section!r}"
        match = Match(
            item.id,
            demand.id,
            stance,
            round(score, 2),
            evidence,
            field,
            start,
            start + len(evidence),
            rule,
            self.version,
        )
        return match, verdicts

    # -- stance ------------------------------------------------------------
    def _stance(
        self, frame: _Frame, demand: Demand, hits: list[_Hit]
    ) -> tuple[str, _Verdict | None, list[_Verdict]]:
        """The demand's stance, the verdict that explains it, and every verdict read."""
        rules = self._rules()[demand.id]
        lowered = frame.lowered
        title = lowered[TITLE]
        title_names_demand = any(h.field == TITLE for h in hits)
        verdicts: list[_Verdict] = []
        if title:
            weight = _TITLE_NAMING if title_names_demand else _TITLE_OTHER
            # Recommendations accepted in a title that names nothing of the demand are the
            # review's news, as a topic listed among them is.
            listed = (
                len(title)
                if not title_names_demand and not rules.wants_recommendations
                else _listed_at(title, (0, len(title)), hits, TITLE, rules)
            )
            verdicts += self._verdicts(demand, rules, TITLE, (0, len(title)), weight, frame, listed)
        for sentence, weight in _stance_window(hits, frame.spans, lowered[BODY], self._contrast()):
            listed = _listed_at(lowered[BODY], sentence, hits, BODY, rules)
            verdicts += self._verdicts(demand, rules, BODY, sentence, weight, frame, listed)
        votes: defaultdict[str, float] = defaultdict(float)
        for verdict in verdicts:
            votes[verdict.stance] += verdict.weight
        if votes:
            # Ties go to the move (regress before advance) a campaigner must not miss.
            stance = max((REGRESS, ADVANCE, MENTION), key=lambda s: votes[s])
            if stance == ADVANCE and votes[REGRESS] >= _SETBACK_SHARE * votes[ADVANCE]:
                stance = REGRESS
            # The explanation: the weightiest verdict, a reading (who did what to what) first.
            chosen = max(
                (v for v in verdicts if v.stance == stance), key=lambda v: (v.read, v.weight)
            )
            return stance, chosen, verdicts
        act = self._acts().search(fold(title), 0, 60) if frame.item.kind == "gazette" else None
        if act is not None and act.start < 3:
            return ADVANCE, None, verdicts
        return MENTION, None, verdicts

    def _author(self, item: Item, title: str, folded_title: str) -> str:
        # The gazette and the courts speak for the state, except a court item whose title names
        # an external body first ("Corte Interamericana de Derechos Humanos, caso ... vs. México").
        if item.kind not in SCOPED_BY_SOURCE:
            return ""
        if item.kind == "court" and self._reader.author(title, folded_title) == "external":
            return "external"
        return "state"

    def _verdicts(
        self,
        demand: Demand,
        rules: _Rules,
        field: str,
        sentence: tuple[int, int],
        weight: float,
        frame: _Frame,
        listed: int | None = None,
    ) -> list[_Verdict]:
        """The demand's own cue phrases and the reader's acts, found in one sentence.

        ``listed``: where, in the sentence, a list of recommendations' topics opens that holds
        all the demand's terms there ("aceptó 262 recomendaciones, entre ellas ...").
        """
        verdicts: list[_Verdict] = []
        text = frame.lowered[field][sentence[0] : sentence[1]]
        folded = frame.folded[field][sentence[0] : sentence[1]]
        # A title that only proposes caps its body's acts; the title itself is read as it is.
        capped = field == BODY and frame.title_proposal
        if self._reader.is_dissent(text, folded):
            return verdicts
        cue = self._own_cue(
            demand,
            rules,
            text,
            folded,
            field,
            sentence,
            weight * _SPECIFIC,
            capped,
            frame.history_before,
            listed,
        )
        if cue is not None:
            verdicts.append(cue)
        setback = self._called_a_setback(text, field, sentence, weight, capped)
        if setback is not None:
            verdicts.append(setback)
        default_actor = frame.author
        if not default_actor and opens_with_pronoun(text):
            # "It rejected, however, the recommendations": the pronoun is the story's subject,
            # the actor its title names first.
            default_actor = self._reader.author(frame.lowered[TITLE], frame.folded[TITLE])
        for reading in self._reader.read(
            demand,
            text,
            folded,
            weight=weight,
            capped=capped,
            default_actor=default_actor,
            history_before=frame.history_before,
        ):
            if (
                listed is not None
                and reading.stance != MENTION
                and (reading.start >= listed or fold(reading.object) in _LIST_OWNERS)
            ):
                # A topic listed among recommendations accepted or rejected is a mention of
                # its demand; the step is the review's (eval/README.md: listed topics).
                setting = ", ".join(filter(None, (reading.setting, _LISTED_TOPIC)))
                reading = replace(reading, stance=MENTION, setting=setting)
            verdicts.append(
                _Verdict(
                    reading.stance,
                    reading.rule,
                    reading.weight,
                    field,
                    sentence,
                    True,
                    reading.object,
                )
            )
        return verdicts

    def _called_a_setback(
        self, text: str, field: str, sentence: tuple[int, int], weight: float, capped: bool
    ) -> _Verdict | None:
        """A regress verdict when the sentence calls what happened a setback ("lo que
        calificaron como un retroceso"), unless it says it is not one or only would be one."""
        cues = self._cues().get("setback")
        found = cues.search(text) if cues else None
        if found is None:
            return None
        start = found[0]
        if (
            self._negation().search(text, max(0, start - 40), start)
            or _WOULD_BE.search(text, max(0, start - 30), start)
            or capped
            or self._reader.only_proposes(text)
        ):
            # "no es un retroceso", "sería un retroceso", a bill called a setback: no step.
            return None
        # As specific as a demand's own cue: the sentence says which way things moved.
        cue = text[found[0] : found[1]]
        return _Verdict(REGRESS, f"called a setback {cue!r}", weight * _SPECIFIC, field, sentence)

    def _own_cue(
        self,
        demand: Demand,
        rules: _Rules,
        text: str,
        folded: str,
        field: str,
        sentence: tuple[int, int],
        weight: float,
        capped: bool,
        history_before: int | None,
        listed: int | None,
    ) -> _Verdict | None:
        moves = []
        allowing = fewer = few = lasting = judged = ""
        for stance, found in rules.cues.find(text, folded):
            if listed is not None and found.start() >= listed:
                continue  # a topic listed among recommendations: what they ask, not a step
            if (
                stance == ADVANCE
                and not _STRIKES_DOWN.search(found.group(0))
                and self._reader.opens_the_way(demand, text, folded, found.end())
            ):
                # "lineamientos que autorizan dar de baja registros": what the rule allows
                # decides which way it moves.
                stance, allowing = REGRESS, found.group(0)
            elif stance == ADVANCE and self._reader.counted_fewer(text):
                # "9 convictions, compared with 21": fewer steps than before is a worsening.
                stance, fewer = REGRESS, found.group(0)
            elif stance == ADVANCE and few_done(text, found.start(), found.end()):
                # "sólo 17 sentencias por tortura en cinco años": a shortfall reported, with no
                # trend, is no step (eval/README.md, principle 4).
                stance, few = MENTION, found.group(0)
            if (
                self._background().search(text, max(0, found.start() - 40), found.start())
                or told_before_the_news(text, found.end())
                or describes_a_thing(text, found.start(), found.end())
            ):
                continue
            if history_before is not None and self._reader.told_as_history(
                text, found.start(), found.end(), history_before
            ):
                # "las recomendaciones que aceptó en 2018": the story's history, not its news.
                continue
            before = max(0, found.start() - 30)
            if stance == REGRESS and _WOULD_BE.search(text, before, found.start()):
                # "warned it would erase thousands of cases": a setback feared, not done.
                continue
            if stance == REGRESS and self._reader.kept_as_an_outsider_tells(
                text, folded, found.group(0), found.start()
            ):
                # "Amnistía señaló que México mantiene el arraigo": a state of affairs an
                # outside body reports, with no new act (eval/README.md, principle 4).
                lasting = found.group(0)
                moves.append((MENTION, lasting))
                continue
            if stance == REGRESS and self._reader.quoted_from_an_outsider(
                text, folded, found.start()
            ):
                # "“... ahí ha fallado el mecanismo”, afirmó el director de Artículo 19": a
                # critic's judgement of the state of things, no new act (principle 1).
                judged = found.group(0)
                moves.append((MENTION, judged))
                continue
            if stance == REGRESS and still_lacking(text, found.start()):
                # "sigue sin recursos": a lack that lasts, reported with no new act.
                moves.append((MENTION, found.group(0)))
                continue
            if stance == REGRESS and (
                self._reader.undoes(text, folded, found.start())
                or self._reader.frees_the_tortured(text, folded, found.start())
            ):
                # A setback a court suspends or a body revokes is undone, and an acquittal that
                # frees the victim of a forced confession is a step (the reader reads the act).
                continue
            if stance == ADVANCE and _NONE_OF.search(text, 0, found.start()):
                # "ninguna de esas recomendaciones ha derivado en una sentencia en tribunales
                # civiles": a step no one took, reported with no new act (principle 4).
                moves.append((MENTION, found.group(0)))
                continue
            if self._negation().search(text, max(0, found.start() - 40), found.start()):
                if stance == REGRESS:
                    continue
                # Refused or blocked is a move back; only still not done is reported
                # non-compliance (eval/README.md, principle 4).
                pending = self._reader.still_pending(text, folded, found.start())
                stance = MENTION if pending else REGRESS
            moves.append((stance, found.group(0)))
        if not moves:
            return None
        for stance, cue in moves:
            if stance == REGRESS:
                rule = f"regress cue {cue!r}"
                if cue == allowing:
                    rule += ", a rule allowing a setback"
                elif cue == fewer:
                    rule += ", counted fewer than before"
                return _Verdict(REGRESS, rule, weight, field, sentence)
        advances = [cue for stance, cue in moves if stance == ADVANCE]
        if not advances:
            cue = moves[0][1]
            why = {
                few: "only a few done",
                lasting: "told as lasting",
                judged: "a critic's judgement",
            }.get(cue, "still not done")
            rule = f"mention cue {cue!r}, {why}"
            return _Verdict(MENTION, rule, weight, field, sentence)
        if not rules.statement and (capped or self._reader.only_proposes(text)):
            proposal = self._cues()["proposal"].search(text)
            cue = text[proposal[0] : proposal[1]] if proposal else advances[0]
            return _Verdict(MENTION, f"mention cue {cue!r}", weight, field, sentence)
        return _Verdict(ADVANCE, f"advance cue {advances[0]!r}", weight, field, sentence)


def _story_year(
    item: Item, lowered: dict[str, str], body_sentences: list[tuple[int, int]]
) -> int | None:
    """The item's year: its date's, or for an undated one the latest it tells an event in, or
    later still when a sentence tells its news by the day alone (the years told are then its
    history: "In 2019, Congress kept arraigo. On Tuesday, the Senate voted to scrap it")."""
    if item.published is not None:
        return item.published.year
    latest = latest_year_told(lowered[TITLE] + "\n" + lowered[BODY])
    body = lowered[BODY]
    if latest is not None and any(told_by_the_day(body[s:e]) for s, e in body_sentences):
        return latest + _HISTORY_YEARS
    return latest


def _leads(hits: list[_Hit], yields_to: tuple[str, ...], found: dict[str, list[_Hit]]) -> bool:
    """Whether a demand's own title names it while the demands it yields to are named only
    after the body's lede: the story is its own, and they are its background."""
    return any(h.field == TITLE for h in hits) and not any(
        h.field == TITLE or h.sentence[0] == 0 for other in yields_to for h in found.get(other, ())
    )


def _phrases(groups: dict[str, tuple[str, ...]]) -> list[str]:
    return [p for phrases in groups.values() for p in phrases]


def _cues(groups: dict[str, tuple[str, ...]]) -> CuePhrases:
    return CuePhrases(_phrases(groups))


def _alternatives(words: list[str], fold_accents: bool) -> str:
    """``words`` as one regex alternation, longest first, normalised as the text will be."""
    normalise = fold if fold_accents else str.lower
    return "|".join(re.escape(normalise(w)) for w in sorted(set(words), key=len, reverse=True))


def _preceding_pattern(words: list[str], *, fold_accents: bool) -> re.Pattern[str] | None:
    """A pattern for one of ``words`` ending at most two words before the end of the text."""
    if not words:
        return None
    alternatives = _alternatives(words, fold_accents)
    return re.compile(rf"(?<!\w)(?:{alternatives})\s+(?!s[oó]lo\b|only\b)(?:[\w-]+\s+){{0,2}}$")


# A count of none that opens the clause ("ninguna de", "none of", "not a single").
_NONE_OF = re.compile(
    r"(?<!\w)(?:ningun[oa]|ningún|nadie|none\s+of|no\s+one|not\s+a\s+single|ni\s+un[oa]?)(?!\w)"
)

# "sería un retroceso", "would be a setback", "to avoid a setback": a setback only feared.
_WOULD_BE = re.compile(
    r"(?<!\w)(?:ser[ií]a|ser[ií]an|podr[ií]a|podr[ií]an|would|could|might|evitar|avoid|prevent)"
    r"\W+(?:[\w-]+\W+){0,2}$"
)


# "abuses by soldiers", "abusos cometidos por militares", "actos de tortura en los que
# militares estarían involucrados": who did what was denied.
_DONE_BY = re.compile(
    r"\W+(?:(?:(?:cometid[oa]s?|perpetrad[oa]s?|committed|carried\s+out)\s+)?"
    r"(?:by|por|de|del|de\s+los|de\s+las)|en\s+(?:los|las|el|la)\s+que|in\s+which|involving)"
    r"\s+(?:the\s+|los\s+|las\s+|sus\s+|its\s+)?"
)


def _done_by(text: str, denied: str, hit: _Hit, sentence_start: int) -> bool:
    """Whether the term of ``hit`` names who did what a denial was on ("dismissed a report on
    abuses by soldiers"): what was denied, then its doer."""
    start = text.rfind(denied, sentence_start, hit.start)
    return start >= 0 and bool(_DONE_BY.fullmatch(text, start + len(denied), hit.start))


def _demands_of(term: Found) -> set[str]:
    """The demands whose term lists hold ``term`` (its tags are (demand id, key) pairs)."""
    return {tag[0] for tag in term.tags if isinstance(tag, tuple)}


def _is_key(term: Found) -> bool:
    """Whether ``term`` is a key term of some demand (its tags are (demand id, key) pairs)."""
    return any(isinstance(tag, tuple) and tag[1] for tag in term.tags)


def _opening_pattern(words: list[str], *, fold_accents: bool) -> re.Pattern[str] | None:
    """A pattern for one of ``words`` as the first word(s) where it is matched."""
    if not words:
        return None
    return re.compile(rf"\W*(?:{_alternatives(words, fold_accents)})(?!\w)")


# Recommendations, as acts on them are named ("aceptó 262 recomendaciones").
_RECOMMENDATIONS = frozenset(
    {"recomendaciones", "recomendacion", "recommendations", "recommendation"}
)
# Lists of topics: recommendations, and a programme's strategies or objectives.
_NAMES_RECOMMENDATIONS = re.compile(
    "recomend|recommend|estrategias|objetivos|líneas de acción|strategies|objectives"
)
_LISTED_TOPIC = "a topic listed among recommendations or strategies"
# What holds such a list: an act on it is its own news, a topic listed in it a mention.
_LIST_OWNERS = _RECOMMENDATIONS | {
    "programa",
    "program",
    "programme",
    "plan",
    "estrategia",
    "strategy",
}
# What opens a list of topics ("entre ellas", "among them", "including").
_LISTING = re.compile(
    r"(?<!\w)(?:entre\s+(?:ellas|ellos|otras|otros|las\s+que|los\s+que)|among\s+(?:them|others|"
    r"which)|including|incluidas|incluidos|such\s+as|se\s+encuentran|figuran|"
    # "with objectives on disappearances, torture and ...", "con objetivos en materia de".
    r"(?:objectives|objetivos|metas|goals|strategies|estrategias)\s+(?:on|sobre|en\s+materia\s+de))(?!\w)"
)


def _listed_at(
    text: str, sentence: tuple[int, int], hits: list[_Hit], field: str, rules: _Rules
) -> int | None:
    """Where a list of topics opens in the sentence, when every one of the demand's terms there
    stands in it and the demand does not itself want recommendations heeded (relative to the
    sentence's start); else None."""
    if rules.wants_recommendations or not _NAMES_RECOMMENDATIONS.search(text, *sentence):
        return None
    listing = _LISTING.search(text, *sentence)
    if listing is None:
        return None
    inside = [h for h in hits if h.field == field and sentence[0] <= h.start < sentence[1]]
    if not inside or any(h.start < listing.end() for h in inside):
        return None
    return listing.start() - sentence[0]


def _stance_window(
    hits: list[_Hit], spans: list[tuple[int, int]], body: str, contrast: CuePatterns
) -> list[tuple[tuple[int, int], float]]:
    """Body sentences read for stance: those naming the demand, and each one's next sentence.

    Reports often name the subject in one sentence and say what the state did in the next.
    A sentence that turns on what came before ("Sin embargo, ...", "However, ...") is read in
    full after one of those, and what came before it counts half: it is the backdrop.
    """
    named = {h.sentence for h in hits if h.field == BODY}
    window = {sentence: _SENTENCE for sentence in named}
    previous = None
    for sentence in spans:
        if previous in named and sentence not in named:
            window[sentence] = _NEXT_SENTENCE
        if previous in window and contrast.match(body, *sentence):
            for earlier in [s for s in window if s < sentence]:
                window[earlier] *= _BACKDROP
            window[sentence] = _SENTENCE
        previous = sentence
    return sorted(window.items())


def _containing(spans: list[tuple[int, int]], offset: int) -> tuple[int, int]:
    position = bisect.bisect_right(spans, (offset, float("inf"))) - 1
    if position >= 0 and spans[position][0] <= offset < spans[position][1]:
        return spans[position]
    return offset, offset


def _evidence(
    hits: list[_Hit], verdict: _Verdict | None, stance: str
) -> tuple[str, tuple[int, int]]:
    # The sentence that decided the stance, when it was a body sentence; else a body
    # sentence before the title, the one with most distinct terms, then the earliest.
    if verdict is not None and verdict.field == BODY and verdict.stance == stance:
        return BODY, verdict.sentence
    by_sentence: dict[tuple[str, tuple[int, int]], set[str]] = {}
    for hit in hits:
        by_sentence.setdefault((hit.field, hit.sentence), set()).add(hit.term)
    ranked = sorted(
        by_sentence.items(),
        key=lambda item: (item[0][0] == BODY, len(item[1]), -item[0][1][0]),
        reverse=True,
    )
    return ranked[0][0]


def _section_of(text: str, offset: int) -> str:
    """The last heading (article, chapter, transitory) before ``offset`` in a long document."""
    window_start = max(0, offset - _HEADING_LOOKBACK)
    last = None
    for last in _HEADING.finditer(text, window_start, offset):  # noqa: B007 - keep the last one
        pass
    return " ".join(last.group(1).split())[:60] if last else ""
