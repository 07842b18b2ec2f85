"""Package files written by ``wfpromote import``: readable YAML, the same bytes every time.

The text is produced here rather than by a YAML library so that its layout is fixed: keys in
the order people write them, one flow mapping per entity, strings plain where YAML reads
them back unchanged and JSON-quoted otherwise, multi-line descriptions as literal blocks.
Importing the same package twice therefore gives identical files.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

MODELINE = "# yaml-language-server: $schema={path}"
SCHEMA_FILE = Path("schemas") / "package.schema.json"
MAX_STEM = 60

# No commas, brackets or braces: entity names also sit inside flow mappings.
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 _.()/&+'-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}


def scalar(text: str) -> str:
    """``text`` as a YAML scalar that reads back as exactly ``text``."""
    if (_PLAIN.match(text) and text == text.strip() and text.lower() not in _YAML_WORDS
            and "  " not in text and not text.endswith(("-", ":"))):
        return text
    return quoted(text)


def _hidden(ch: str) -> bool:
    """Characters YAML refuses in a file, or that a reader would not see."""
    code = ord(ch)
    allowed = ch in "\t\n" or 0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF \
        or 0xE000 <= code <= 0xFFFD or code >= 0x10000
    return not allowed or unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cn", "Zl", "Zp")


def quoted(text: str) -> str:
    """A double-quoted scalar: JSON escapes, plus \\u escapes for what a reader cannot see."""
    out = json.dumps(text, ensure_ascii=False)
    if not any(_hidden(ch) for ch in out):
        return out
    return "".join((f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
                   if _hidden(ch) else ch for ch in out)


def _block(text: str, indent: str) -> str | None:
    """A literal block (``|-``) for multi-line text, when YAML keeps it byte for byte."""
    lines = text.split("\n")
    if len(lines) < 2 or not lines[0].strip() or lines[0][0] in " \t":
        return None
    if any(ch != "\n" and (_hidden(ch) or unicodedata.category(ch)[0] == "C") for ch in text):
        return None  # tabs, CR and other controls: JSON escapes show them
    if any(line != line.rstrip() for line in lines) or text != text.strip("\n"):
        return None
    return "|-\n" + "\n".join(f"{indent}{line}" if line else "" for line in lines)


def stem(name: str) -> str:
    """A readable file name from a package name: ``Agency Onboarding`` -> ``agency-onboarding``."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return words[:MAX_STEM].rstrip("-") or "package"


def unique_stems(names: Iterable[tuple[str, str]]) -> dict[str, str]:
    """key -> stem for (key, name) pairs in the given order; a stem taken earlier gets
    ``-2``, ``-3`` ... so no two packages share a file."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for key, name in names:
        base = stem(name)
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        out[key] = candidate
    return out


def modeline(file: Path, root: Path) -> str:
    """The schema modeline, relative from ``file`` to ``<root>/schemas/package.schema.json``."""
    target = os.path.relpath(root / SCHEMA_FILE, file.parent)
    return MODELINE.format(path=Path(target).as_posix())


def package_yaml(doc: Mapping[str, Any], *, header: Iterable[str] = ()) -> str:
    """One package document as YAML (keys: name, description, source, status, revision,
    objectCollections or definition)."""
    lines = [f"# {line}" if not line.startswith("#") else line for line in header]
    for key in ("name", "description", "source", "status"):
        if key not in doc:
            continue
        text = str(doc[key])
        shown = (_block(text, "  ") if key == "description" else None) or scalar(text)
        lines.append(f"{key}: {shown}")
    if doc.get("revision") is not None:
        lines.append(f"revision: {int(doc['revision'])}")
    if "definition" in doc:
        lines.append(f"definition: {scalar(str(doc['definition']))}")
    collections = doc.get("objectCollections") or ()
    if collections:
        lines.append("objectCollections:")
    for collection in collections:
        lines.append(f"  - objCode: {collection['objCode']}")
        lines.append("    entities:")
        for entity in collection["entities"]:
            label = f", name: {scalar(entity['name'])}" if entity.get("name") else ""
            lines.append(f"      - {{ID: {entity['ID']}{label}}}")
    return "\n".join(lines) + "\n"


def definition_json(entities: Mapping[str, Any]) -> str:
    """A definition file: the packageEntities map, objCodes and keys sorted, records by id."""
    ordered = {code: sorted(records, key=lambda r: str(r.get("id", r.get("ID", ""))).lower())
               if isinstance(records, list) else records
               for code, records in sorted(entities.items())}
    return json.dumps(ordered, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
