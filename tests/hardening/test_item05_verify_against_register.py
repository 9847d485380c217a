"""Issue 8, item 5: ``verify`` accepted consistent forgeries.

Delete an entity from a revealed instance and draw it again: the new pair is
consistent, and plain ``python -m solver verify`` says "verified". With the
register's published values (``--register REGISTER.json`` or the digest
options) it compares what the register published before the draw and refuses.
Every JSON reader of the solver refuses a duplicate key (naming its path) and
nesting deeper than 64 levels (a clear message, no traceback). The public
register serves ``/draws/<code>/register.json`` from the commitment on, with
only values already public.
"""

from __future__ import annotations

import doctest
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.solver.examples import joint_document

ROOT = Path(__file__).resolve().parents[2]
DIGESTS = ("frozen_digest", "commitment", "input_digest", "result_digest")


def run(*args):
    return subprocess.run([sys.executable, "-m", "solver", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def dump(path: Path, doc, **options) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False, **options), encoding="utf-8")
    return path


def sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def canonical(doc) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def register_of(instance: dict, outcome: dict) -> dict:
    """The register file a genuine draw of ``instance`` publishes, computed
    here from the byte layouts of docs/draw-protocol.md (not by the solver)."""
    frozen = {k: v for k, v in instance.items() if k != "secret"}
    frozen["external_entropy"] = ""
    return {"format": "inspect-register/1", "code": instance["draw_id"], "parent_code": None,
            "tasks": [t["id"] for t in instance["tasks"]], "window": instance["window"],
            "entropy_source": "dice", "external_entropy": instance["external_entropy"],
            "frozen_digest": sha(canonical(frozen)),
            "commitment": sha(bytes.fromhex(instance["secret"])),
            "input_digest": sha(canonical({k: v for k, v in instance.items() if k != "secret"})),
            "result_digest": sha(canonical(outcome)), "state": "sealed",
            "committed_at": "2027-02-01T09:00:00Z", "sealed_at": "2027-02-02T09:00:00Z",
            "revealed_at": None}


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    """A drawn instance, its outcome and its register file; and a forgery:
    the same instance with a drawn entity deleted, drawn again."""
    folder = tmp_path_factory.mktemp("item05")
    doc = joint_document()
    instance = dump(folder / "instance.json", doc)
    outcome = folder / "outcome.json"
    assert run("draw", instance, "-o", outcome).returncode == 0
    out = json.loads(outcome.read_text(encoding="utf-8"))
    register = dump(folder / "register.json", register_of(doc, out))
    drawn = {u for sample in out["samples"].values() for u in sample}
    victim = next(e for e in doc["entities"] if e["uscc"] in drawn)
    forged_doc = dict(doc, entities=[e for e in doc["entities"] if e is not victim])
    forged = dump(folder / "forged.json", forged_doc)
    forged_outcome = folder / "forged-outcome.json"
    assert run("draw", forged, "-o", forged_outcome).returncode == 0
    return {"doc": doc, "instance": instance, "outcome": outcome, "register": register,
            "forged": forged, "forged_outcome": forged_outcome, "folder": folder,
            "published": json.loads(register.read_text(encoding="utf-8"))}


# --- the forgery ---

def test_forgery_passes_plain_verify_but_not_the_register(genuine):
    g = genuine
    plain = run("verify", g["forged"], g["forged_outcome"])
    assert plain.returncode == 0 and plain.stdout.startswith("verified:"), plain
    assert "not compared with the published register" in plain.stderr  # only internal consistency
    against = run("verify", g["forged"], g["forged_outcome"], "--register", g["register"])
    assert against.returncode == 1, against
    published, found = g["published"]["frozen_digest"], None
    assert against.stdout.startswith(f"NOT verified: frozen_digest: the register published {published} "
                                     "but the instance gives "), against.stdout
    found = against.stdout.split("gives ")[-1].strip()
    assert len(found) == 64 and found != published
    by_option = run("verify", g["forged"], g["forged_outcome"], "--input-digest", g["published"]["input_digest"])
    assert by_option.returncode == 1
    assert by_option.stdout.startswith(
        f"NOT verified: input_digest: --input-digest gives {g['published']['input_digest']} but the instance gives ")
    by_frozen = run("verify", g["forged"], g["forged_outcome"], "--frozen-digest", g["published"]["frozen_digest"])
    assert by_frozen.returncode == 1 and "NOT verified: frozen_digest: --frozen-digest gives" in by_frozen.stdout


