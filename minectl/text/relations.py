"""Relation extraction: the seed's rules for cost text (section 3.2.3) and, for corpora with
relation labels (MaintIE), a classifier over ordered entity pairs; strict relation F1.

Rules, per line of text: split clauses at semicolons (then commas), find the entities in each
(tagger or dictionary), and
- a quantity after an entity ("the diesel consumption is 0.8 L/t") becomes a Value relation
  whose tail is the number, with its unit as an attribute;
- a condition ("the transportation cost increases by 18% when the bench height exceeds 10 m")
  becomes a Positive (or Negative) relation from the condition's entity to the changed one,
  weighted by the stated change, with the condition kept as text;
- two entities joined by a descriptor verb of the seed's Table 3 ("uses", "includes", ...) get
  that relation;
- a clause matching none of these goes to the pending table for manual mapping."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from minectl.errors import DataError
from minectl.text.corpus import Document, Span

# a number as written, digits with '.' or ',' between them: `\d+(?:\.\d+)?` read "1,500 m" as 1 and "0,8 L/t" as 0
# (_amount says which of them are one amount); and SI's groups of three digits after a space (plain, no-break or thin):
# `1 500 t` was the value 1, `exceeds 1 000 m` the condition `> 1`
GROUP_SPACE = "[ \u00a0\u2009\u202f]"
DIGITS = rf"\d+(?:(?:[.,]|{GROUP_SPACE}(?=\d{{3}}(?!\d)))\d+)*"
NUMBER = f"({DIGITS})"
# 1,500.5 (English thousands), 1 500.5 (SI) or 12.5
GROUPED = re.compile(rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d{{1,3}}(?:{GROUP_SPACE}\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?")
# after a number, what makes it part of another amount: a range (10-15 mm, 10 to 15 L/t), an exponent (1.2e3), digits
# after a space that are no group of three (1 50 t, 2 5000 t)
PART_OF_AMOUNT = re.compile(rf"\s*(?:[-\u2013\u2014~]|to\s)\s*\d|[eE][-+]?\d|{GROUP_SPACE}\d")
# a unit may hold the signs of SI text (degrees, micro, squared and cubed): `kg/m³` was read as `kg/m`, `30 °C` as no unit
UNIT = "[A-Za-z\u00b5\u03bc\u2126\u00b0\u2103][A-Za-z\u00b5\u03bc\u2126\u00b0\u2103\u00b2\u00b3/]*"
QUANTITY = re.compile(NUMBER + rf"\s*(%|{UNIT}(?:\s+of\s+[a-z]+)?)?")
UP = r"(?:increases?|rises?|grows?|goes up)"
DOWN = r"(?:decreases?|falls?|drops?|declines?|goes down|reduces?)"
ABOVE = r"(?:exceeds?|is (?:greater|more|higher) than|is above|above|over)"
BELOW = r"(?:is (?:less|lower|smaller) than|is below|below|under)"
# a change negated ("does not increase when ...") states no influence: it was read as Positive
NEGATED = re.compile(r"(?:\bnot|\bnever|\bno longer|n't)\s*$", re.I)
CONDITION = re.compile(rf"(?P<move>{UP}|{DOWN})(?:\s+by\s+(?P<change>{DIGITS})\s*%)?\s+(?:when|if|where)\s+(?P<cond>.+?)\s+"
                       rf"(?P<op>{ABOVE}|{BELOW})\s+(?P<value>{DIGITS})\s*(?P<unit>%|{UNIT})?", re.I)
DESCRIPTORS = {  # Table 3's relations as the verbs that state them
    "Use": r"uses?|consumes?|utili[sz]es?", "Include": r"includes?|contains?|consists? of", "Equip": r"(?:is )?equipped with",
    "Affect": r"affects?|influences?|impacts?", "Measure": r"measures?", "Implement": r"implements?|carries out",
    "Establish": r"establish(?:es)?|forms?", "Devise": r"designs?|plans?|devises?",
}
VALUE_LINK = re.compile(r"^\s*(?:is|are|of|=|:|was|were|at|reaches)?\s*$", re.I)


@dataclass
class Triple:
    head: str
    head_type: str
    relation: str
    tail: str
    tail_type: str
    sentence: str
    confidence: float
    weight: float | None = None
    sign: int | None = None
    unit: str | None = None
    condition: str | None = None


def _char_spans(offsets: list[tuple[str, int, int]], spans: list[Span]) -> list[tuple[int, int, Span]]:
    """Spans as (first character, end character, span) of the text whose tokens with offsets are ``offsets``."""
    return [(offsets[s.start][1], offsets[s.end - 1][2], s) for s in spans]


def clause_documents(text: str) -> list[tuple[str, Document, list[tuple[str, int, int]]]]:
    """The clauses of a line of cost text (split at semicolons, then at commas, ASCII or full-width, and a following
    "and"), each with its document and its tokens' character offsets; clauses without a token are left out. A comma
    between two digits is part of a number (1,500 m), not a clause's end: "exceeds 1" was a condition of its own."""
    from minectl.text.corpus import tokenize

    comma = r"(?:(?<!\d)[,，]|[,，](?!\d))\s*(?:and\s+)?"
    clauses = (c.strip() for part in re.split(r"[;；]", text) for c in re.split(comma, part))
    return [(clause, Document([t for t, _, _ in words]), words) for clause in clauses if (words := tokenize(clause))]


