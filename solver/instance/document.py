"""An instance document (a decoded JSON object) into
:class:`~solver.model.Instance`: its digests and its validation.

Every problem is reported as an :class:`~solver.errors.InputError` whose message
names the JSON path of the offending value:

>>> try:
...     parse_instance({"format": "inspect-draw/2"})
... except InputError as error:
...     print(error)
$.format: unknown format version inspect-draw/2; this solver reads 'inspect-draw/1'

The document may come from a file (:func:`solver.instance.load_instance`) or
be built in memory (the web app); both give the same instance, whose entities
are always :class:`~solver.registry.EntityRows`.
"""

from __future__ import annotations

from solver import messages
from solver.calendar import working_days_between
from solver.canonical import input_and_frozen_digest
from solver.errors import InputError
from solver.instance import sections
from solver.instance.entities import read_entities
from solver.instance.fields import _date, _dates, _field, _list, _object, _str, _unique
from solver.model import Instance
from solver.progress import NullProgress, Progress
from solver.registry import EntityRows

FORMAT = "inspect-draw/1"


def document_digest(doc: dict, name: str = "instance") -> bytes:
    """The input digest of an instance document, with a clear error for text
    that has no UTF-8 form."""
    return document_digests(doc, name)[0]


def document_digests(doc: dict, name: str = "instance") -> tuple[bytes, bytes]:
    """(input digest, frozen digest) of an instance document
    (:func:`~solver.canonical.input_and_frozen_digest`)."""
    try:
        return input_and_frozen_digest(doc)
    except UnicodeEncodeError:
        raise InputError(messages.lone_surrogate(name)) from None


def _entities(doc: dict, given: EntityRows | InputError | None, progress: Progress,
              consume: bool) -> EntityRows:
    if isinstance(given, InputError):
        raise given
    return given if given is not None else read_entities(_field(doc, "entities", "$"), progress, consume)


def parse_instance(doc: dict, digest: bytes | None = None, progress: Progress | None = None,
                   consume: bool = False, frozen: bytes | None = None,
                   entities: EntityRows | InputError | None = None) -> Instance:
    """Validate an instance document and build the typed model.

    ``digest`` is the document's input digest if the caller already computed
    it (see :func:`document_digest`); otherwise it is computed here (before
    anything else), together with the frozen digest. ``frozen`` is the frozen
    digest if the caller has it (``Instance.frozen_digest`` is None if neither
    gives it). With ``consume``, the document's entity list is emptied
    while it is parsed, to save memory; the caller must not use it afterwards.
    ``entities`` is the registry if the caller read it already (the file
    reader, :mod:`solver.instance.slices`), or the first error it found there,
    raised where the checks reach the entities.
    """
    if digest is None and isinstance(doc, dict):
        digest, frozen = document_digests(doc)
    progress = progress or NullProgress()
    if not isinstance(doc, dict):
        raise InputError(messages.not_an_object("instance"))
    found = doc.get("format")
    if found != FORMAT:
        if found is None:
            raise InputError(messages.missing_field("$.format"), "$.format")
        raise InputError(messages.unknown_format("$.format", found, FORMAT), "$.format")
    window = _object(_field(doc, "window", "$"), "$.window")
    start = _date(_field(window, "start", "$.window"), "$.window.start")
    end = _date(_field(window, "end", "$.window"), "$.window.end")
    if end < start:
        raise InputError(messages.window_reversed(start, end), "$.window")
    calendar = _object(doc.get("calendar") or {}, "$.calendar")
    holidays = _dates(calendar.get("holidays", []), "$.calendar.holidays")
    workdays = _dates(calendar.get("workdays", []), "$.calendar.workdays")
    if not working_days_between(start, end, holidays, workdays):
        raise InputError(messages.no_working_day(start, end), "$.window")
    departments = sections.departments(_field(doc, "departments", "$"))
    department_ids = {d.id for d in departments}
    items = sections.items(_field(doc, "items", "$"), department_ids)
    items_by_id = {i.id: i for i in items}
    tasks = tuple(sections.task(obj, n, department_ids, items_by_id)
                  for n, obj in enumerate(_list(_field(doc, "tasks", "$"), "$.tasks")))
    _unique([t.id for t in tasks], "task", "$.tasks")
    instance = Instance(
        format=FORMAT,
        draw_id=_str(_field(doc, "draw_id", "$"), "$.draw_id"),
        secret=sections.secret(doc.get("secret")),
        external_entropy=_str(_field(doc, "external_entropy", "$"), "$.external_entropy",
                              empty=True),
        window_start=start,
        window_end=end,
        holidays=holidays,
        workdays=workdays,
        policy=sections.policy(doc.get("policy")),
        departments=departments,
        items=items,
        entities=_entities(doc, entities, progress, consume),
        inspectors=sections.inspectors(_field(doc, "inspectors", "$"), department_ids),
        conflicts=sections.conflicts(doc.get("conflicts", [])),
        pair_conflicts=sections.pair_conflicts(doc.get("pair_conflicts", [])),
        tasks=tasks,
        input_digest=digest,
        frozen_digest=frozen,
    )
    return instance
