"""Printable documents (PDF, in Chinese): one module per document's data,
one renderer (:mod:`.render`), one cache (:mod:`.cache`).

==============  ================  =========================  ====================  ===========  ==============
kind              document                   data                  renders      stored
================  =========================  ====================  ===========  ==============
``plan``          年度抽查工作计划             :mod:`.plan`          inline       yes
``notice``        检查通知书 (one visit)       :mod:`.notice`        inline       no (see below)
``draw_record``   抽取记录                     :mod:`.draw_record`   inline       yes
``bulletin``      结果公告 (one task)          :mod:`.bulletin`      worker job   yes
``year_summary``  年度抽查工作总结 (a year)    :mod:`.year_summary`  inline       yes
================  =========================  ====================  ===========  ==============

A document is identified by (kind, object key, digest of the canonical data
it shows together with the templates, language): the same four never render
twice (:func:`.cache.obtain`). The notice is never stored: it carries the
visit's check code in clear (QR image and URL), and the check codes are
designed so that a database leak reveals none (``services/check_codes.py``);
it renders in 0.2–0.4 s on each request instead.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    name: str
    template: str  # under templates/documents/
    title: str  # for messages (Chinese, the documents' language)
    background: bool = False  # rendered by a worker job, never in a request
    stored: bool = True  # kept in the ``document`` table


KINDS = {k.name: k for k in (
    Kind("plan", "plan.html", "年度抽查工作计划"),
    Kind("notice", "notice.html", "检查通知书", stored=False),
    Kind("draw_record", "draw_record.html", "抽取记录"),
    Kind("bulletin", "bulletin.html", "结果公告", background=True),
    Kind("year_summary", "year_summary.html", "年度抽查工作总结"),
)}