def tagged_rule_triples(texts: list[str], tagger, confidence: float = 1.0) -> list[tuple[list[Triple], list[str]]]:
    """`rule_triples` of each text, ``tagger`` (any minectl tagger) run once over all their
    distinct clauses rather than once a clause."""
    clauses = [clause_documents(text) for text in texts]
    forms = list(dict.fromkeys(tuple(doc.tokens) for found in clauses for _, doc, _ in found))
    spans = dict(zip(forms, tagger.predict([Document(list(form)) for form in forms]) if forms else [], strict=True))
    return [_clause_triples(found, lambda doc: spans[tuple(doc.tokens)], confidence) for found in clauses]


def rule_triples(text: str, tagger_spans, confidence: float = 1.0) -> tuple[list[Triple], list[str]]:
    """Triples of one line of cost text and its clauses that matched no rule (pending).
    ``tagger_spans(doc) -> list[Span]``: the entities of a tokenised clause."""
    return _clause_triples(clause_documents(text), tagger_spans, confidence)


def _clause_triples(clauses, tagger_spans, confidence: float) -> tuple[list[Triple], list[str]]:
    triples, pending, context = [], [], None
    for clause, doc, offsets in clauses:
        found = _char_spans(offsets, tagger_spans(doc))
        words = {id(s): clause[a:b] for a, b, s in found}
        made = _condition(clause, found, words, confidence) or _value(clause, found, words, confidence) or _descriptor(
            clause, found, words, confidence)
        if not made and len(found) == 1 and re.fullmatch(r"(?:in|for|under)\s+(?:the\s+)?", clause[:found[0][0]], re.I):
            context = (words[id(found[0][2])], found[0][2].type)  # "In the X costs, ...": the factors that follow affect X
        elif made:
            triples += made
            if context:
                heads = dict.fromkeys((t.head, t.head_type) for t in made)
                triples += [Triple(head, kind, "Affect", *context, clause, confidence) for head, kind in heads]
        else:
            pending.append(clause)
    return triples, pending


def _condition(clause, found, words, confidence) -> list[Triple]:
    match = CONDITION.search(clause)
    if not match or NEGATED.search(clause[:match.start()]):  # a negated change: left for manual mapping
        return []
    changed = [s for a, b, s in found if b <= match.start()]
    conditional = [s for a, b, s in found if a >= match.start("cond") and b <= match.end("cond")]
    if not (changed and conditional):
        return []
    value = _amount(match.group("value"), clause[match.end("value"):])
    change = _amount(match.group("change"), "%") if match.group("change") else None
    if value is None or match.group("change") and change is None:  # 1,5 % or 10-15 m: left for manual mapping
        return []
    up = re.fullmatch(UP, match.group("move"), re.I) is not None
    above = re.fullmatch(ABOVE, match.group("op"), re.I) is not None
    sign = 1 if up == above else -1  # cost up as the factor goes up (or down as it goes down): positive
    head, tail = conditional[-1], changed[-1]
    unit = _unit(match.group("unit"))
    condition = f"{words[id(head)]} {'>' if above else '<'} {match.group('value')}" + (f" {unit}" if unit else "")
    # the weight is the change, a fraction (as the declared bench_height -> +18 % transport_cost); the condition's
    # unit is the condition's: the edge said weight 0.18, unit m
    return [Triple(words[id(head)], head.type, "Positive" if sign > 0 else "Negative", words[id(tail)], tail.type, clause,
                   confidence, weight=change / 100 if change is not None else None, sign=sign,
                   unit="fraction" if change is not None else None, condition=condition)]


