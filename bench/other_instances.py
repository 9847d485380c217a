"""A second, independent generator of ``inspect-draw/1`` instances (draw protocol §3): the file.

Written from docs/draw-protocol.md alone (no code shared with ``bench/solver_instances.py``)
to check the targets on data the solver was not tuned on. What an instance holds is planned
in :mod:`bench.other_plan`; this module lays a plan out as the file, and is the command line:

* layout: the entity array comes first and ``policy`` last, four per-entity key orders,
  ``ensure_ascii`` output (Chinese text as ``\\uXXXX``), USCCs with a valid GB 32100 check
  character (and a valid GB 11714 organisation-code check).
* entity rows rendered from the plan's columns, with their ``last_checks`` and the declared
  conflicts drawn as the rows are streamed, in chunks of 50,000 entities (deterministic for
  a seed whatever the machine).

    .venv/bin/python -m bench.other_instances --size city-open -o bench/out/other-city-open.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time

import numpy as np

from bench.other_plan import (
    CHUNK,
    DEPARTMENTS,
    HOLIDAYS,
    IND_WORD,
    INDUSTRIES,
    LISTS,
    NAME_CHARS,
    SIZES,
    STATUSES,
    TAGS,
    TYPE_ORG,
    TYPES,
    WINDOW,
    WORKDAYS,
    Plan,
    capacity,
    columns,
    pair_conflicts,
)

DEFAULT_SEED = 20270406
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100, 31 characters
USCC_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28], np.int64)
ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2], np.int64)  # GB 11714


def esc(s: str) -> str:
    return json.dumps(s, ensure_ascii=True)[1:-1]


def jdump(v) -> str:
    return json.dumps(v, ensure_ascii=True, separators=(",", ":"))


def usccs(serial: np.ndarray, county: np.ndarray, typ: np.ndarray) -> list[str]:
    """Valid USCCs: authority 9, category by type, the county code, an organisation code
    unique per serial (affine bijection of 10^8) with its GB 11714 check, then GB 32100."""
    n = len(serial)
    v = np.zeros((n, 18), np.int64)
    v[:, 0] = 9
    v[:, 1] = np.array([int(TYPE_ORG[t]) for t in range(len(TYPES))])[typ]
    for k in range(6):
        v[:, 2 + k] = (county // 10 ** (5 - k)) % 10
    body = (serial.astype(np.int64) * 7_368_787 + 12_345_679) % 10 ** 8
    for k in range(8):
        v[:, 8 + k] = (body // 10 ** (7 - k)) % 10
    oc = (11 - (v[:, 8:16] * ORG_WEIGHTS).sum(1) % 11) % 11  # 10 -> X (value 30 in ALPHABET)
    v[:, 16] = np.where(oc == 10, ALPHABET.index("X"), oc)
    v[:, 17] = (31 - (v[:, :17] * USCC_WEIGHTS).sum(1) % 31) % 31
    codes = np.frombuffer(ALPHABET.encode(), np.uint8)[v].astype(np.uint8)
    return [b.decode() for b in codes.view("S18").ravel().tolist()]


TEMPLATES = (  # four key orders; optional members carry their leading comma
    '{{"uscc":"{u}","name":"{nm}","district":"{di}","risk":"{r}","status":"{st}",'
    '"industry":"{i}","type":"{ty}"{tg}{ls}{ch}{lc}}}',
    '{{"district":"{di}","risk":"{r}"{lc},"uscc":"{u}"{ch},"type":"{ty}","industry":"{i}",'
    '"name":"{nm}","status":"{st}"{ls}{tg}}}',
    '{{"name":"{nm}"{tg},"status":"{st}"{ls},"uscc":"{u}","type":"{ty}","risk":"{r}",'
    '"district":"{di}","industry":"{i}"{ch}{lc}}}',
    '{{"type":"{ty}","industry":"{i}","uscc":"{u}"{ch}{lc},"name":"{nm}","district":"{di}",'
    '"status":"{st}","risk":"{r}"{tg}{ls}}}',
)


def bits_text(key: str, names: tuple, cache: dict):
    def text(mask: int, empty: bool) -> str:
        if (mask, empty) not in cache:
            got = [names[b] for b in range(len(names)) if mask >> b & 1]
            cache[(mask, empty)] = f',"{key}":{jdump(got)}' if got or empty else ""
        return cache[(mask, empty)]
    return text


class Rows:
    """Streams the entity rows; collects the declared conflicts on the way."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.pool: dict[tuple, list[str]] = {}
        for ins in plan.inspectors:
            c = int(ins["district"][:6]) if plan.k else -1
            self.pool.setdefault((ins["department"], c), []).append(ins["id"])
        self.conflicts: list[dict] = []
        self.tags = bits_text("tags", TAGS, {})
        self.lists = bits_text("lists", LISTS, {})
        start = dt.date.fromisoformat(WINDOW[0])
        self.dates = [(start - dt.timedelta(days=d)).isoformat() for d in range(1, 901)]
        city = esc("南湖" if plan.k == 0 else "云岭")
        self.prefix = [city + esc(f"{x}") for x in ("", "市", "县")]
        self.chars = [esc(ch) for ch in NAME_CHARS]
        self.words = [esc(w) for w in IND_WORD]
        self.types = [esc(t) for t in TYPES]
        self.suffix = [esc(x) for x in ("有限公司", "店", "股份有限公司", "专业合作社", "有限公司")]
        self.status = [esc(x) for x in STATUSES]

    def chunk(self, k: int) -> list[str]:
        p, c = self.plan, columns(self.plan, k)
        rng, n = c["rng"], len(c["risk"])
        codes = p.counties[c["county"]]
        ids = usccs(np.arange(c["lo"], c["lo"] + n), codes, c["typ"])
        dis = [f"{a}{b:03d}" for a, b in zip(codes.tolist(), c["town"].tolist())] if p.nine \
            else [str(a) for a in codes.tolist()]
        out = []
        cols = zip(ids, dis, c["risk"].tolist(), c["ind"].tolist(), c["typ"].tolist(), c["status"].tolist(),
                   c["tags"].tolist(), c["lists"].tolist(), c["checks"].tolist(), c["name"].tolist(),
                   c["order"].tolist(), c["last"].tolist(), c["county"].tolist())
        for u, di, r, i, ty, st, tg, ls, ch, nm, o, last, cty in cols:
            lc = ""
            if last < 0.27:
                lc = self.last_checks(rng, cty, last < 0.02)
            if last > 0.996:
                d = p.depts[int(rng.integers(len(p.depts)))]
                pool = self.pool.get((d, p.counties[cty] if p.k else -1))
                if pool:
                    self.conflicts.append({"uscc": u, "inspector": pool[int(rng.integers(len(pool)))]}
                                          | ({"reason": "亲属关系"} if last > 0.998 else {}))
            out.append(TEMPLATES[o].format(
                u=u, di=di, r="ABCD"[r], i=INDUSTRIES[i], ty=self.types[ty], st=self.status[st],
                nm=self.prefix[o % 3] + self.chars[nm[0]] + self.chars[nm[1]] + self.words[i] + self.suffix[ty],
                tg=self.tags(tg, o == 1), ls=self.lists(ls, o == 2),
                ch=f',"checks_this_year":{ch}' if ch or o == 3 else "", lc=lc))
        return out

    def last_checks(self, rng: np.random.Generator, cty: int, twice: bool) -> str:
        p, entries = self.plan, []
        for _ in range(1 + int(rng.integers(2)) + twice):
            d = p.depts[int(rng.integers(len(p.depts)))]
            e = {"department": d, "date": self.dates[int(rng.integers(900))]}
            pool = self.pool.get((d, int(p.counties[cty]) if p.k else -1), [])
            if pool and rng.random() < 0.85:
                e["inspectors"] = sorted({pool[int(j)] for j in rng.integers(len(pool), size=2)})
            entries.append(e)
        if twice:  # two entries of one department on one date: they count together
            entries[-1] = dict(entries[0], inspectors=entries[-1].get("inspectors", []))
        return ',"last_checks":' + jdump(entries)


