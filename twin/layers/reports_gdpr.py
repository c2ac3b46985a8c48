"""Personal data of citizen reports, by design (GDPR articles 5, 15, 16, 17 and 25).

On import (:func:`separate_contacts`) a report's names, emails, phone numbers, account or
device ids and address are taken out of it; its description keeps its words with emails,
phone numbers and the reporter's own name replaced by ``[email]``, ``[phone]``, ``[name]``
(:func:`redact`). The report keeps a **pseudonym**: HMAC-SHA256 of the reporter's identity
(email, else phone, else account/device id, else name, normalised) keyed with a secret of
the project (:func:`pseudonym_of`), the first 20 hex digits. The same person gets the same
pseudonym in one project and an unrelated one in another; without the secret nobody can
check a guess.

Where things are kept (the project's ``private`` store, table ``twin_private`` of the
``.twin`` file; never in ``twin_meta``, the recovery file, layers or exports):

- ``reports.secret``: the 32 random bytes of the HMAC key;
- contact data is dropped by default. Only when asked (``passphrase`` given) it is kept
  encrypted, one entry ``reports.contact.<pseudonym>`` per person, with Fernet
  (AES-128-CBC + HMAC-SHA256, package ``cryptography``) under a key derived from a
  passphrase with scrypt (n=2**15, r=8, p=1; salt ``reports.vault.salt``). We chose a
  passphrase over the OS keyring: the project file moves between machines and people (a
  keyring entry would not follow it, and headless servers have no keyring) and the person
  who holds the passphrase is the one entitled to read the contacts.

Rights: :func:`subject_access` (everything held about a pseudonym, as JSON),
:func:`rectify_report`, :func:`erase_subject` (the layer and the contact store; the CLI and
the UI then also scrub the recovery file and the undo history). Every import, rectification
and erasure is logged in ``project.metadata["reports_log"]``: what, when, how many, never a
pseudonym or any personal data. Qt-free.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from twin.errors import DataError
from twin.i18n import tr
from twin.layers.reports_vault import (  # noqa: F401 (part of this module's API)
    CONTACT_PREFIX,
    VAULT_CHECK_KEY,
    VAULT_SALT_KEY,
    keep_contacts,
    merge_contact,
    private_store,
    read_contact,
)

SECRET_KEY = "reports.secret"
LOG_KEY = "reports_log"
PSEUDONYM_HEX_DIGITS = 20

#: Source columns that hold contact data (lower case, accents kept as written by sources).
#: Open311 POST fields (email, first_name, last_name, phone, account_id, device_id),
#: FixMyStreet's name, J'alerte l'Arcep's email, and their usual French spellings.
CONTACT_COLUMNS = {
    "email": "email",
    "e-mail": "email",
    "mail": "email",
    "courriel": "email",
    "adresse email": "email",
    "adresse e-mail": "email",
    "phone": "phone",
    "telephone": "phone",
    "téléphone": "phone",
    "tel": "phone",
    "tél": "phone",
    "mobile_phone": "phone",
    "first_name": "first_name",
    "firstname": "first_name",
    "prenom": "first_name",
    "prénom": "first_name",
    "last_name": "last_name",
    "lastname": "last_name",
    "nom": "last_name",
    "name": "name",
    "full_name": "name",
    "author": "name",
    "reporter": "name",
    "contact": "contact",
    "account_id": "account_id",
    "device_id": "device_id",
    "user": "account_id",
    "username": "account_id",
    "address": "address",
    "adresse": "address",
    "address_id": "address",
    "zipcode": "address",
    "code postal": "address",
    "code_postal": "address",
}

EMAIL_PATTERN = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# French numbers (0X XX XX XX XX, +33 X XX XX XX XX, 0033...) and other international
# numbers written with + and 8 to 15 digits, with spaces, dots, dashes or brackets.
PHONE_PATTERN = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[\s.-]?\(?0?\)?[\s.-]?[1-9]|0[1-9])(?:[\s.-]?\d{2}){4}(?!\d)"
    r"|(?<![\w+])\+\d(?:[\s.()-]?\d){7,14}(?!\d)"
)


@dataclass
class Separated:
    """One report split on import: ``contact`` (field -> text, personal data) apart from
    the report, the redacted ``description`` and the ``identity`` that keys the
    pseudonym (empty when the report names nobody)."""

    description: str
    identity: str
    contact: dict[str, str] = field(default_factory=dict)


def project_secret(project) -> bytes:
    """The project's HMAC key (32 random bytes, made on first use)."""
    store = private_store(project)
    if SECRET_KEY not in store:
        store[SECRET_KEY] = secrets.token_bytes(32)
    return bytes(store[SECRET_KEY])


