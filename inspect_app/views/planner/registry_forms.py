"""Flask-WTF forms of the registry edit and upload pages.

The edit forms are built from the import specs, so a field is labelled with
the same Chinese header an import file uses and is validated by the same
converter (in :mod:`inspect_app.services.registry_edit`). WTForms itself
only checks CSRF here; every field arrives as text.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ...services.registry_edit import EDITABLE
from ...services.registry_io.specs import REGISTRIES

LONG_TEXT = {"legal_basis", "content", "address"}


def _field(col):
    label = _l(col.zh)
    if col.kind == "choice":
        return SelectField(label, choices=[SelectChoice(c, _l(c)) for c in col.choices], validate_choice=False)
    if col.kind == "bool":
        return BooleanField(label)
    if col.key in LONG_TEXT:
        return TextAreaField(label, render_kw={"rows": 3})
    render = {"date": {"type": "date"}, "int": {"inputmode": "numeric"}, "ratio": {"size": 8},
              "list": {"placeholder": _l("多个值用分号分隔")}}.get(col.kind, {})
    return StringField(label, render_kw=render)


def edit_form_class(kind: str) -> type[FlaskForm]:
    spec = REGISTRIES[kind]
    attrs = {key: _field(spec.column(key)) for key in EDITABLE[kind]}
    return type(f"{kind.title()}EditForm", (FlaskForm,), attrs)


EDIT_FORMS = {kind: edit_form_class(kind) for kind in EDITABLE}


def form_for(kind: str, texts: dict[str, str] | None = None) -> FlaskForm:
    """The edit form: bound to the request on POST, else filled from ``texts``."""
    from flask import request

    form_cls = EDIT_FORMS[kind]
    if request.method == "POST" or texts is None:
        return form_cls()
    data = {k: (v == "1" if getattr(form_cls, k).field_class is BooleanField else v) for k, v in texts.items()}
    return form_cls(data=data)


def submitted_texts(form: FlaskForm, kind: str) -> dict[str, str]:
    texts = {}
    for key in EDITABLE[kind]:
        value = getattr(form, key).data
        if isinstance(value, bool):
            texts[key] = "1" if value else "0"
        else:
            texts[key] = "" if value is None else str(value)
    return texts


class UploadForm(FlaskForm):
    file = FileField(_l("文件（CSV：UTF-8 或 GBK；XLSX）"), validators=[FileRequired(_l("请选择文件"))])
    sync = BooleanField(_l("完整名录（同步）：文件中没有的记录标记为失效"))
