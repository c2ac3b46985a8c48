"""Update the French catalogue from the code: extract, merge, compile.

    python scripts/update_translations.py           # update twin.po and twin.mo
    python scripts/update_translations.py --check   # exit 1 if they are not up to date

Extraction reads every ``tr("...")`` and ``N_("...")`` call with a literal argument in
``twin/`` (Python's ``ast``: implicit concatenation is joined, f-strings are refused since
they cannot be looked up), plus the data terms of ``resources/locale/terms.txt`` (layer
names, legend classes, KPI labels and units that come from project files and engines,
one English term a line). The result is merged into
``resources/locale/fr/LC_MESSAGES/twin.po`` (babel: existing translations kept, new
entries added empty, vanished ones marked obsolete) and compiled to ``twin.mo``.
``--check`` lists the entries without a French translation and says whether the files
are stale; it writes nothing.
"""

from __future__ import annotations

import argparse
import ast
import io
import sys
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "twin"
LOCALE_DIR = ROOT / "resources" / "locale"
TERMS = LOCALE_DIR / "terms.txt"
LANGUAGES = ("fr",)
MARKERS = {"tr", "N_"}
PLURAL_MARKERS = {"trn", "Nn_"}  # (singular, plural[, ..., context]): one plural entry
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)  # no dates in the files: reruns are stable


def extract_code(root: Path = SOURCES) -> dict[str, list[tuple[str, int]]]:
    """English source strings passed to ``tr``/``N_`` in the Python files under ``root``,
    each with where it appears (path relative to the repository, line)."""
    found: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in MARKERS and node.args):
                continue
            argument = node.args[0]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                found[argument.value].append((_relative(path), node.lineno))
    return found


def extract_plurals(root: Path = SOURCES) -> dict[tuple[str, str, str | None], list[str]]:
    """Singular/plural pairs passed to ``trn``/``Nn_`` with literal arguments in the Python
    files under ``root``, keyed by (singular, plural, context), each with the files using
    it. The context is the literal ``context=`` argument (or ``Nn_``'s third argument)."""
    found: dict[tuple[str, str, str | None], list[str]] = defaultdict(list)
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _name(node.func) in PLURAL_MARKERS):
                continue
            words = [_literal(argument) for argument in node.args[:2]]
            if len(words) < 2 or None in words:
                continue
            context = None
            if _name(node.func) == "Nn_" and len(node.args) > 2:
                context = _literal(node.args[2])
            for keyword in node.keywords:
                if keyword.arg == "context":
                    context = _literal(keyword.value)
            found[(words[0], words[1], context)].append(_relative(path))
    return found


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def untranslatable_calls(root: Path = SOURCES) -> list[str]:
    """``tr(f"...")`` calls (the catalogue cannot hold them): ``path:line`` each."""
    bad = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            marker = isinstance(node, ast.Call) and _name(node.func) in MARKERS
            if marker and node.args and isinstance(node.args[0], ast.JoinedStr):
                bad.append(f"{_relative(path)}:{node.lineno}")
    return bad


def read_terms(path: Path = TERMS) -> list[str]:
    """The data terms: one English term a line; blank lines and ``#`` comments skipped."""
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    terms = [line.rstrip("\r") for line in lines if line.strip() and not line.startswith("#")]
    return [term.replace("\\n", "\n") for term in terms]  # a written \n is a line end


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _relative(path: Path) -> str:
    try:
        return path.relative_to(ROOT).as_posix()
    except ValueError:
        return path.as_posix()


def template() -> Catalog:
    """The catalogue template (.pot content) of the current code and data terms."""
    catalog = Catalog(project="twin", fuzzy=False)
    for text, places in sorted(extract_code().items()):
        if text:  # files without line numbers: moving code does not make the .po stale
            files = sorted({path for path, _line in places})[:3]
            catalog.add(text, locations=[(path, None) for path in files])
    for (singular, plural, context), files in sorted(
        extract_plurals().items(), key=lambda item: (item[0][0], item[0][1], item[0][2] or "")
    ):
        locations = [(path, None) for path in sorted(set(files))[:3]]
        catalog.add((singular, plural), locations=locations, context=context)
    for term in read_terms():
        if term not in catalog:
            catalog.add(term, locations=[("resources/locale/terms.txt", None)])
    return catalog


