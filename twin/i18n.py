"""Translation of user-visible text and locale formatting of numbers, money and dates.

Every string a person reads (menus, dialogs, legend titles, CLI messages) goes through
:func:`tr`; the French catalogue ``resources/locale/fr/LC_MESSAGES/twin.mo`` (GNU gettext,
compiled from ``twin.po`` by ``scripts/update_translations.py``) translates it. English
source strings are the keys. Strings kept in tables before the language is known are
marked with :func:`N_` and translated where they are shown (``tr(label)``).

The language is French on a French locale (``LC_ALL``/``LC_MESSAGES``/``LANG`` = ``fr*``)
and English otherwise; ``TWIN_LANG``, ``twin --lang`` and the app's language setting
override it (:func:`set_language`).

Figures a person reads are formatted here, per language: :func:`format_number`
("447 429" / "447,429"), :func:`format_percent` ("12,5 %" / "12.5%"),
:func:`format_money` ("150 k€" / "€150k"), :func:`format_date` ("30 nov. 2026" /
"Nov 30, 2026"). Machine-readable output (JSON) keeps plain numbers. Qt-free.
"""

from __future__ import annotations

import datetime as _dt
import gettext
import math
import os
import re
from pathlib import Path

LANGUAGES = ("en", "fr")  # the languages twin speaks; English is the source
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
LOCALE_DIR = Path(__file__).resolve().parent.parent / "resources" / "locale"
DOMAIN = "twin"
_BABEL_LOCALES = {"en": "en_GB", "fr": "fr_FR"}

_language: str | None = None
_catalogue: gettext.NullTranslations | None = None


def language_from_environment(environ: dict[str, str] | None = None) -> str:
    """``"fr"`` or ``"en"``: ``TWIN_LANG`` if set to a known language, else French when the
    POSIX locale (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``) is French, else English."""
    env = os.environ if environ is None else environ
    chosen = normalise_language(env.get("TWIN_LANG", ""))
    if chosen is not None:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name, "")
        if value:  # the first one set decides, as in POSIX
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


def normalise_language(code: str | None) -> str | None:
    """``"fr"`` for "fr", "FR", "fr_FR.UTF-8"...; ``"en"`` likewise; None if unknown."""
    if not code:
        return None
    short = code.strip().lower().replace("-", "_").split("_")[0].split(".")[0]
    return short if short in LANGUAGES else None


def set_language(code: str | None) -> str:
    """Use ``code`` ("fr", "en", a locale name; None: from the environment) from now on;
    returns the language chosen. Unknown codes fall back to English."""
    global _language, _catalogue
    language = normalise_language(code) if code else language_from_environment()
    _language = language or "en"
    _catalogue = _load_catalogue(_language)
    _translate_argparse()
    return _language


def language() -> str:
    """The current language code ("fr" or "en")."""
    if _language is None:
        set_language(None)
    return _language  # type: ignore[return-value]