def test_genuine_documents_match_the_register(genuine):
    g = genuine
    result = run("verify", g["instance"], g["outcome"], "--register", g["register"])
    assert result.returncode == 0, result
    assert result.stdout.splitlines()[0].startswith("verified: draw 2027-Q1-01")
    assert "matches the published values: code, frozen_digest, commitment, external_entropy, input_digest, " \
           "result_digest" in result.stdout
    assert "not compared" not in result.stderr
    options = [arg for name in DIGESTS for arg in ("--" + name.replace("_", "-"), g["published"][name].upper())]
    result = run("verify", g["instance"], g["outcome"], *options)
    assert result.returncode == 0, result


@pytest.mark.parametrize("name", ["code", "frozen_digest", "commitment", "external_entropy", "input_digest",
                                  "result_digest"])
def test_each_tampered_register_value_is_named(genuine, tmp_path, name):
    g = genuine
    tampered = dict(g["published"])
    tampered[name] = "0" * 64 if name in DIGESTS else "other"
    result = run("verify", g["instance"], g["outcome"], "--register", dump(tmp_path / "r.json", tampered))
    assert result.returncode == 1, result
    assert result.stdout.startswith(f"NOT verified: {name}: the register published {tampered[name]} but "), result.stdout
    if name in DIGESTS:
        option = "--" + name.replace("_", "-")
        result = run("verify", g["instance"], g["outcome"], option, "f" * 64)
        assert result.returncode == 1
        assert result.stdout.startswith(f"NOT verified: {name}: {option} gives {'f' * 64} but "), result.stdout


def test_a_tampered_outcome_is_named_by_the_result_digest(genuine, tmp_path):
    g = genuine
    outcome = json.loads(g["outcome"].read_text(encoding="utf-8"))
    outcome["stats"]["load_max"] += 1  # (the re-verification would name stats too, later)
    result = run("verify", g["instance"], dump(tmp_path / "o.json", outcome), "--register", g["register"])
    assert result.returncode == 1 and result.stdout.startswith("NOT verified: result_digest: the register published")


def test_register_not_yet_sealed_and_bad_register_files(genuine, tmp_path):
    g = genuine
    early = dict(g["published"], result_digest=None, input_digest=None, state="committed")
    result = run("verify", g["instance"], g["outcome"], "--register", dump(tmp_path / "r.json", early))
    assert result.returncode == 0
    assert "the register gives no input_digest, result_digest" in result.stderr
    for bad, message in [(dict(g["published"], format="inspect-register/9"), "unknown format version"),
                         (dict(g["published"], commitment="XYZ"), "$.commitment: expected 64 lower-case hex"),
                         ({"code": "x"}, "$.format: required field is missing")]:
        result = run("verify", g["instance"], g["outcome"], "--register", dump(tmp_path / "bad.json", bad))
        assert result.returncode == 2 and message in result.stderr, result
    result = run("verify", g["instance"], g["outcome"], "--commitment", "12ab")
    assert result.returncode == 2 and "--commitment: expected 64 hex digits" in result.stderr
    result = run("verify", g["instance"], g["outcome"], "--register", tmp_path / "absent.json")
    assert result.returncode == 2 and "cannot read the file" in result.stderr


# --- duplicate keys ---