def po_path(language: str) -> Path:
    """Where the .po of ``language`` lives (its .mo is beside it)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "twin.po"


def updated_catalog(language: str, pot: Catalog) -> Catalog:
    """``language``'s catalogue merged with ``pot``: translations kept, new entries empty."""
    path = po_path(language)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
    else:
        catalog = Catalog(locale=language, project="twin")
    catalog.update(pot, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()  # a string the code no longer uses goes away
    return catalog


def po_bytes(catalog: Catalog) -> bytes:
    """The .po text of ``catalog`` (sorted, without dates, so reruns change nothing)."""
    catalog.revision_date = catalog.creation_date = _FIXED_DATE
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=96, sort_output=True, omit_header=False)
    return buffer.getvalue()


def mo_bytes(catalog: Catalog) -> bytes:
    """The compiled .mo of ``catalog`` (entries without a translation are left out)."""
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    return buffer.getvalue()


def _translated(message) -> bool:
    """Whether ``message`` has its translation (every form of a plural entry)."""
    if isinstance(message.string, tuple | list):
        return all(message.string)
    return bool(message.string)


def untranslated(catalog: Catalog) -> list[str]:
    """Source strings of ``catalog`` that have no translation yet (a plural entry by its
    singular)."""
    return [
        message.id[0] if isinstance(message.id, tuple) else message.id
        for message in catalog
        if message.id and not _translated(message)
    ]


def _read(path: Path) -> Catalog | None:
    if not path.exists():
        return None
    with path.open("rb") as handle:
        return read_po(handle)


def _bytes(path: Path) -> bytes:
    return path.read_bytes() if path.exists() else b""


def _translation(catalog: Catalog, text, context: str | None = None) -> bool:
    message = catalog.get(text, context=context)
    return message is not None and not message.fuzzy and _translated(message)


def _check(language: str, catalog: Catalog, path: Path) -> int:
    """1 if a string of the code has no translation in the stored .po or the shipped .mo is
    not that .po compiled, else 0 (which files use a string may lag without harm)."""
    stored = _read(path)
    if stored is None:
        print(f"{_relative(path)} is missing: run scripts/update_translations.py")
        return 1
    missing = [m.id for m in catalog if m.id and not _translation(stored, m.id, m.context)]
    for text in missing:
        print(f"{language}: no translation for {text!r}", file=sys.stderr)
    stale = mo_bytes(stored) != _bytes(path.with_suffix(".mo"))
    if stale:
        print(
            f"{_relative(path.with_suffix('.mo'))} is not {path.name} compiled: run "
            "scripts/update_translations.py"
        )
    return 1 if stale or missing else 0


def main(argv: list[str] | None = None) -> int:
    """Update (or with ``--check`` verify) each language's .po and .mo; returns 0 when up
    to date (or updated), 1 when ``--check`` finds stale files or missing translations."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify, write nothing")
    args = parser.parse_args(argv)
    status = 0
    bad = untranslatable_calls()
    for place in bad:
        print(f"{place}: tr() of an f-string cannot be translated", file=sys.stderr)
    status = 1 if bad else 0
    pot = template()
    for language in LANGUAGES:
        catalog = updated_catalog(language, pot)
        path = po_path(language)
        if args.check:
            status = max(status, _check(language, catalog, path))
            continue
        missing = untranslated(catalog)
        for text in missing:
            print(f"{language}: no translation for {text!r}", file=sys.stderr)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(po_bytes(catalog))
        path.with_suffix(".mo").write_bytes(mo_bytes(catalog))
        total = len([message for message in catalog if message.id])
        print(f"{_relative(path)}: {total} entries, {total - len(missing)} translated")
    return status


if __name__ == "__main__":
    sys.exit(main())
