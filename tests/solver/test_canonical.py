"""Byte layouts of the draw protocol: canonical JSON, digests, seed, u(e)."""

import hashlib
import hmac
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from solver.canonical import (FastHmac, canonical_json, commitment, derive_seed, hmac_u64, input_digest,
                              iter_canonical, result_digest, u_value, u_values)

SECRET_HEX = "0f" * 32
DOC = {
    "format": "inspect-draw/1",
    "secret": SECRET_HEX,
    "external_entropy": "314159",
    "draw_id": "2027-Q1-01",
    "entities": [{"uscc": "91350181MA2Y0XXXXX", "name": "福清", "risk": "B"}],
    "window": {"start": "2027-03-01", "end": "2027-03-31"},
    "ratio": 0.03,
}
# Written out by hand from the protocol's rules: keys sorted, no spaces, UTF-8, no secret.
DOC_CANONICAL = ('{"draw_id":"2027-Q1-01","entities":[{"name":"福清","risk":"B",'
                 '"uscc":"91350181MA2Y0XXXXX"}],"external_entropy":"314159",'
                 '"format":"inspect-draw/1","ratio":0.03,'
                 '"window":{"end":"2027-03-31","start":"2027-03-01"}}').encode("utf-8")


def test_input_digest_known_vector():
    assert input_digest(DOC) == hashlib.sha256(DOC_CANONICAL).digest()
    assert input_digest(DOC).hex() == hashlib.sha256(DOC_CANONICAL).hexdigest()


def test_input_digest_ignores_only_the_secret():
    without = {k: v for k, v in DOC.items() if k != "secret"}
    assert input_digest(without) == input_digest(DOC)
    assert input_digest({**DOC, "draw_id": "2027-Q1-02"}) != input_digest(DOC)


def test_canonical_json_is_the_protocol_layout():
    doc = {k: v for k, v in DOC.items() if k != "secret"}
    assert canonical_json(doc) == DOC_CANONICAL
    assert canonical_json(doc) == json.dumps(doc, sort_keys=True, separators=(",", ":"),
                                             ensure_ascii=False).encode("utf-8")


def test_commitment_seed_and_u_known_vector():
    secret = bytes.fromhex(SECRET_HEX)
    assert commitment(secret) == hashlib.sha256(b"\x0f" * 32).digest()
    digest = hashlib.sha256(DOC_CANONICAL).digest()
    seed = derive_seed(secret, digest, "314159")
    assert seed == hashlib.sha256(b"\x0f" * 32 + digest + b"314159").digest()
    mac = hmac.new(seed, b"entity:91350181MA2Y0XXXXX", hashlib.sha256).digest()
    assert u_value(seed, "91350181MA2Y0XXXXX") == int.from_bytes(mac[:8], "big")
    mac_t1 = hmac.new(seed, b"entity:T1:91350181MA2Y0XXXXX", hashlib.sha256).digest()
    assert u_value(seed, "91350181MA2Y0XXXXX", "T1") == int.from_bytes(mac_t1[:8], "big")
    assert hmac_u64(seed, "entity:T1:91350181MA2Y0XXXXX") == int.from_bytes(mac_t1[:8], "big")


def test_u_values_match_single_values_and_keep_order():
    seed = hashlib.sha256(b"seed").digest()
    usccs = [f"91350181MA2Y0{k:05d}" for k in range(50)]
    batch = u_values(seed, usccs)
    assert [int(v) for v in batch] == [u_value(seed, u) for u in usccs]
    assert [int(v) for v in u_values(seed, usccs, "T9")] == [u_value(seed, u, "T9") for u in usccs]
    assert len(u_values(seed, [])) == 0


def test_entropy_is_utf8():
    assert derive_seed(b"s", b"d", "福") == hashlib.sha256(b"sd" + "福".encode()).digest()


def test_result_digest_is_sha256_of_canonical_outcome():
    outcome = {"format": "inspect-draw-outcome/1", "visits": []}
    assert result_digest(outcome) == hashlib.sha256(
        b'{"format":"inspect-draw-outcome/1","visits":[]}').digest()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**20, 10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda children: st.lists(children, max_size=8)
    | st.dictionaries(st.text(max_size=4), children, max_size=6),
    max_leaves=60,
)


@settings(max_examples=300)
@given(json_values, st.integers(1, 4))
def test_streaming_equals_json_dumps(value, chunk):
    expected = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert "".join(iter_canonical(value, chunk)) == expected


def test_streaming_digest_of_a_large_list_equals_json_dumps():
    doc = {"secret": "x", "entities": [{"uscc": f"{k:018d}", "名": "福" * (k % 3), "v": k / 7}
                                       for k in range(10000)], "b": {"c": [1, 2, 3]}}
    rest = {k: v for k, v in doc.items() if k != "secret"}
    text = json.dumps(rest, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert input_digest(doc) == hashlib.sha256(text.encode("utf-8")).digest()
    assert len(list(iter_canonical(rest))) > 5  # it really was streamed in pieces


def test_forked_u_values_equal_in_process_ones(monkeypatch):
    import solver.canonical as canonical

    monkeypatch.setattr(canonical, "PARALLEL_MINIMUM", 10)
    seed = hashlib.sha256(b"fork").digest()
    usccs = [f"91350181MA2Y{k:06d}" for k in range(1001)]
    single = canonical.u_values(seed, usccs, "T1")
    for workers in (2, 3):
        assert (canonical.u_values(seed, usccs, "T1", workers=workers) == single).all()


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=130), st.binary(max_size=80), st.lists(st.binary(max_size=150), max_size=6),
       st.integers(1, 32))
def test_fast_hmac_is_hmac_sha256(key, prefix, suffixes, size):
    """FastHmac (CPython's own SHA-256 where it has one) gives hmac.digest's
    bytes for keys shorter and longer than a block and messages across block
    boundaries."""
    expected = b"".join(hmac.digest(key, prefix + suffix, "sha256")[:size] for suffix in suffixes)
    assert FastHmac(key).truncated(prefix, suffixes, size) == expected
