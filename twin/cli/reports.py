"""citizen reports: import (contact data separated), subject access and erasure (GDPR)

``twin reports import FILE [PROJECT] --out PROJECT.twin [--keep-contacts]`` reads Open311
GeoReport v2 JSON, GeoJSON, CSV or a J'alerte l'Arcep CSV into the project's reports layer
(:mod:`twin.layers.reports_io`); names, emails and phone numbers are dropped, or kept
encrypted with ``--keep-contacts`` under a passphrase (environment variable
``TWIN_REPORTS_PASSPHRASE``, else asked on the terminal).
``twin reports subject PSEUDONYM [PROJECT]`` prints as JSON everything the project holds
about one pseudonym (``--contacts`` decrypts its contact data with the passphrase).
``twin reports erase PSEUDONYM [PROJECT] --out PROJECT.twin`` erases it from the project,
writes a fresh file and scrubs the recovery files beside PROJECT and the output.
``twin reports rectify REPORT_ID [PROJECT] --set FIELD=VALUE... --out PROJECT.twin``
corrects a report (category, status, date, description, x, y in project metres).
``twin reports check [PROJECT] [--out FILE.json]`` compares the reports with the project's
baseline predictions (:mod:`twin.sim.reports_project`): coverage level at mobile reports,
reports per 1 000 inhabitants per commune, transit and energy reports near weak places.
PROJECT defaults to the bundled sample territory.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from twin.errors import DataError
from twin.i18n import tr

PASSPHRASE_VARIABLE = "TWIN_REPORTS_PASSPHRASE"


def register(subparsers) -> None:
    """Add the ``reports`` subcommand and its actions."""
    parser = subparsers.add_parser(
        "reports",
        help=tr(
            "citizen reports: import (contact data separated), subject access and erasure (GDPR)"
        ),
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    importing = actions.add_parser("import", help=tr("import a reports file into a project"))
    importing.add_argument("file", help=tr("Open311 GeoReport v2 JSON, GeoJSON, CSV or Arcep CSV"))
    importing.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    importing.add_argument("--out", required=True, help=tr("the .twin file to write"))
    importing.add_argument(
        "--format", choices=("open311", "geojson", "csv", "arcep"), help=tr("force the format")
    )
    importing.add_argument(
        "--keep-contacts",
        action="store_true",
        help=tr("keep contact data encrypted (passphrase from ${variable} or asked)").format(
            variable=PASSPHRASE_VARIABLE
        ),
    )
    subject = actions.add_parser("subject", help=tr("everything held about a pseudonym, as JSON"))
    subject.add_argument("pseudonym")
    subject.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    subject.add_argument(
        "--contacts",
        action="store_true",
        help=tr("decrypt the contact data (needs the passphrase)"),
    )
    erase = actions.add_parser("erase", help=tr("erase a pseudonym everywhere"))
    erase.add_argument("pseudonym")
    erase.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    erase.add_argument("--out", required=True, help=tr("the .twin file to write"))
    rectify = actions.add_parser("rectify", help=tr("correct one report (GDPR rectification)"))
    rectify.add_argument("report_id")
    rectify.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    rectify.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help=tr("category, status, date, description, x or y (metres); repeat for several"),
    )
    rectify.add_argument("--out", required=True, help=tr("the .twin file to write"))
    check = actions.add_parser("check", help=tr("reports against the baseline predictions"))
    check.add_argument("project", nargs="?", help=tr("a .twin project (default: the sample)"))
    check.add_argument("--out", help=tr("write the JSON here too"))
    parser.set_defaults(func=run)


def _passphrase() -> str:
    value = os.environ.get(PASSPHRASE_VARIABLE)
    if value:
        return value
    if not sys.stdin.isatty():
        raise DataError(
            tr("a passphrase is needed: set {variable}").format(variable=PASSPHRASE_VARIABLE)
        )
    return getpass.getpass(tr("Passphrase for contact data: "))


def _open(path: str | None):
    import twin

    if path is None:
        return twin.open_project(twin.sample_project_path())
    if not Path(path).is_file():
        raise DataError(tr("{path}: no such project file").format(path=path))
    return twin.open_project(path)


def _out(text: str) -> Path:
    out = Path(text)
    if not out.parent.exists():
        raise DataError(
            tr("--out {out}: folder {folder} does not exist").format(out=text, folder=out.parent)
        )
    return out


def run(args: argparse.Namespace) -> int:
    """Run one action; returns 0 (errors a user can fix raise DataError)."""
    if args.action == "import":
        return _import(args)
    if args.action == "subject":
        return _subject(args)
    if args.action == "check":
        return _check(args)
    if args.action == "rectify":
        return _rectify(args)
    return _erase(args)


def _rectify(args: argparse.Namespace) -> int:
    from twin.layers.reports_gdpr import rectify_report

    changes: dict[str, object] = {}
    for item in args.set:
        field, separator, value = item.partition("=")
        if not separator or not field.strip():
            raise DataError(tr("--set {item}: write FIELD=VALUE").format(item=item))
        field = field.strip()
        if field in ("x", "y"):
            try:
                changes[field] = float(value)
            except ValueError:
                raise DataError(
                    tr("--set {item}: {field} is a number of metres").format(item=item, field=field)
                ) from None
        else:
            changes[field] = value
    out = _out(args.out)
    project = _open(args.project)
    rectify_report(project, args.report_id, changes)
    project.save(out)
    print(
        tr("rectified report {id} ({fields}) in {out}").format(
            id=args.report_id, fields=", ".join(sorted(changes)), out=out
        )
    )
    return 0


def _check(args: argparse.Namespace) -> int:
    from twin.sim.reports_project import check_project

    out = _out(args.out) if args.out else None
    text = json.dumps(check_project(_open(args.project)), ensure_ascii=False, indent=2)
    if out is not None:
        out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


def _import(args: argparse.Namespace) -> int:
    from twin.layers.reports_io import import_reports

    out = _out(args.out)
    project = _open(args.project)
    passphrase = _passphrase() if args.keep_contacts else None
    result = import_reports(project, args.file, passphrase=passphrase, format=args.format)
    project.save(out)
    contacts = (
        tr("contact data of {n} people kept encrypted").format(n=result.kept_contacts)
        if result.kept_contacts
        else tr("contact data dropped")
    )
    print(
        tr("imported {n} reports ({format}) into {out}; {skipped} skipped; {contacts}").format(
            n=result.imported,
            format=result.format,
            out=out,
            skipped=result.skipped,
            contacts=contacts,
        )
    )
    for reason, count in result.reasons.items():
        print(tr("skipped {count}: {reason}").format(count=count, reason=reason))
    return 0


def _subject(args: argparse.Namespace) -> int:
    from twin.layers.reports_gdpr import subject_access

    project = _open(args.project)
    passphrase = _passphrase() if args.contacts else None
    record = subject_access(project, args.pseudonym, passphrase)
    print(json.dumps(record, ensure_ascii=False, indent=2, allow_nan=False))
    return 0


def _erase(args: argparse.Namespace) -> int:
    from twin.layers.reports_gdpr import erase_subject
    from twin.recovery_erasure import erase_from_recovery

    out = _out(args.out)
    project = _open(args.project)
    source = project.path
    erased = erase_subject(project, args.pseudonym)
    project.save(out)
    pseudonym = args.pseudonym.strip().lower()
    scrubbed = {Path(out).resolve(), *([Path(source).resolve()] if source else [])}
    for path in scrubbed:
        erase_from_recovery(path, pseudonym)
    print(
        tr("erased {n} reports{contact} from {out}; recovery files scrubbed").format(
            n=erased.reports,
            contact=tr(" and the contact data") if erased.contact else "",
            out=out,
        )
    )
    if source is not None and Path(source).resolve() != Path(out).resolve():
        print(
            tr("note: {source} still holds this person's data; delete it or erase in place").format(
                source=source
            ),
            file=sys.stderr,
        )
    return 0
