"""GDPR erasure in a recovery file: a citizen report pseudonym removed from the unsaved
edits kept beside a project (:mod:`twin.recovery`), so that a crash recovery cannot bring
an erased report back. Qt-free."""

from __future__ import annotations

import json
import os
from typing import Any

from twin.recovery import recovery_path
from twin.recovery_file import write_atomically


def erase_from_recovery(project_path: str | os.PathLike, pseudonym: str) -> int:
    """Remove every trace of a citizen report pseudonym from the recovery file of
    ``project_path`` (GDPR erasure): report records holding it are dropped and any other
    text holding it is blanked; the file is rewritten atomically. Returns how many records
    were dropped (0 when there is no recovery file)."""
    target = recovery_path(project_path)
    if not target.is_file() or not pseudonym:
        return 0
    text = target.read_text(encoding="utf-8")
    if pseudonym not in text:
        return 0
    data = json.loads(text)
    dropped = [0]

    def scrub(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            kept = []
            for item in value:
                if isinstance(item, dict) and pseudonym in item.values():
                    dropped[0] += 1
                    continue
                kept.append(scrub(item))
            return kept
        if isinstance(value, str) and pseudonym in value:
            return value.replace(pseudonym, "")
        return value

    write_atomically(target, json.dumps(scrub(data), ensure_ascii=False, allow_nan=False))
    return dropped[0]