def _load_catalogue(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()
    try:
        return gettext.translation(DOMAIN, localedir=str(LOCALE_DIR), languages=[code])
    except OSError:  # no compiled catalogue: show English rather than fail
        return gettext.NullTranslations()


def _translate_argparse() -> None:
    """argparse's own texts ("usage: ", "options", its error lines) through :func:`tr`
    (argparse looks its ``_`` up at each call); English keeps gettext's default."""
    import argparse

    argparse._ = tr if _language != "en" else gettext.gettext  # type: ignore[attr-defined]


def tr(text: str) -> str:
    """Return ``text`` in the current language (English source strings are the keys)."""
    if _catalogue is None:
        set_language(None)
    if not text:
        return text
    return _catalogue.gettext(text)  # type: ignore[union-attr]


def trn(singular: str, plural: str, count: float, context: str | None = None) -> str:
    """``singular`` or ``plural`` (English source strings) in the current language, in the
    form that goes with ``count`` ("1 violation", "3 violations"; French: "0 habitant",
    "2 habitants"), through the catalogue's plural rule. A non-whole ``count`` takes the
    plural form. ``context`` tells apart entries whose English words are also plain
    :func:`tr` strings ("unit")."""
    if _catalogue is None:
        set_language(None)
    whole = count is not None and math.isfinite(count) and float(count).is_integer()
    n = abs(int(count)) if whole else 2
    if context:
        return _catalogue.npgettext(context, singular, plural, n)  # type: ignore[union-attr]
    return _catalogue.ngettext(singular, plural, n)  # type: ignore[union-attr]


def Nn_(singular: str, plural: str, context: str | None = None) -> tuple[str, str, str | None]:
    """Mark a singular/plural pair for translation without translating it now (for tables
    built before the language is known); :func:`trn` translates it where it is shown."""
    return singular, plural, context


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it now (it is stored in a table
    before the language is known, and translated with :func:`tr` where it is shown)."""
    return text


# --- formatting ---------------------------------------------------------------------------
_NBSP = "\u00a0"  # no-break space: a figure and its unit never part at a line end


def _babel_locale() -> str:
    return _BABEL_LOCALES[language()]


def format_number(value: float, decimals: int = 0) -> str:
    """``value`` with the language's grouping and decimal mark, ``decimals`` digits after
    the mark: 447429 -> "447 429" (fr) / "447,429" (en); 2.5 -> "2,5" / "2.5"."""
    from babel.numbers import format_decimal

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    text = format_decimal(value, format=pattern, locale=_babel_locale())
    return text.replace("\u202f", _NBSP)


def format_percent(value: float, decimals: int = 1) -> str:
    """``value`` in percent (52.13 means 52.13 %), ``decimals`` digits:
    "12,5 %" (fr) / "12.5%" (en)."""
    number = format_number(value, decimals)
    return f"{number}{_NBSP}%" if language() == "fr" else f"{number}%"


def format_money(value: float, currency: str = "€") -> str:
    """An amount in euros, compact: 150000 -> "150 k€" (fr) / "€150k" (en); 1.2e6 ->
    "1,2 M€" / "€1.2M"; below a thousand in whole euros."""
    if value is None or not math.isfinite(value):
        return "–"
    sign = "-" if value < 0 else ""
    size = abs(value)
    billion = "G" if language() == "fr" else "bn"
    steps = [(1e9, billion), (1e6, "M"), (1e3, "k")]
    threshold, suffix = next(((t, s) for t, s in steps if size >= t), (1.0, ""))
    scaled = size / threshold
    decimals = 0 if not suffix or scaled >= 100 or float(scaled).is_integer() else 1
    number = format_number(scaled, decimals)
    if language() == "fr":
        return f"{sign}{number}{_NBSP}{suffix}{currency}"
    return f"{sign}{currency}{number}{suffix}"


def format_quantity(value: float, unit: str, decimals: int = 0) -> str:
    """A figure and its unit (already translated), kept on one line: "447 429 habitants"."""
    return f"{format_number(value, decimals)}{_NBSP}{unit}"


UNIT_WORDS = {
    "persons": Nn_("person", "people", "unit"),
    "premises": Nn_("premises", "premises", "unit"),
    "households": Nn_("household", "households", "unit"),
    "violations": Nn_("violation", "violations", "unit"),
    "reports": Nn_("report", "reports", "unit"),
}
"""Unit words that agree with their number and change with the language, by the unit code
figures carry (:attr:`twin.kpi.Figure.unit`): "1 violation", "447 429 people"."""

UNIT_SYMBOLS = {
    "EUR": "€",
    "EUR/person": N_("€ per person"),
    "EUR/premise": N_("€ per premise"),
    "MWh/yr": N_("MWh/year"),
    "t/yr": N_("t/year"),
    "count": "",  # a bare count: the figure's label says what is counted
}
"""Unit codes shown otherwise than written, in words a council reads (symbols such as m,
kW, dBm, % are shown as they are)."""

PER_UNIT = {"EUR/person": N_("per person"), "EUR/premise": N_("per premise")}
"""Money per something: the amount is written as money, then these words."""


def whole_figure(value: float, unit: str) -> bool:
    """Whether ``value`` in ``unit`` is shown without decimals: counted things (people,
    premises, violations: :data:`UNIT_WORDS`, which engines may give as weighted sums
    such as 43.2 persons), whole numbers and anything from 100 up."""
    return unit in UNIT_WORDS or abs(value) >= 100 or float(value).is_integer()


def unit_text(unit: str, value: float | None = None) -> str:
    """How ``unit`` reads after the number ``value`` in the current language: "people" /
    "habitants", "violation" (for 1) / "violations", "€ per person", "t/year" / "t/an";
    "" for a bare count; other units (m, kW, %) as they are."""
    if unit in UNIT_WORDS:
        singular, plural, context = UNIT_WORDS[unit]
        return trn(singular, plural, 2 if value is None else value, context)
    if unit in UNIT_SYMBOLS:
        return tr(UNIT_SYMBOLS[unit])
    return unit


def format_figure(value: float, unit: str) -> str:
    """A KPI figure and its unit as a person reads it: euros compact (:func:`format_money`,
    unit "EUR", "EUR/person"...), whole numbers from 100 up, two decimals below; unit words
    translated and agreeing with the number (:func:`unit_text`): "447 429 habitants" (fr) /
    "447,429 people" (en), "1 violation"."""
    if value is None or not math.isfinite(value):
        return "–"
    if unit == "EUR":
        return format_money(value)
    if unit in PER_UNIT:
        return f"{format_money(value)} {tr(PER_UNIT[unit])}"
    decimals = 0 if whole_figure(value, unit) else 2
    if decimals == 0:
        value = round(value)  # the words agree with the number shown
    words = unit_text(unit, value)
    return (
        f"{format_number(value, decimals)}{_NBSP}{words}"
        if words
        else format_number(value, decimals)
    )


def masked_label() -> str:
    """What replaces a people figure that the disclosure rule masks, in the current
    language: "< 11 households" / "< 11 ménages" (:mod:`twin.layers.privacy`)."""
    from twin.layers.privacy import MASKED_LABEL, MASKED_LABEL_FR

    return MASKED_LABEL_FR if language() == "fr" else MASKED_LABEL


def format_date(value: _dt.date | _dt.datetime | str) -> str:
    """A date in the language's medium form: "30 nov. 2026" (fr) / "30 Nov 2026" (en);
    ISO strings ("2026-11-30") are accepted."""
    from babel.dates import format_date as _format_date

    if isinstance(value, str):
        value = _dt.date.fromisoformat(value[:10])
    return _format_date(value, format="medium", locale=_babel_locale())


_NUMBER = r"-?\d+(?:\.\d+)?"
_RANGE_LABEL = re.compile(rf"^(?P<low>{_NUMBER})\s*[–-]\s*(?P<high>{_NUMBER})(?:\s+(?P<unit>.+))?$")
# "-105 to -95 dBm", "below -115 dBm", "-95 dBm and above", "< 50 %", "> 1.10 pu"
_PHRASES = (
    (
        re.compile(rf"^(?P<low>{_NUMBER}) to (?P<high>{_NUMBER}) (?P<unit>\S+)$"),
        N_("{low} to {high} {unit}"),
    ),
    (re.compile(rf"^below (?P<low>{_NUMBER}) (?P<unit>\S+)$"), N_("below {low} {unit}")),
    (re.compile(rf"^(?P<low>{_NUMBER}) (?P<unit>\S+) and above$"), N_("{low} {unit} and above")),
    (
        re.compile(rf"^(?P<op>[<>]) (?P<low>{_NUMBER}) (?P<unit>\S+)(?P<rest>.*)$"),
        "{op} {low} {unit}{rest}",
    ),
)


def _local_number(text: str) -> str:
    return format_number(float(text), len(text.partition(".")[2]))


#: KPI labels the engines build from a band, a time or a place: (pattern, English template).
_LABEL_TEMPLATES = (
    (re.compile(r"^Persons in PTAL band (?P<band>\w+)$"), N_("Persons in PTAL band {band}")),
    (
        re.compile(r"^Persons within (?P<minutes>\d+) ?min walk of a stop$"),
        N_("Persons within {minutes} min walk of a stop"),
    ),
    (
        re.compile(
            r"^Persons reached within (?P<minutes>\d+) min \(from (?P<origin>.+), walk \+ "
            r"transit, median departure (?P<window>[\d:]+-[\d:]+)\)$"
        ),
        N_(
            "Persons reached within {minutes} min (from {origin}, walk + transit, median "
            "departure {window})"
        ),
    ),
    (
        re.compile(
            r"^Premises reached within (?P<minutes>\d+) min \(from (?P<origin>.+), walk \+ "
            r"transit, median departure (?P<window>[\d:]+-[\d:]+)\)$"
        ),
        N_(
            "Premises reached within {minutes} min (from {origin}, walk + transit, median "
            "departure {window})"
        ),
    ),
    (re.compile(r"^(?P<name>.+) town hall$"), N_("{name} town hall")),
)
#: Layer names an engine appends to a name people chose ("Langan fiber route").
_SUFFIX_TERMS = ("fiber route", "PBOs", "premises passed")


def tr_label(text: str) -> str:
    """A label of data shown to a person (layer name, legend class, KPI label) in the
    current language: its catalogue entry if it has one; else, in French, a numeric range
    ("24.31 – 33.21 persons" -> "24,31 – 33,21 habitants"), a threshold ("-105 to -95 dBm"
    -> "-105 à -95 dBm") or "name: detail" translated part by part; else the text
    unchanged (names people typed stay as they are)."""
    if not text:
        return text
    translated = tr(text)
    if translated != text or language() == "en":
        return translated
    match = _RANGE_LABEL.match(text)
    if match is not None:
        unit = f" {tr(match['unit'])}" if match["unit"] else ""
        return f"{_local_number(match['low'])} – {_local_number(match['high'])}{unit}"
    for pattern, template in _PHRASES:
        match = pattern.match(text)
        if match is not None:
            parts = match.groupdict()
            parts["low"] = _local_number(parts["low"])
            if parts.get("high") is not None:
                parts["high"] = _local_number(parts["high"])
            if parts.get("rest"):
                parts["rest"] = " " + tr_label(parts["rest"].strip())
            return tr(template).format(**parts)
    for pattern, template in _LABEL_TEMPLATES:
        match = pattern.match(text)
        if match is not None:
            parts = match.groupdict()
            if "origin" in parts:
                parts["origin"] = tr_label(parts["origin"])
            return tr(template).format(**parts)
    for term in _SUFFIX_TERMS:  # "Langan fiber route": a fiber area's result layers
        if text.endswith(f" {term}") and len(text) > len(term) + 1 and ": " not in text:
            name = text[: -len(term) - 1]
            return tr("{name}: {detail}").format(name=name, detail=tr(term))
    head, colon, rest = text.partition(": ")
    if colon and rest:
        return tr("{name}: {detail}").format(name=tr_label(head), detail=tr_label(rest))
    return text
