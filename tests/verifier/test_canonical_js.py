"""canonical.js, json.js and sha256.js against Python on tricky values: the
canonical bytes of section 1 (floats, exponents, -0.0, big integers, escapes,
non-BMP keys and their code-point order), the documents refused (duplicate
keys with the CLI's path, nesting, lone surrogates, NaN), SHA-256 and HMAC."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from solver.canonical import canonical_json, input_and_frozen_digest
from solver.errors import InputError
from solver.instance import load_document

NODE = shutil.which("node")
HELPER = Path(__file__).with_name("canonical_js.mjs")

FLOAT_TEXTS = ["0.03", "1e-05", "1E5", "1.0", "100.0", "-0.0", "0.0", "2.50", "1.0e0", "1e16", "1e15",
               "123456789012345.6", "1234567890123456.7", "0.0001", "0.00001234", "1e21", "1e22",
               "5e-324", "1.7976931348623157e308", "0.30000000000000004", "9007199254740993.0",
               "-1.5e-7", "4.35", "0.1", "1e-4", "12e-1"]
INT_TEXTS = ["0", "-0", "9007199254740991", "9007199254740993", "18446744073709551617",
             "-1180591620717411303424", "1000000000000000000000000000000"]
STRINGS = ["".join(map(chr, range(0x20))), '"\\/', "\x7f\u2028\u2029\ufeff", "福清市某某餐饮", "😀𝄞",
           "\ue000\uffff", "a\u0000b", "tab\there"]
KEYS = ["\ue000", "\uffff", "😀", "𝄞", "a", "A", "__proto__", "constructor", "", "10", "9", "\u00e9"]


def random_floats(n: int) -> list[float]:
    rng = random.Random(10)
    found = []
    while len(found) < n:
        x = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if x == x and abs(x) != float("inf"):
            found.append(x)
    found += [rng.uniform(0, 1) for _ in range(200)] + [round(rng.uniform(0, 1), 2) for _ in range(100)]
    found += [rng.randint(1, 10**6) * 10.0 ** rng.randint(-30, 30) for _ in range(200)]
    return found


def valid_texts() -> list[str]:
    texts = [f"[{t}]" for t in FLOAT_TEXTS + INT_TEXTS]
    texts.append(json.dumps(random_floats(600)))
    for s in STRINGS:
        texts += [json.dumps([s], ensure_ascii=True), json.dumps([s], ensure_ascii=False)]
    keys = {k: n for n, k in enumerate(KEYS)}
    texts += [json.dumps(keys, ensure_ascii=True), json.dumps(keys, ensure_ascii=False),
              json.dumps({"b": {"z": [1, 2.0, None, True, False], "y": {}}, "a": []}, indent=3)]
    return texts


INVALID = ['{"a": 1, "a": 2}', '{"x": {"y": {"z": 1, "z": 1}, "y": 0}}', '[1, {"q": [0, {"w": 1, "w": 2}]}]',
           '{"a": {"b": 1, "b": 2}, "c": {"d": 1, "d": 2}}', "[" * 65 + "]" * 65, '["\\ud800"]',
           '["\\udc00x"]', "[NaN]", "[Infinity]", "[-Infinity]", '{"a": 1,}', "[1] 2", '["a\nb"]', "[01]",
           '{"a" 1}', '{1: 2}', '["\\x"]', '["\\u12"]', '[1 2]', '', '  ', '["😀", tru]', '{"a":', '[-]',
           '"abc', '{"😀": [1,, 2]}', '[1.]', '[.5]', '[1e]', '[+1]', '\ufeff[1]']


INVALID = [f'{{"v": {t}}}' if t.startswith("[") else t for t in INVALID]  # load_document wants an object


def run_helper(tmp_path, cases: dict) -> dict:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases))
    done = subprocess.run([NODE, str(HELPER), str(path)], capture_output=True, text=True, timeout=120,
                          check=True)
    return json.loads(done.stdout)


def test_canonical_bytes_and_key_order_match_python(tmp_path):
    texts = valid_texts() + ["[" * 64 + "]" * 64]
    result = run_helper(tmp_path, {"texts": texts, "sha": [], "hmac": []})
    for text, got, order in zip(texts, result["canonical"], result["sorted"], strict=True):
        value = json.loads(text)
        assert got == canonical_json(value).hex(), text[:200]
        if isinstance(value, dict):
            assert order == sorted(value), text


def test_refused_documents_are_refused_with_the_clis_message(tmp_path):
    result = run_helper(tmp_path, {"texts": INVALID, "sha": [], "hmac": []})
    for n, (text, got) in enumerate(zip(INVALID, result["canonical"], strict=True)):
        assert isinstance(got, dict), f"JS accepted {text!r}"
        if "\\ud" in text:  # load_document decodes it; hashing the instance refuses it
            assert got["error"].endswith("a string holds an unpaired UTF-16 surrogate escape, which has "
                                         "no UTF-8 form"), text
            continue
        path = tmp_path / f"doc{n}.json"
        path.write_text(text)
        with pytest.raises(InputError) as refused:
            load_document(path, "case")
        assert got["error"] == str(refused.value).replace(str(path), "case"), text


def test_sha256_and_hmac_match_python(tmp_path):
    rng = random.Random(3)
    messages = [bytes(rng.getrandbits(8) for _ in range(n)) for n in (0, 1, 55, 56, 63, 64, 65, 119, 120,
                                                                      128, 1000)]
    keys = [bytes(rng.getrandbits(8) for _ in range(n)) for n in (0, 32, 64, 65, 200)]
    pairs = [(k, m) for k in keys for m in messages]
    result = run_helper(tmp_path, {"texts": [], "sha": [m.hex() for m in messages],
                                   "hmac": [[k.hex(), m.hex()] for k, m in pairs]})
    assert result["sha"] == [hashlib.sha256(m).hexdigest() for m in messages]
    assert result["hmac"] == [hmac.digest(k, m, "sha256").hex() for k, m in pairs]


def test_input_and_frozen_digests_match_python(tmp_path):
    docs = [{"a": 1, "secret": "x", "external_entropy": "e", "z": [1]}, {"z": [1, 2]}, {"a": 1}, {},
            {"external_entropy": "q"}, {"secret": "s"}, {"external_entropy": "福", "zz": None},
            {"b": list(range(3000)), "external_entropy": "x", "y": [{"k": 0.5}] * 2000, "\ue000": 1}]
    texts = [json.dumps(d, ensure_ascii=False) for d in docs]
    result = run_helper(tmp_path, {"texts": [], "sha": [], "hmac": [], "digests": texts})
    assert result["digests"] == [[h.hex() for h in input_and_frozen_digest(d)] for d in docs]