def _value(clause, found, words, confidence) -> list[Triple]:
    made = []
    for _, b, span in found:
        rest = clause[b:]
        number = re.search(NUMBER, rest)
        if number and VALUE_LINK.match(rest[:number.start()]):
            code = re.match(r"\d[\w-]*[A-Z]{2,}[\w-]*", rest[number.start():])
            if code:  # a model or part number (1250LCK), not an amount
                made.append(Triple(words[id(span)], span.type, "Value", code.group(), "Identifier", clause, confidence))
                continue
            quantity = QUANTITY.match(rest, number.start())
            amount = _amount(quantity.group(1), rest[number.end():])
            if amount is None:  # not one amount (0,8 or 10-15 mm): the clause goes to pending, for manual mapping
                return []
            made.append(Triple(words[id(span)], span.type, "Value", quantity.group(1), "Quantity", clause, confidence,
                               weight=amount, unit=_unit(quantity.group(2))))
    return made


def _amount(number: str, after: str) -> float | None:
    """The amount a number states as written (1,500.5 -> 1500.5), or None where it is not one amount:
    a decimal comma or a group of other than three digits (0,8 or 1,5: 0.8, or 8 and 5?), a range
    (10-15 mm, 10 to 15 L/t), an exponent (1.2e3 read as 1.2, unit "e") or a fraction or power after it
    (1½ inch, 10²); ``after``: the text after it."""
    if not GROUPED.fullmatch(number) or PART_OF_AMOUNT.match(after) or after[:1].isnumeric():
        return None
    return float(re.sub(f",|{GROUP_SPACE}", "", number))


def _unit(unit: str | None) -> str | None:
    """A unit as the declared knowledge writes it: NFKC, so `kg/m³` is `kg/m3`, `℃` is `°C` and the micro sign
    the Greek letter mu."""
    return unicodedata.normalize("NFKC", unit) if unit else None


def _descriptor(clause, found, words, confidence) -> list[Triple]:
    made = []
    for (_, b1, s1), (a2, _, s2) in zip(found, found[1:], strict=False):
        between = clause[b1:a2]
        for relation, verbs in DESCRIPTORS.items():
            if re.fullmatch(rf"\s*(?:the\s+)?(?:{verbs})\s+(?:the\s+|a\s+|an\s+)?", between, re.I):
                made.append(Triple(words[id(s1)], s1.type, relation, words[id(s2)], s2.type, clause, confidence))
    return made


# ---------------------------------------------------------------------------- learned (MaintIE)


def _pair_features(doc: Document, head: Span, tail: Span) -> dict[str, float]:
    words = [t.lower() for t in doc.tokens]
    lo, hi = sorted([head, tail], key=lambda s: s.start)
    between = words[lo.end:hi.start]
    inside = head.start <= tail.start and tail.end <= head.end or tail.start <= head.start and head.end <= tail.end
    f = {f"types={head.type}>{tail.type}": 1.0, f"ht={head.type}": 1.0, f"tt={tail.type}": 1.0,
         f"order={'ht' if head.start < tail.start else 'th'}": 1.0, "nested": float(inside),
         f"dist={min(len(between), 5)}": 1.0, f"hw={' '.join(words[head.start:head.end])}": 1.0,
         f"tw={' '.join(words[tail.start:tail.end])}": 1.0, f"hlast={words[head.end - 1]}": 1.0, f"tlast={words[tail.end - 1]}": 1.0}
    f |= {f"between={w}": 1.0 for w in between}
    f[f"types+order+dist={head.type}>{tail.type}|{head.start < tail.start}|{min(len(between), 3)}"] = 1.0
    return f