def _with_duplicate(text: str, marker: str, extra: str) -> str:
    """``text`` with ``extra`` inserted after the first ``marker``."""
    at = text.index(marker) + len(marker)
    return text[:at] + extra + text[at:]


def _instance_texts(doc: dict) -> dict[str, str]:
    """The instance in three layouts: canonical, one entity per line (the
    benchmark's), indented."""
    entities = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in doc["entities"])
    head = json.dumps({k: v for k, v in doc.items() if k != "entities"}, ensure_ascii=False,
                      separators=(",", ":"))
    return {"canonical": canonical(doc).decode("utf-8"),
            "lines": head[:-1] + ',"entities":[\n' + entities + "\n]}",
            "indented": json.dumps(doc, ensure_ascii=False, indent=1)}


def _uscc(doc: dict, n: int) -> str:
    return json.dumps(doc["entities"][n]["uscc"])


@pytest.mark.parametrize("layout", ["canonical", "lines", "indented"])
def test_duplicate_keys_in_the_instance_are_refused_with_their_path(genuine, tmp_path, layout):
    g = genuine
    doc = g["doc"]
    text = _instance_texts(doc)[layout]
    n = 3
    uscc = doc["entities"][n]["uscc"]
    start = text.index(json.dumps(uscc))
    entity_start = text.rindex("{", 0, start)
    cases = {
        "top": (_with_duplicate(text, "{", '"draw_id":"2027-Q1-99",'), '$: duplicate key "draw_id"'),
        "entity": (text[:entity_start + 1] + f'"uscc":{_uscc(doc, 0)},' + text[entity_start + 1:],
                   f'$.entities[{n}]: duplicate key "uscc"'),
        # a colon escaped as \u003a must not make up for the dropped member
        "escaped colon": (text[:entity_start + 1] + '"risk":"A","\\u003a":1,' + text[entity_start + 1:],
                          f'$.entities[{n}]: duplicate key "risk"'),
        "nested": (_with_duplicate(text, '"ratio":', '{"A":0.5,"A":0.5},"x":'),
                   '$.tasks[0].ratio: duplicate key "A"'),
        "inspector": (_with_duplicate(text, '"inspectors":', '[{"id":"E900","id":"E901"}],"y":'),
                      '$.inspectors[0]: duplicate key "id"'),
    }
    for label, (forged, message) in cases.items():
        path = tmp_path / f"{label}.json"
        path.write_text(forged, encoding="utf-8")
        result = run("verify", path, g["outcome"])
        assert result.returncode == 2, (label, result)
        assert result.stderr.strip() == f"{path}: {message}", (label, result.stderr)


@pytest.mark.parametrize("workers", [1, 2])
def test_the_instance_reader_refuses_duplicates(genuine, tmp_path, workers):
    from solver import instance as si
    from solver.errors import InputError

    doc = genuine["doc"]
    text = _instance_texts(doc)["lines"]
    good = tmp_path / "good.json"
    good.write_text(text, encoding="utf-8")
    loaded = si.load_instance(good, workers=workers)
    frozen = {k: v for k, v in doc.items() if k != "secret"}
    assert loaded.frozen_digest.hex() == sha(canonical(dict(frozen, external_entropy="")))
    assert loaded.input_digest.hex() == sha(canonical(frozen))
    start = text.index(json.dumps(doc["entities"][5]["uscc"]))
    at = text.rindex("{", 0, start) + 1
    for label, extra, key in (("entity", '"status":"active",', "status"),
                              ("escaped colon", '"risk":"A","\\u003a":1,', "risk")):
        bad = tmp_path / f"bad-{label}.json"
        bad.write_text(text[:at] + extra + text[at:], encoding="utf-8")
        with pytest.raises(InputError) as caught:
            si.load_instance(bad, workers=workers)
        assert str(caught.value) == f'{bad}: $.entities[5]: duplicate key "{key}"'
    checked = json.loads(json.dumps(doc))
    checked["entities"][5]["last_checks"] = [{"department": "SCJG", "date": "2026-01-05", "inspectors": ["E001"]}]
    text = _instance_texts(checked)["lines"].replace('"date":"2026-01-05"', '"date":"2026-01-05","date":"2026-01-06"')
    bad = tmp_path / "bad-check.json"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        si.load_instance(bad, workers=workers)
    assert str(caught.value) == f'{bad}: $.entities[5].last_checks[0]: duplicate key "date"'


