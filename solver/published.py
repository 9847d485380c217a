"""The register's published values, and comparing them with the documents.

``python -m solver verify`` proves on its own only that an outcome is the one
its instance produces. A forger who deletes an entity and redraws gets a
consistent pair too; what gives them away is that the instance no longer has
the frozen digest, nor the outcome the result digest, that the register
published before the draw. These values come from a register file
(``inspect-register/1``, served by the public register as
``/draws/<code>/register.json``; see docs/draw-protocol.md) or from the
command line, and :func:`first_difference` names the first one the documents
contradict.

>>> published = [Published("input_digest", "ab" * 32, "--input-digest")]
>>> first_difference(published, {"input_digest": ("cd" * 32, "the instance")})[:60]
'input_digest: --input-digest gives ababababababababababababa'
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from solver import messages
from solver.errors import InputError
from solver.instance import load_document

REGISTER_FORMAT = "inspect-register/1"

# Compared in this order (the order in which the register publishes them);
# "code" is compared with the instance's draw_id.
COMPARED = ("code", "frozen_digest", "commitment", "external_entropy", "input_digest",
            "result_digest")
DIGESTS = ("frozen_digest", "commitment", "input_digest", "result_digest")
OPTIONS = {name: "--" + name.replace("_", "-") for name in DIGESTS}

_HEX64 = re.compile(r"[0-9a-f]{64}").fullmatch


@dataclass(frozen=True)
class Published:
    """One published value and where it came from (``"the register"`` or an option)."""

    name: str
    value: str
    source: str


def hex_option(option: str, value: str) -> str:
    """A digest given on the command line: 64 hex digits (either case)."""
    lowered = value.strip().lower()
    if not _HEX64(lowered):
        raise InputError(messages.bad_hex_option(option, value))
    return lowered


def read_register(path: str | Path) -> list[Published]:
    """The values of a register file that are present (a digest that is not
    published yet is null or absent)."""
    name = str(path)
    doc = load_document(path, name)
    found = doc.get("format")
    if found != REGISTER_FORMAT:
        if found is None:
            raise InputError(messages.in_file(name, messages.missing_field("$.format")), "$.format")
        raise InputError(messages.in_file(name, messages.unknown_format("$.format", found,
                                                                        REGISTER_FORMAT)), "$.format")
    values = []
    for key in COMPARED:
        value = doc.get(key)
        if value is None:
            continue
        at = "$." + key
        if key in DIGESTS:
            if type(value) is not str or not _HEX64(value):
                raise InputError(messages.in_file(name, messages.wrong_type(
                    at, "64 lower-case hex digits or null", value)), at)
        elif type(value) is not str:
            raise InputError(messages.in_file(name, messages.wrong_type(at, "a string or null", value)), at)
        values.append(Published(key, value, messages.REGISTER))
    return values


def first_difference(published: list[Published], computed: dict[str, tuple[str, str]]) -> str | None:
    """The first published value (in :data:`COMPARED` order) that differs from
    what the documents give; ``computed`` maps a name to (value, which
    document gives it). A name the documents cannot give is skipped."""
    order = {name: n for n, name in enumerate(COMPARED)}
    for item in sorted(published, key=lambda p: order[p.name]):
        if item.name not in computed:
            continue
        value, document = computed[item.name]
        if value != item.value:
            return messages.published_differs(item.name, item.source, item.value, document, value)
    return None
