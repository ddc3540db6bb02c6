"""The columns of each kind of import: canonical names, accepted aliases, required or not.

A header cell is matched after normalisation: lower case, accents removed, spaces,
dots, hyphens and apostrophes turned into "_" (so "N° facture", "Montant TTC" and
"montant_ttc" all match). docs/import-formats.md documents the same lists: keep them in step.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    fmt: str = "text"
    example: str = ""


def normalise(header: str) -> str:
    text = unicodedata.normalize("NFKD", header.strip().lstrip("\ufeff"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("°", "o").replace("n°", "no")
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    return text


_ADDRESS = (
    Column(
        "address_line1", aliases=("adresse", "adresse1", "adresse_1", "address", "address_1", "rue")
    ),
    Column("address_line2", aliases=("adresse2", "adresse_2", "complement_adresse", "address_2")),
    Column(
        "postal_code", aliases=("code_postal", "cp", "zip", "zip_code", "postcode"), example="69002"
    ),
    Column("city", aliases=("ville", "commune", "town"), example="Lyon"),
    Column(
        "country", aliases=("pays", "country_code", "code_pays"), fmt="ISO 3166 code", example="FR"
    ),
)

CUSTOMERS: tuple[Column, ...] = (
    Column(
        "external_ref",
        True,
        (
            "ref",
            "reference",
            "code",
            "code_client",
            "ref_client",
            "customer_ref",
            "client",
            "customer",
            "compte",
            "numero_client",
        ),
        example="C0001",
    ),
    Column(
        "legal_name",
        True,
        ("raison_sociale", "nom", "name", "denomination", "company", "societe"),
        example="Boulangerie Martin SARL",
    ),
    Column("legal_form", aliases=("forme_juridique", "forme"), example="SARL"),
    Column("siren", fmt="9 digits", example="732829320"),
    Column("siret", fmt="14 digits", example="73282932000074"),
    Column(
        "vat_number",
        aliases=("tva", "numero_tva", "tva_intracommunautaire", "vat", "n_tva", "no_tva"),
        fmt="EU VAT number",
        example="FR44732829320",
    ),
    *_ADDRESS,
    Column("kind", aliases=("type", "type_client"), fmt="b2b or b2c", example="b2b"),
    Column("language", aliases=("langue", "lang"), fmt="fr or en", example="fr"),
    Column("currency", aliases=("devise", "monnaie"), fmt="ISO 4217 code", example="EUR"),
    Column("segment", aliases=("categorie", "category"), example="PME"),
    Column(
        "credit_limit",
        aliases=("encours_max", "encours_autorise", "limite_credit", "plafond"),
        fmt="amount",
        example="15000,00",
    ),
    Column(
        "payment_terms_days",
        aliases=("delai_paiement", "delai_de_paiement", "payment_terms", "conditions", "delai"),
        fmt="days (0-365)",
        example="30",
    ),
)

CONTACTS: tuple[Column, ...] = (
    Column(
        "customer_ref",
        True,
        ("client", "customer", "ref_client", "code_client", "compte"),
        example="C0001",
    ),
    Column(
        "external_ref",
        True,
        ("ref", "reference", "ref_contact", "contact_ref", "code_contact", "id"),
        example="CT0001",
    ),
    Column("first_name", aliases=("prenom", "firstname", "given_name"), example="Claire"),
    Column(
        "last_name", aliases=("nom", "name", "lastname", "surname", "family_name"), example="Martin"
    ),
    Column("job_title", aliases=("fonction", "poste", "titre", "title"), example="Comptable"),
    Column(
        "role",
        aliases=("role_paiement",),
        fmt="accounts_payable, purchasing, management, other",
        example="accounts_payable",
    ),
    Column("department", aliases=("service", "departement"), example="Comptabilité"),
    Column(
        "email",
        aliases=("e_mail", "mail", "courriel", "adresse_email"),
        example="compta@example.fr",
    ),
    Column("phone", aliases=("telephone", "tel", "tel_fixe"), example="04 72 00 00 00"),
    Column(
        "mobile",
        aliases=("portable", "tel_portable", "mobile_phone", "cell"),
        example="06 12 34 56 78",
    ),
    *_ADDRESS,
    Column(
        "preferred_channel",
        aliases=("canal", "canal_prefere", "channel"),
        fmt="email, sms, letter, phone",
    ),
    Column(
        "is_primary_billing",
        aliases=("principal", "contact_principal", "facturation", "primary", "primary_billing"),
        fmt="yes/no",
        example="oui",
    ),
)

INVOICES: tuple[Column, ...] = (
    Column(
        "number",
        True,
        (
            "numero",
            "no",
            "num",
            "numero_facture",
            "no_facture",
            "facture",
            "invoice",
            "invoice_number",
            "n_facture",
        ),
        example="F-2025-0001",
    ),
    Column(
        "customer_ref",
        True,
        ("client", "customer", "ref_client", "code_client", "compte"),
        example="C0001",
    ),
    Column(
        "issue_date",
        True,
        ("date", "date_facture", "date_emission", "invoice_date", "emission"),
        fmt="date",
        example="15/01/2025",
    ),
    Column(
        "due_date", aliases=("echeance", "date_echeance", "due"), fmt="date", example="14/02/2025"
    ),
    Column("delivery_date", aliases=("date_livraison", "date_prestation", "livraison"), fmt="date"),
    Column("currency", aliases=("devise", "monnaie"), fmt="ISO 4217 code", example="EUR"),
    Column(
        "total_excl_tax",
        aliases=("montant_ht", "total_ht", "ht", "amount_excl_tax"),
        fmt="amount",
        example="1000,00",
    ),
    Column(
        "total_incl_tax",
        True,
        ("montant_ttc", "total_ttc", "ttc", "montant", "amount", "total", "amount_incl_tax"),
        fmt="amount",
        example="1200,00",
    ),
    Column(
        "po_number",
        aliases=(
            "bon_de_commande",
            "commande",
            "no_commande",
            "numero_commande",
            "po",
            "purchase_order",
        ),
        example="BC-778",
    ),
)

PAYMENTS: tuple[Column, ...] = (
    Column(
        "external_ref",
        True,
        (
            "ref",
            "ref_banque",
            "reference_bancaire",
            "bank_ref",
            "bank_reference",
            "id",
            "transaction_id",
            "ref_operation",
        ),
        example="VIR-2025-0001",
    ),
    Column(
        "customer_ref",
        aliases=("client", "customer", "ref_client", "code_client", "compte"),
        example="C0001",
    ),
    Column(
        "date",
        True,
        ("date_paiement", "date_reglement", "payment_date", "date_valeur"),
        fmt="date",
        example="20/02/2025",
    ),
    Column("amount", True, ("montant", "montant_regle", "total"), fmt="amount", example="1200,00"),
    Column("currency", aliases=("devise", "monnaie"), fmt="ISO 4217 code", example="EUR"),
    Column(
        "method",
        aliases=("mode", "mode_reglement", "moyen", "moyen_paiement", "payment_method"),
        fmt="transfer, direct_debit, card, cheque, cash, other",
        example="transfer",
    ),
    Column(
        "reference",
        aliases=("libelle", "label", "communication", "motif"),
        example="FACT F-2025-0001",
    ),
    Column(
        "payer_name",
        aliases=("payeur", "nom_payeur", "donneur_ordre", "payer"),
        example="BOULANGERIE MARTIN",
    ),
    Column("payer_iban", aliases=("iban", "iban_payeur"), fmt="IBAN"),
    Column(
        "invoice_numbers",
        aliases=("factures", "invoices", "numeros_factures", "lettrage", "facture", "invoice"),
        fmt="numbers separated by ';' or spaces",
        example="F-2025-0001",
    ),
)

COLUMNS: dict[str, tuple[Column, ...]] = {
    "customers": CUSTOMERS,
    "contacts": CONTACTS,
    "invoices": INVOICES,
    "payments": PAYMENTS,
}


def lookup(kind: str) -> dict[str, str]:
    """Normalised header text → canonical column name, for one kind."""
    table: dict[str, str] = {}
    for column in COLUMNS[kind]:
        for alias in (column.name, *column.aliases):
            table.setdefault(normalise(alias), column.name)
    return table
