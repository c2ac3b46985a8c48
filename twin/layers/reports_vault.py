"""The encrypted store of citizen reporters' contact data (used only when asked).

One entry ``reports.contact.<pseudonym>`` per person in the project's private store
(table ``twin_private``): a Fernet token (AES-128-CBC + HMAC-SHA256, package
``cryptography``) of the person's contact fields as JSON, under a key derived from a
passphrase with scrypt (n=2**15, r=8, p=1; salt ``reports.vault.salt``; a check token
``reports.vault.check`` tells a wrong passphrase). Why a passphrase and not the OS keyring:
see :mod:`twin.layers.reports_gdpr`. Qt-free.
"""

from __future__ import annotations

import base64
import json
import secrets

from twin.errors import DataError
from twin.i18n import tr

VAULT_SALT_KEY = "reports.vault.salt"
VAULT_CHECK_KEY = "reports.vault.check"
CONTACT_PREFIX = "reports.contact."
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}


def private_store(project) -> dict[str, bytes]:
    """The project's private store (created empty when missing)."""
    store = getattr(project, "private", None)
    if store is None:
        store = {}
        project.private = store
    return store


def _fernet(project, passphrase: str):
    from cryptography.fernet import Fernet, InvalidToken
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    if not passphrase:
        raise DataError(tr("a passphrase is needed to keep or read contact data"))
    store = private_store(project)
    if VAULT_SALT_KEY not in store:
        store[VAULT_SALT_KEY] = secrets.token_bytes(16)
    kdf = Scrypt(salt=bytes(store[VAULT_SALT_KEY]), length=32, **_SCRYPT)
    fernet = Fernet(base64.urlsafe_b64encode(kdf.derive(passphrase.encode("utf-8"))))
    if VAULT_CHECK_KEY in store:
        try:
            fernet.decrypt(bytes(store[VAULT_CHECK_KEY]))
        except InvalidToken:
            raise DataError(tr("wrong passphrase for this project's contact data")) from None
    else:
        store[VAULT_CHECK_KEY] = fernet.encrypt(b"twin contacts")
    return fernet


def keep_contacts(project, contacts: dict[str, dict[str, str]], passphrase: str) -> int:
    """Encrypt each pseudonym's contact data into the private store (merged with what is
    held already); returns how many people's entries were written."""
    fernet = _fernet(project, passphrase)
    store = private_store(project)
    for pseudonym, contact in contacts.items():
        key = CONTACT_PREFIX + pseudonym
        held = merge_contact(_read_contact(fernet, store.get(key)), contact)
        store[key] = fernet.encrypt(json.dumps(held, ensure_ascii=False).encode("utf-8"))
    return len(contacts)


def merge_contact(held: dict[str, str], contact: dict[str, str]) -> dict[str, str]:
    """``held`` with the values of ``contact`` added ("; "-separated, case-insensitively
    new values only); changes and returns ``held``."""
    for name, value in contact.items():
        known = [part.casefold() for part in held.get(name, "").split("; ") if part]
        if value and value.casefold() not in known:
            held[name] = f"{held[name]}; {value}" if held.get(name) else value
    return held


def _read_contact(fernet, token) -> dict[str, str]:
    if token is None:
        return {}
    return dict(json.loads(fernet.decrypt(bytes(token)).decode("utf-8")))


def read_contact(project, pseudonym: str, passphrase: str) -> dict[str, str]:
    """The contact data kept for ``pseudonym`` (decrypted), ``{}`` when none is held."""
    store = private_store(project)
    if CONTACT_PREFIX + pseudonym not in store:
        return {}
    return _read_contact(_fernet(project, passphrase), store[CONTACT_PREFIX + pseudonym])