def test_duplicate_keys_in_the_outcome_are_refused(genuine, tmp_path):
    g = genuine
    text = g["outcome"].read_text(encoding="utf-8")
    for forged, message in [(_with_duplicate(text, "{", '"seed":"00",'), '$: duplicate key "seed"'),
                            (_with_duplicate(text, '"visits":[{', '"team":["E001","E002"],'),
                             '$.visits[0]: duplicate key "team"')]:
        path = tmp_path / "o.json"
        path.write_text(forged, encoding="utf-8")
        result = run("verify", g["instance"], path)
        assert result.returncode == 2 and result.stderr.strip() == f"{path}: {message}", result
    register = g["register"].read_text(encoding="utf-8")
    path = tmp_path / "r.json"
    path.write_text(_with_duplicate(register, "{", f'"frozen_digest":"{"0" * 64}",'), encoding="utf-8")
    result = run("verify", g["instance"], g["outcome"], "--register", path)
    assert result.returncode == 2 and result.stderr.strip() == f'{path}: $: duplicate key "frozen_digest"'


# --- deep nesting ---

def test_deep_nesting_gives_a_clear_message_not_a_traceback(genuine, tmp_path):
    g = genuine
    deep = "[" * 100_000 + "]" * 100_000
    text = _instance_texts(g["doc"])["lines"]
    files = {"bare": deep, "member": text[:-1] + ',"z":' + deep + "}",
             "entity": _with_duplicate(text, '"entities":[\n{', '"z":' + deep + ",")}
    for label, content in files.items():
        path = tmp_path / f"{label}.json"
        path.write_text(content, encoding="utf-8")
        result = run("verify", path, g["outcome"])
        assert result.returncode == 2, (label, result)
        assert result.stderr.strip() == f"{path}: the document is nested deeper than 64 levels"
        assert "Traceback" not in result.stderr
    path = tmp_path / "o.json"
    path.write_text('{"visits":' + deep + "}", encoding="utf-8")
    for args in (("verify", g["instance"], path), ("verify", g["instance"], g["outcome"], "--register", path)):
        result = run(*args)
        assert result.returncode == 2 and "nested deeper than 64 levels" in result.stderr
        assert "Traceback" not in result.stderr


def test_deep_unclosed_nesting_gives_the_message_too(genuine, tmp_path):
    """Brackets that never close are not JSON, but the parser recursed into
    them before saying so: a RecursionError traceback (exit 1)."""
    g = genuine
    for label, content in (("brackets", "[" * 100_000), ("objects", '{"a":' * 2_000)):
        path = tmp_path / f"{label}.json"
        path.write_text(content, encoding="utf-8")
        for args in (("verify", path, g["outcome"]), ("verify", g["instance"], path), ("digest", path)):
            result = run(*args)
            assert result.returncode == 2, (label, args[0], result.stderr[-300:])
            assert result.stderr.strip() == f"{path}: the document is nested deeper than 64 levels"
    path = tmp_path / "broken.json"  # shallow and broken: the parser's own message
    path.write_text('{"visits": [[1]', encoding="utf-8")
    result = run("verify", g["instance"], path)
    assert result.returncode == 2 and "nested deeper" not in result.stderr and "Traceback" not in result.stderr