def pseudonym_of(secret: bytes, identity: str) -> str:
    """The pseudonym of ``identity`` under ``secret``: HMAC-SHA256, first 20 hex digits
    (80 bits). Empty identity: empty pseudonym."""
    if not identity:
        return ""
    digest = hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()
    return digest[:PSEUDONYM_HEX_DIGITS]


def redact(text: str, names: list[str] | tuple[str, ...] = ()) -> str:
    """``text`` with emails, phone numbers and each of ``names`` (whole words, any case)
    replaced by ``[email]``, ``[phone]`` and ``[name]``."""
    result = EMAIL_PATTERN.sub("[email]", str(text))
    result = PHONE_PATTERN.sub("[phone]", result)
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        result = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", "[name]", result, flags=re.I)
    return result


def _normal_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def separate_contacts(record: dict[str, Any], description: str) -> Separated:
    """Split a source record: its contact columns (see :data:`CONTACT_COLUMNS`) and the
    emails/phones written in ``description`` go to ``contact``; the description is
    redacted; the identity is the first of email, phone, account/device id, name."""
    contact: dict[str, str] = {}
    for key, value in record.items():
        kind = CONTACT_COLUMNS.get(str(key).strip().lower())
        if kind is None or value is None or str(value).strip() in ("", "nan", "None"):
            continue
        text = str(value).strip()
        contact[kind] = f"{contact[kind]}; {text}" if kind in contact else text
    found_emails = EMAIL_PATTERN.findall(description or "")
    found_phones = PHONE_PATTERN.findall(description or "")
    if found_emails:
        contact.setdefault("email", found_emails[0])
    if found_phones:
        contact.setdefault("phone", found_phones[0])
    names = [contact.get(k, "") for k in ("first_name", "last_name", "name")]
    names += [part for n in names for part in n.split()]
    clean = redact(description or "", names)
    identity = ""
    if contact.get("email"):
        identity = "email:" + contact["email"].split(";")[0].strip().lower()
    elif contact.get("phone"):
        identity = "phone:" + _normal_phone(contact["phone"].split(";")[0])
    elif contact.get("account_id") or contact.get("device_id"):
        identity = "account:" + (contact.get("account_id") or contact.get("device_id", ""))
    else:
        full = " ".join(n for n in names[:3] if n).strip()
        if full:
            identity = "name:" + " ".join(full.casefold().split())
    return Separated(clean, identity, contact)


# --- the log ------------------------------------------------------------------------------
def log_event(project, action: str, count: int, **details: Any) -> dict[str, Any]:
    """Append ``{"action", "at" (UTC), "count", **details}`` to the project's reports log
    and return it. Callers pass no personal data (formats, file names, counts)."""
    entry = {
        "action": action,
        "at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "count": int(count),
        **details,
    }
    project.metadata.setdefault(LOG_KEY, []).append(entry)
    return entry


# --- rights -------------------------------------------------------------------------------
def _layer(project):
    from twin.layers.reports import reports_layer

    layer = reports_layer(project)
    if layer is None:
        raise DataError(tr("this project has no citizen reports"))
    return layer


def _check_pseudonym(pseudonym: str) -> str:
    text = str(pseudonym).strip().lower()
    if not re.fullmatch(rf"[0-9a-f]{{{PSEUDONYM_HEX_DIGITS}}}", text):
        raise DataError(
            tr("{pseudonym!r} is not a pseudonym ({digits} hexadecimal digits)").format(
                pseudonym=pseudonym, digits=PSEUDONYM_HEX_DIGITS
            )
        )
    return text


def subject_access(project, pseudonym: str, passphrase: str | None = None) -> dict[str, Any]:
    """Everything the project holds about ``pseudonym`` (GDPR art. 15), JSON-ready: its
    reports (every column, position in the project CRS and in WGS84) and its contact data
    (decrypted with ``passphrase``; without one, only whether some is held)."""
    from pyproj import Transformer

    pseudonym = _check_pseudonym(pseudonym)
    layer = _layer(project)
    rows = layer.frame[layer.frame["pseudonym"].astype(str) == pseudonym]
    to_wgs84 = Transformer.from_crs(layer.crs, "EPSG:4326", always_xy=True)
    reports = []
    for _, row in rows.iterrows():
        record = {
            c: (None if row[c] is None else str(row[c])) for c in rows.columns if c != "geometry"
        }
        x, y = float(row.geometry.x), float(row.geometry.y)
        lon, lat = to_wgs84.transform(x, y)
        record.update({"x_m": x, "y_m": y, "lon": round(lon, 6), "lat": round(lat, 6)})
        reports.append(record)
    held = CONTACT_PREFIX + pseudonym in private_store(project)
    contact: dict[str, Any] = {"held": held}
    if held and passphrase:
        contact["data"] = read_contact(project, pseudonym, passphrase)
    return {
        "pseudonym": pseudonym,
        "crs": layer.crs.to_string() if layer.crs is not None else None,
        "reports": reports,
        "contact": contact,
    }


