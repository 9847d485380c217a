"""The inspection notice of one visit (检查通知书), printable for the team
to hand over: the entity, the tasks with their items and legal basis, the
date, the team with certificate numbers, the check code's QR image and URL,
and the offices' contacts.

Built from :func:`services.my_visits.visit_detail`, so the same visibility
rule as the visit page applies (``services/visit_access.py``); never stored
(the check code is in it, see the package docstring)."""

from __future__ import annotations

import base64
import io

from sqlmodel import Session

from ..check_codes import grouped, office_phone
from ..my_visits import VisitDetail
from .common import day, day_with_weekday


def qr_data_uri(url: str) -> str:
    """The QR image of ``url`` as an SVG data URI (vector: sharp in print)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def data(session: Session, detail: VisitDetail, code: str | None, url: str | None) -> dict:
    visit, draw = detail.visit, detail.draw
    lead_dept = detail.tasks[0].department if detail.tasks else (visit.departments or [None])[0]
    dept_ids = list(dict.fromkeys([d for d in [lead_dept, *(visit.departments or [])] if d]))
    names = {t.department: t.department_name for t in detail.tasks}
    names.update({m.department: m.department_name for m in detail.team})
    for t in detail.tasks:
        names.update({i.department: i.department_name for i in t.items})
    return {
        "title": "检查通知书",
        "number": f"{draw.code}-{visit.visit_id}",
        "issuer": "、".join(names.get(d, d) for d in dept_ids),
        "entity": {"name": detail.entity.name, "uscc": detail.entity.uscc,
                   "address": detail.entity.address or "", "district": detail.entity.district_name},
        "day": day_with_weekday(detail.day),
        "joint": detail.joint,
        "plan": {"number": detail.plan.number, "name": detail.plan.name} if detail.plan else None,
        "tasks": [{"code": t.code, "name": t.name, "type": "定向抽查" if t.directed else "不定向抽查",
                   "department": t.department_name,
                   "items": [{"code": i.code, "name": i.name, "department": i.department_name,
                              "legal_basis": i.legal_basis, "content": i.content, "method": i.method or ""}
                             for i in t.items]}
                  for t in detail.tasks],
        "team": [{"name": m.name, "certificate_no": m.certificate_no or "（未登记）", "department": m.department_name,
                  "lead": m.lead} for m in detail.team],
        "code": {"value": grouped(code), "url": url, "qr": qr_data_uri(url)} if code and url else None,
        "contacts": [{"department": names.get(d, d), "phone": office_phone(d)} for d in dept_ids],
        "issued_on": day(draw.sealed_at),
    }


def filename(detail: VisitDetail) -> str:
    return f"notice-{detail.draw.code}-{detail.visit.visit_id}.pdf"
