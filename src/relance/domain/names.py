"""Company and person names compared the way a payer's bank writes them.

`normalise_name` folds accents and case, drops punctuation and legal forms ("SAS",
"S.A.R.L.", "GmbH" …) and filler words, so that "Société Générale d'Éclairage SARL"
and "STE GENERALE D ECLAIRAGE" come close. `name_similarity` is the larger of the
difflib ratio of the two normalised names and of their words sorted (payers swap
"Martin Jean" and "Jean Martin"), from 0 to 1.
"""

from __future__ import annotations

import re
import unicodedata
from difflib import SequenceMatcher
from functools import lru_cache

#: Legal forms and the words banks add around names; dropped before comparing.
LEGAL_FORMS = frozenset(
    [
        "sa",
        "sas",
        "sasu",
        "sarl",
        "eurl",
        "sci",
        "snc",
        "scs",
        "sca",
        "scop",
        "selarl",
        "selas",
        "sem",
        "ei",
        "eirl",
        "ste",
        "societe",
        "ets",
        "etablissements",
        "cie",
        "compagnie",
        "groupe",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ug",
        "ltd",
        "llc",
        "llp",
        "plc",
        "inc",
        "corp",
        "co",
        "bv",
        "nv",
        "vof",
        "sprl",
        "srl",
        "spa",
        "sl",
        "slu",
        "ab",
        "as",
        "oy",
    ]
)
FILLER = frozenset(
    [
        "et",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "and",
        "the",
        "of",
        "und",
        "mr",
        "mme",
        "m",
        "mlle",
    ]
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")  # S.A.R.L. → sarl before the dots go


@lru_cache(maxsize=262_144)
def normalise_name(name: str) -> str:
    """Lower case, no accents, no punctuation, no legal form or filler word."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), folded)
    words = _NON_ALNUM.sub(" ", folded).split()
    kept = [w for w in words if w not in LEGAL_FORMS and w not in FILLER]
    return " ".join(kept or words)


def name_tokens(name: str) -> tuple[str, ...]:
    return tuple(normalise_name(name).split())


def name_similarity(a: str, b: str) -> float:
    """0 … 1; 1 when the normalised names are equal. Empty names are not similar."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    return max(_ratio(na, nb), _ratio(_sorted_words(na), _sorted_words(nb)))


def similar_enough(a: str, b: str, threshold: float) -> float:
    """`name_similarity(a, b)` when it reaches `threshold`, else 0.

    Cheaper: names that share no word, or whose length or letters bound the ratio below
    the threshold, are not compared further."""
    na, nb = normalise_name(a), normalise_name(b)
    if not na or not nb:
        return 0.0
    if na == nb:
        return 1.0
    if not _word_set(na) & _word_set(nb):
        return 0.0  # similar names share at least one word: skip the costly ratio
    best = 0.0
    for x, y in ((na, nb), (_sorted_words(na), _sorted_words(nb))):
        matcher = SequenceMatcher(None, x, y, autojunk=False)
        if matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold:
            best = max(best, matcher.ratio())
    return best if best >= threshold else 0.0


def _ratio(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


@lru_cache(maxsize=262_144)
def _word_set(name: str) -> frozenset[str]:
    return frozenset(name.split())


@lru_cache(maxsize=262_144)
def _sorted_words(name: str) -> str:
    return " ".join(sorted(name.split()))