def test_the_depth_bound_is_exact(genuine, tmp_path):
    """64 levels are read, 65 are not, wherever the nesting is (the instance
    object is level 1, its entity array 2, an entity 3)."""
    from solver import instance as si
    from solver.errors import InputError

    text = _instance_texts(genuine["doc"])["lines"]
    for levels, ok in ((64, True), (65, False)):
        member = text[:-1] + ',"z":' + "[" * (levels - 1) + "]" * (levels - 1) + "}"
        entity = _with_duplicate(text, '"entities":[\n{', '"z":' + "[" * (levels - 3) + "]" * (levels - 3) + ",")
        for label, content in (("member", member), ("entity", entity)):
            path = tmp_path / f"{label}{levels}.json"
            path.write_text(content, encoding="utf-8")
            if ok:
                si.load_instance(path)
            else:
                with pytest.raises(InputError, match="nested deeper than 64 levels"):
                    si.load_instance(path)


def test_solver_doctests():
    from solver import jsontext, published

    for module in (jsontext, published):
        assert doctest.testmod(module).failed == 0


# --- the public register's file ---

@pytest.fixture
def ready(db_session):
    from draw_fixtures import published_plan, seed_registries

    seed_registries(db_session)
    plan, tasks = published_plan(db_session)
    return db_session, plan, tasks


def _fetch_as_everyone(app, client, auth, url: str) -> list:
    """The response to anonymous, inspector and planner (the register is public)."""
    responses = [client.get(url)]
    auth.create("insp", "inspector", inspector="SCJG00")
    auth.login("insp")
    responses.append(client.get(url))
    client.get("/logout")
    auth.login("planner")
    responses.append(client.get(url))
    client.get("/logout")
    return responses