def write(path: str, size: str, seed: int, entities: int | None = None,
          inspectors: int | None = None) -> dict:
    t0 = time.perf_counter()
    plan = Plan(size, seed, entities, inspectors)
    rows = Rows(plan)
    rng = np.random.default_rng([seed, 23])
    with open(path, "w", encoding="ascii", newline="\n") as f:
        f.write('{"entities": [\n')
        for k in range((plan.n + CHUNK - 1) // CHUNK):
            f.write((",\n" if k else "") + ",\n".join(rows.chunk(k)))
        f.write("\n],\n")
        depts = [{"name": DEPARTMENTS[d][0], "id": d} for d in plan.depts]
        members = [
            ("inspectors", plan.inspectors), ("tasks", plan.tasks), ("conflicts", rows.conflicts),
            ("pair_conflicts", pair_conflicts(plan, rng)), ("items", plan.items), ("departments", depts),
            ("calendar", {"workdays": list(WORKDAYS), "holidays": list(HOLIDAYS)}),
            ("window", {"end": WINDOW[1], "start": WINDOW[0]}),
            ("external_entropy", f"other-{size}-{seed}"),
            ("secret", bytes(np.random.default_rng([seed, 99]).integers(0, 256, 32, np.uint8)).hex()),
            ("draw_id", f"OTHER-{size.upper()}-{seed}"), ("format", "inspect-draw/1"),
            ("policy", {"jurisdiction_digits": plan.k, "exclude_local_supervisor": plan.local,
                        "min_team_size": 2, "rotation": True, "frequency_cap": 4}),
        ]
        for j, (key, value) in enumerate(members):
            sep = "\n" if isinstance(value, list) else ""
            body = jdump(value) if not sep else "[" + ",\n".join(jdump(v) for v in value) + "]"
            f.write(f'"{key}": {body}' + ("," if j < len(members) - 1 else "") + "\n")
        f.write("}\n")
        size_bytes = f.tell()
    dem, visits = plan.demand()
    return {"generator": "bench.other_instances", "size": size, "seed": seed, "entities": plan.n,
            "inspectors": len(plan.inspectors), "departments": list(plan.depts), "tasks": len(plan.tasks),
            "conflicts": len(rows.conflicts), "bytes": size_bytes, "jurisdiction_digits": plan.k,
            "estimated_visits": round(visits), "estimated_team_places": round(plan.places),
            "capacity": capacity(plan.inspectors), "estimated_places": {d: round(v) for d, v in dem.items()},
            "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="independent inspect-draw/1 instance generator")
    ap.add_argument("--size", choices=SIZES, default="small")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--entities", type=int, help="override the size's entity count (tuning)")
    ap.add_argument("--inspectors", type=int, help="override the size's inspector count (tuning)")
    a = ap.parse_args(argv)
    print(json.dumps(write(a.output, a.size, a.seed, a.entities, a.inspectors), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