RECTIFIABLE = ("category", "status", "date", "description")


def checked_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """``changes`` of a rectification, checked and normalised: categories and statuses
    among the known ones, dates as ISO UTC text, descriptions redacted, ``x``/``y`` as
    metres. DataError (one line) for anything else."""
    from twin.layers.reports import CATEGORIES, STATUSES, date_of

    checked: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "category" and value not in CATEGORIES:
            raise DataError(
                tr("category {value!r}: choose one of {choices}").format(
                    value=value, choices=", ".join(CATEGORIES)
                )
            )
        if key == "status" and value not in STATUSES:
            raise DataError(tr("status {value!r}: choose open or closed").format(value=value))
        if key not in RECTIFIABLE and key not in ("x", "y"):
            raise DataError(
                tr("{key!r} cannot be rectified; choose {choices}, x, y").format(
                    key=key, choices=", ".join(RECTIFIABLE)
                )
            )
        if key == "date":
            value = date_of(value)
        elif key == "description":
            value = redact(str(value))
        elif key in ("x", "y"):
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise DataError(tr("{key} is a number of metres").format(key=key)) from None
        checked[key] = value
    return checked


def rectify_report(project, report_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Correct one report (GDPR art. 16): ``changes`` of :data:`RECTIFIABLE` columns
    (descriptions are redacted again), or ``x``/``y`` in project metres (see
    :func:`checked_changes`). Returns the values before the change (for undo). Logged
    without personal data."""
    from shapely.geometry import Point

    changes = checked_changes(changes)
    layer = _layer(project)
    frame = layer.frame.copy()
    matches = frame.index[frame["report_id"].astype(str) == str(report_id)]
    if len(matches) == 0:
        raise DataError(tr("no report {id!r} in this project").format(id=report_id))
    index = matches[0]
    before: dict[str, Any] = {c: frame.at[index, c] for c in RECTIFIABLE}
    before["x"], before["y"] = frame.geometry[index].x, frame.geometry[index].y
    for key, value in changes.items():
        if key in RECTIFIABLE:
            frame.at[index, key] = value
    if "x" in changes or "y" in changes:
        point = frame.geometry[index]
        x = float(changes.get("x", point.x))
        y = float(changes.get("y", point.y))
        frame.loc[[index], frame.geometry.name] = [Point(x, y)]
    layer.set_frame(frame)
    _refresh_heat_map(project)
    log_event(project, "rectify", 1, fields=sorted(changes))
    return before


@dataclass(frozen=True)
class Erasure:
    """What :func:`erase_subject` removed: reports (rows) and whether contact data was
    held."""

    reports: int
    contact: bool


def erase_subject(project, pseudonym: str) -> Erasure:
    """Erase everything the project holds in memory about ``pseudonym`` (GDPR art. 17):
    its reports and its contact data. Saving then writes a fresh file without them; the
    recovery file and undo history are scrubbed by their owners
    (:func:`twin.recovery_erasure.erase_from_recovery`, :func:`twin.ui.scenario.undo.
    forget_subject`). Logged as a count only."""
    pseudonym = _check_pseudonym(pseudonym)
    layer = _layer(project)
    keep = layer.frame["pseudonym"].astype(str) != pseudonym
    removed = int((~keep).sum())
    if removed:
        layer.set_frame(layer.frame[keep].copy())
    contact = private_store(project).pop(CONTACT_PREFIX + pseudonym, None) is not None
    if not removed and not contact:
        raise DataError(tr("nothing is held about this pseudonym"))
    _refresh_heat_map(project)
    log_event(project, "erase", removed, contact_data=contact)
    return Erasure(removed, contact)


def _refresh_heat_map(project) -> None:
    """Recompute the reports heat map (if the project has one) from the reports left."""
    from twin.layers.reports_heat import HEAT_LAYER_ID, update_heat_layer

    heat = next((layer for layer in project.layers if layer.id == HEAT_LAYER_ID), None)
    if heat is None:
        return
    chosen = heat.provenance.parameters
    update_heat_layer(project, chosen.get("start"), chosen.get("end"), chosen.get("category"))
