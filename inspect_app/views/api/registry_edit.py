"""Editing one registry record through the API (the planner's edit forms,
``services/registry_edit.py``): ``PATCH /registries/{kind}/{key}`` for
entities, inspectors and check items. Each field is a cell as in the import
(a text; lists as arrays of texts; booleans and numbers as themselves); the
fields not sent keep their stored values (as the form shows them). The
service applies the import's converters and references, the department
scope (items) and versioning of a published check item, and appends the
edit to the audit log; with any bad field nothing changes (422
``rule_refused`` with every field)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, create_model
from sqlmodel import select

from ...db import get_session
from ...models import Entity, Inspector
from ...services import registry_edit
from . import PLANNER, auth, bp, current_user
from .problems import ApiProblem
from .schemas import Input, Output

Cell = Annotated[str, Field(max_length=2000)] | bool | int | Annotated[
    list[Annotated[str, Field(max_length=200)]], Field(max_length=100)] | None


class EditOut(Output):
    kind: str
    key: str
    new_version: bool = Field(description="A published check item: the edit became a new version")
    record: dict[str, Any]


def _text(value) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, list):
        return "；".join(value)
    return "" if value is None else str(value)


def _record(kind: str, key: str):
    session = get_session()
    if kind == "entities":
        return session.exec(select(Entity).where(Entity.uscc == key)).first()
    if kind == "inspectors":
        return session.get(Inspector, key)
    return registry_edit.current_item(session, key)


def _save(kind: str, key: str, texts: dict[str, str]):
    session, user = get_session(), current_user()
    if kind == "entities":
        return registry_edit.edit_entity(session, key, texts, user=user)
    if kind == "inspectors":
        return registry_edit.edit_inspector(session, key, texts, user=user)
    return registry_edit.edit_item(session, key, texts, user=user)


def _edit_view(kind: str):
    body_model = create_model(f"{kind.title()}Edit", __base__=Input,
                              **{name: (Cell, None) for name in registry_edit.EDITABLE[kind]})

    def view(key: str, body):
        if len(key) > 64:
            raise ApiProblem(404, "not_found", "No such record.")
        record = _record(kind, key)
        if record is None:
            raise ApiProblem(404, "not_found", "No such record.")
        texts = registry_edit.form_texts(kind, record)
        texts.update({name: _text(value) for name, value in body.model_dump(exclude_unset=True).items()})
        result = _save(kind, key, texts)
        if not result.ok:
            get_session().rollback()
            raise ApiProblem(422, "rule_refused", f"{len(result.errors)} field(s) refused; nothing was changed.",
                             errors=[{"path": f"$.{name}", "message": message}
                                     for name, message in sorted(result.errors.items())])
        saved = result.record
        return {"kind": kind, "key": key, "new_version": result.new_version,
                "record": saved.model_dump(mode="json")}

    view.__name__ = f"registry_edit_{kind}"
    view = bp.doc(tags=["Registries"], summary=f"Edit one record of {kind} (the edit form's rules)",
                  description="Only the fields sent change. " + (
                      "A published item becomes a new version; only its department's planners (and admins)."
                      if kind == "items" else "Planners with a department, and admins."),
                  responses={404: "No such record"})(view)
    view = bp.output(EditOut)(view)
    view = bp.input(body_model, arg_name="body")(view)
    view = bp.auth_required(auth, roles=PLANNER)(view)
    bp.patch(f"/registries/{kind}/<key>", endpoint=f"registry_edit_{kind}")(view)


for _kind in registry_edit.EDITABLE:
    _edit_view(_kind)