def _english_catalogue() -> dict:
    from babel.messages.pofile import read_po

    with (ROOT / "inspect_app/translations/en/LC_MESSAGES/messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id}


def test_register_file_publishes_each_stage_and_nothing_more(app, client, auth, ready):
    from inspect_app.jobs.runner import run_job
    from inspect_app.models import Draw
    from inspect_app.services import draw_runs, draws

    s, plan, tasks = ready
    draw, job = draws.start_draw(s, plan, [t.id for t in tasks], "公证员现场掷骰", actor="planner")
    url = f"/draws/{draw.code}/register.json"
    assert client.get(url).status_code == 404  # not committed: not in the register
    assert client.get("/draws/NO-SUCH-DRAW/register.json").status_code == 404
    run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    secret = draw_runs.secret_of(draw).hex()

    responses = _fetch_as_everyone(app, client, auth, url)
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert responses[0].data == responses[1].data == responses[2].data
    assert responses[0].mimetype == "application/json"
    assert f'filename="{draw.code}-register.json"' in responses[0].headers["Content-Disposition"]
    doc = responses[0].get_json()
    assert doc["format"] == "inspect-register/1" and doc["code"] == draw.code and doc["parent_code"] is None
    assert doc["frozen_digest"] == draw.frozen_digest and doc["commitment"] == draw.commitment
    assert doc["input_digest"] is None and doc["result_digest"] is None and doc["external_entropy"] is None
    assert doc["tasks"] == draw.task_codes and doc["window"] == {"start": "2030-03-01", "end": "2030-03-29"}
    assert doc["entropy_source"] == "公证员现场掷骰" and doc["state"] == "committed"
    assert doc["committed_at"].endswith("Z") and doc["sealed_at"] is None and doc["revealed"] is False
    assert secret not in responses[0].get_data(as_text=True)
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert f'href="{url}"' in page and "公示数值文件" in page
    catalogue = _english_catalogue()
    for msgid in ("公示数值文件：", "（验证时用 --register 核对本页公示的摘要和承诺值）"):
        assert msgid in page and catalogue[msgid]

    job = draws.enter_entropy(s, draw, "271828", [("王公证", "公证员")], actor="planner")
    run_job(app, job.id)
    s.expire_all()
    draw = s.get(Draw, draw.id)
    assert draw.state == "drawn"
    text = client.get(url).get_data(as_text=True)
    doc = json.loads(text)
    assert doc["input_digest"] == draw.input_digest and doc["external_entropy"] == "271828"
    assert doc["result_digest"] is None  # published at the seal
    visit = draws.visits(s, draw)[0]
    for confidential in (secret, visit.uscc, visit.entity_name, draw.instance_path, draw.outcome_path):
        assert confidential not in text

    draws.seal(s, draw, actor="planner")
    text = client.get(url).get_data(as_text=True)
    doc = json.loads(text)
    assert doc["result_digest"] == draw.result_digest and doc["state"] == "sealed" and doc["sealed_at"]
    assert doc["revealed"] is False and doc["revealed_at"] is None
    for confidential in (secret, visit.uscc, visit.entity_name):
        assert confidential not in text


def test_revealed_documents_verify_against_the_served_register(app, client, ready, tmp_path, monkeypatch):
    from datetime import timedelta

    from draw_fixtures import run_ceremony
    from inspect_app.services import draws

    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    monkeypatch.setattr(draws, "_today", lambda: draw.window_end + timedelta(days=1))  # the window has closed
    draws.reveal(s, draw, "检查已完成", confirmed=True, actor="planner")
    files = {}
    for name in ("instance.json", "outcome.json", "register.json"):
        r = client.get(f"/draws/{draw.code}/{name}")
        assert r.status_code == 200, name
        files[name] = tmp_path / name
        files[name].write_bytes(r.data)
    register = json.loads(files["register.json"].read_text(encoding="utf-8"))
    assert register["revealed"] is True and register["revealed_at"]
    page = client.get(f"/draws/{draw.code}").get_data(as_text=True)
    assert f"--register {draw.code}-register.json" in page
    result = run("verify", files["instance.json"], files["outcome.json"], "--register", files["register.json"])
    assert result.returncode == 0, result
    assert "matches the published values: code, frozen_digest, commitment, external_entropy, input_digest, " \
           "result_digest" in result.stdout
    # the forgery: an entity the draw picked deleted, drawn again consistently
    instance = json.loads(files["instance.json"].read_text(encoding="utf-8"))
    victim = draws.visits(s, draw)[0].uscc
    instance["entities"] = [e for e in instance["entities"] if e["uscc"] != victim]
    forged = dump(tmp_path / "forged.json", instance)
    assert run("draw", forged, "-o", tmp_path / "forged-outcome.json").returncode == 0
    assert run("verify", forged, tmp_path / "forged-outcome.json").returncode == 0
    result = run("verify", forged, tmp_path / "forged-outcome.json", "--register", files["register.json"])
    assert result.returncode == 1 and result.stdout.startswith("NOT verified: frozen_digest: the register published")


def test_a_redraws_register_file_names_its_parent(app, client, ready):
    from draw_fixtures import WINDOW, run_ceremony
    from inspect_app.jobs.runner import run_job
    from inspect_app.models import Draw
    from inspect_app.services import draw_runs, draws, redraws

    s, plan, tasks = ready
    draw = run_ceremony(s, plan, tasks, app)
    draws.seal(s, draw)
    visit = draws.visits(s, draw)[0]
    redraw, job = redraws.request_redraw(s, draw, visit.visit_id, "inspector", "病假住院", "骰子",
                                         inspector=visit.team[0], actor="planner", today=WINDOW[0])
    run_job(app, job.id)
    s.expire_all()
    redraw = s.get(Draw, redraw.id)
    text = client.get(f"/draws/{redraw.code}/register.json").get_data(as_text=True)
    doc = json.loads(text)
    assert doc["code"] == redraw.code and doc["parent_code"] == draw.code
    assert doc["redraw_visit"] == visit.visit_id and doc["redraw_reason"] == "病假住院"
    assert doc["frozen_digest"] == redraw.frozen_digest and doc["commitment"] == redraw.commitment
    assert draw_runs.secret_of(redraw).hex() not in text and visit.uscc not in text
