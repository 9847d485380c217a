"""The browser verifier words the unfilled reasons (reason_text.js) as the web
app's review page does (services/unfilled_reasons.py), in Chinese and English."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import flask_babel

from inspect_app.services.unfilled_reasons import reason_text
from tests.test_unfilled_reasons import EVERY_CODE

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "verifier" / "js" / "reason_text.mjs"
NAMES = {"SCJG": "市场监督管理局", "CGJ": "城管局"}
CASES = EVERY_CODE + [
    "城管局: 3 eligible inspectors, all at capacity with higher-priority visits",  # format /1: as sealed
    {"code": "later", "what": 1},
]


def test_javascript_words_reasons_as_the_app_does(app, tmp_path):
    path = tmp_path / "reasons.json"
    path.write_text(json.dumps([{"reason": r, "names": NAMES} for r in CASES], ensure_ascii=False), encoding="utf-8")
    done = subprocess.run([shutil.which("node"), str(RUNNER), str(path)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.returncode == 0, done.stderr
    js = json.loads(done.stdout)
    with app.test_request_context("/"):
        flask_babel.refresh()
        zh = [reason_text(r, NAMES) for r in CASES]
    with app.test_request_context("/?lang=en"):
        flask_babel.refresh()
        en = [reason_text(r, NAMES) for r in CASES]
    assert [j["zh"] for j in js] == zh
    assert [j["en"] for j in js] == en
    assert len(set(zh)) == len(CASES) and zh != en