class PairClassifier:
    """Relation (or none) of each ordered pair of a document's entities: logistic regression
    over pair features (types, order, distance, the words of both and between). The fitted
    state is plain arrays and a feature index (`to_json` / `from_json`): no pickle."""

    def __init__(self, C: float = 1.0, random_state: int = 0):
        self.C = C
        self.random_state = random_state

    def fit(self, docs: list[Document]) -> PairClassifier:
        import numpy as np
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        X, y = [], []
        for doc in docs:
            labels = {(h, t): r for h, t, r in doc.relations}
            for i, j in _pairs(doc):
                X.append(_pair_features(doc, doc.entities[i], doc.entities[j]))
                y.append(labels.get((i, j), "none"))
        if len(set(y)) < 2:
            raise DataError(f"training relations {sorted(set(y))}; expected entity pairs with at least one relation and one without")
        vectorizer = DictVectorizer()
        model = LogisticRegression(C=self.C, max_iter=2000, random_state=self.random_state).fit(vectorizer.fit_transform(X), y)
        coef, intercept = model.coef_, model.intercept_
        if len(model.classes_) == 2:  # binary: one score s for the second class, i.e. logits (0, s)
            coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
        self.features_ = vectorizer.vocabulary_
        self.classes_ = [str(c) for c in model.classes_]
        self.coef_, self.intercept_ = coef, intercept
        return self

    def predict(self, docs: list[Document]) -> list[list[tuple[int, int, str, float]]]:
        """(head, tail, relation, probability) per document, entity indices into doc.entities."""
        import numpy as np

        out = []
        for doc in docs:
            found = []
            for i, j in _pairs(doc):
                feats = _pair_features(doc, doc.entities[i], doc.entities[j])
                logits = self.intercept_ + sum(self.coef_[:, self.features_[f]] * v for f, v in feats.items() if f in self.features_)
                proba = np.exp(logits - logits.max())
                proba /= proba.sum()
                k = int(proba.argmax())
                if self.classes_[k] != "none":
                    found.append((i, j, self.classes_[k], float(proba[k])))
            out.append(found)
        return out

    def to_json(self) -> dict:
        return {"features": self.features_, "classes": self.classes_, "coef": self.coef_.tolist(), "intercept": self.intercept_.tolist()}

    @classmethod
    def from_json(cls, info: dict) -> PairClassifier:
        import numpy as np

        model = cls()
        model.features_ = {str(k): v for k, v in info["features"].items()}
        model.classes_ = [str(c) for c in info["classes"]]
        model.coef_, model.intercept_ = np.asarray(info["coef"], dtype=float), np.asarray(info["intercept"], dtype=float)
        if model.coef_.shape != (len(model.classes_), len(model.features_)) or model.intercept_.shape != (len(model.classes_),):
            raise ValueError("relation classifier arrays do not match its classes and features")
        if not (np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))):
            raise ValueError("a coefficient or intercept is not finite")
        # each feature its own column of coef: an index beyond it was an IndexError traceback in `predict`, a negative one or
        # two features on one column (1.5 read as 1) read another feature's weight in silence
        columns = list(model.features_.values())
        if any(type(c) is not int for c in columns) or sorted(columns) != list(range(len(columns))):
            raise ValueError(f"feature columns that are not the integers 0 to {len(model.features_) - 1}, one a feature")
        return model


def shared_pairs(docs: list[Document]) -> int:
    """Relations whose ordered entity pair has an earlier relation too (NYT's overlapping triples:
    `contains` and `capital` from France to Paris): the classifier gives a pair one relation and
    learns the last listed, so the others are left out of training, and it finds at most one."""
    return sum(len(d.relations) - len({(h, t) for h, t, _ in d.relations}) for d in docs)


def _pairs(doc: Document) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(doc.entities)) for j in range(len(doc.entities)) if i != j]


def relation_scores(gold: list[Document], pred: list[Document]) -> dict[str, dict[str, float]]:
    """Strict relation scores (MaintIE's RESULTS.md): right when both entities' spans and the
    relation type match (entity types not compared)."""
    from minectl.text.scoring import prf_by_type

    def items(docs):
        return [((n, (d.entities[h].start, d.entities[h].end), (d.entities[t].start, d.entities[t].end)), r)
                for n, d in enumerate(docs) for h, t, r in d.relations]

    return prf_by_type(items(gold), items(pred))
