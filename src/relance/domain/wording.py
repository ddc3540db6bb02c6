"""The template linter: wording a reminder must never use (pure, no Django).

From the breaches the DGCCRF keeps finding in collection letters (LEGAL.md §6) and the
rules of recovery costs (CPCE L111-8, C. com. D441-5):

- `fake_enforcement`: enforcement language (bailiff, seizure, forced execution) in an
  amicable reminder — no enforceable title exists at that stage;
- `undue_fees`: fees the debtor does not owe (file, reminder or collection fees; for a
  consumer, any recovery cost, the 40 € indemnity included);
- `credit_file_threat`: threatening a credit file (Banque de France, FICP, "blacklist");
- `court_costs_certain`: court costs presented as certainly borne by the debtor;
- `criminal_threat`: criminal complaint, police, prison.

`lint(text, kind, b2b)` returns the findings; an empty list means the text may be sent.
A formal notice may mention possible court action; no message may do the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    excerpt: str
    en: str
    fr: str

    def message(self, lang: str) -> str:
        return self.fr if lang.startswith("fr") else self.en


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


_ENFORCEMENT = _rx(
    r"\bhuissier",
    r"commissaire de justice",
    r"\bsaisies?[- ](?:attribution|conservatoire|vente|sur|de vos|de votre|des biens)",
    r"execution forcee",
    r"voies? d.execution",
    r"\bbailiffs?\b",
    r"\bseizure",
    r"enforcement (?:officer|agent|action)",
    r"\bdistrain",
)
_FEES = _rx(
    r"frais de (?:dossier|relance|gestion|recouvrement|traitement)",
    r"(?:file|handling|reminder|collection|administrative|admin) (?:fee|charge|cost)s?",
)
_INDEMNITY = _rx(r"indemnite forfaitaire", r"recovery indemnity")
_CREDIT_FILE = _rx(
    r"banque de france",
    r"\bficp\b",
    r"fichier (?:des )?(?:incidents|mauvais payeurs|bancaire)",
    r"liste noire",
    r"credit (?:file|bureau|reference agenc|record)",
    r"blacklist",
)
_COURT_COSTS = _rx(
    r"(?:frais de justice|depens|frais de procedure)[^.]{0,40}(?:seront|sera) "
    r"(?:integralement |entierement )?a votre charge",
    r"court costs[^.]{0,40}will be (?:borne|paid|charged)",
    r"you will (?:have to )?pay (?:all )?(?:the )?court costs",
)
_CRIMINAL = _rx(
    r"\bplainte\b",
    r"\bpenalement\b",
    r"\bpoursuites penales\b",
    r"\bpolice\b(?! d.assurance)",
    r"\bgendarmerie\b",
    r"\bprison\b",
    r"criminal (?:complaint|proceedings|charges)",
)

# "indemnité forfaitaire pour frais de recouvrement" names the statutory B2B indemnity:
# the words "frais de recouvrement" there are not an extra fee.
_STATUTORY_NAME = re.compile(r"indemnite forfaitaire (?:pour|de) frais de recouvrement")


def _excerpt(text: str, match: re.Match[str]) -> str:
    start, end = max(0, match.start() - 30), min(len(text), match.end() + 30)
    return text[start:end].replace("\n", " ").strip()


def lint(text: str, *, kind: str = "reminder", b2b: bool = True) -> list[Finding]:
    """Findings for `text` of a step of `kind` sent to a business (b2b) or a consumer."""
    plain = _plain(text)
    findings: list[Finding] = []
    amicable = kind not in ("formal_notice",)
    if amicable and (m := _ENFORCEMENT.search(plain)):
        findings.append(
            Finding(
                "fake_enforcement",
                _excerpt(plain, m),
                "enforcement language (bailiff, seizure) in an amicable reminder",
                "vocabulaire d'exécution forcée (huissier, saisie) dans une relance amiable",
            )
        )
    without_name = _STATUTORY_NAME.sub("", plain) if b2b else plain
    if m := _FEES.search(without_name):
        findings.append(
            Finding(
                "undue_fees",
                _excerpt(without_name, m),
                "fees the debtor does not owe",
                "des frais que le débiteur ne doit pas",
            )
        )
    if not b2b and (m := _INDEMNITY.search(plain)):
        findings.append(
            Finding(
                "undue_fees",
                _excerpt(plain, m),
                "the 40 € indemnity applies between businesses only",
                "l'indemnité de 40 € ne s'applique qu'entre professionnels",
            )
        )
    if m := _CREDIT_FILE.search(plain):
        findings.append(
            Finding(
                "credit_file_threat",
                _excerpt(plain, m),
                "threat of a credit file (Banque de France, blacklist)",
                "menace d'un fichier (Banque de France, liste noire)",
            )
        )
    if m := _COURT_COSTS.search(plain):
        findings.append(
            Finding(
                "court_costs_certain",
                _excerpt(plain, m),
                "court costs presented as certainly borne by the debtor",
                "des frais de justice présentés comme certainement à la charge du débiteur",
            )
        )
    if m := _CRIMINAL.search(plain):
        findings.append(
            Finding(
                "criminal_threat",
                _excerpt(plain, m),
                "threat of criminal proceedings",
                "menace de poursuites pénales",
            )
        )
    return findings
