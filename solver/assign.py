"""Team assignment: which inspectors staff which visit.

Three steps, each deterministic and defined independently of solver internals.

1. Acceptance (which visits are staffed at all): :mod:`solver.accept`, over
   every eligible inspector.

2. Teams (who). Each place offers the flow its *candidates*
   (:mod:`solver.candidates`): at most ``bound`` (16) of its eligible
   inspectors, a uniformly random subset drawn from the seed; a part whose
   candidates cannot fill every accepted place, or leave a trade with an
   eligible non-candidate that balances better (:func:`improvable`), is solved
   again with its bound doubled until neither holds (:func:`_form_teams`;
   formats /1 and /2: every eligible inspector). Among accepted visits, each department's teams come from a
   min-cost flow, solved with OR-Tools ``SimpleMinCostFlow`` separately for each
   part of places whose pools connect (an exact decomposition, see
   :func:`department_teams`; with several workers the parts are shared out
   between forked processes, see :func:`_solve_jobs`): place -> inspector arcs of capacity 1 and
   cost r(v, i); inspector -> sink arcs, one per unit of capacity, the k-th
   (k = 1..cap_i) of cost ``floor(K * k / cap_i)`` with K = 2**40 (convex, so the
   flow takes them in order and an inspector's balance cost depends on their
   load relative to capacity). ``r(v, i)`` = the first 3 bytes, big-endian, of
   HMAC-SHA256(key = seed, msg = UTF-8 of ``"assign:" + USCC + ":" +
   inspector id``), in [0, 2**24). Two marginal balance costs that differ
   differ by at least ``K / (cap_i * cap_j) - 1`` (over 2**30 for capacities up
   to 30), more than a swap of any 32 places' random costs can make up, so
   workload balance dominates and the seed picks among balanced solutions.
   int64 bounds: every arc cost is below 2**41; OR-Tools multiplies costs by
   (nodes + 1) < 2**21 for nodes below two million per department, so scaled
   costs stay below 2**62, and the total cost (units x 2**41) below 2**62 for
   fewer than 2**21 places' units per department. Acceptance guarantees that
   every place is filled; this is asserted.

   After each part's flow, the optimality certificate of protocol 7.5
   (:mod:`solver.certificate`): the inspectors' potentials (Bellman–Ford over
   the contracted residual moves, vectorised, :func:`_potentials`) and the
   test for a cycle of tight moves (:func:`_tied`); on a tie, the part moves
   to the lexicographic optimum of the further HMAC bytes and every level's
   potentials are recomputed on it (:func:`_break_ties`), so the teams and
   the certificate do not depend on which optimum OR-Tools returned. A
   verifier passes the outcome's claimed flow (:class:`ClaimedFlow`); a part
   whose claim is its unique optimum (:func:`_claimed`) is not solved.

3. Pair conflicts (two inspectors who must not serve together) cannot be
   stated in a flow. Visits whose team holds such a pair are repaired in
   priority order, one swap at a time: a member of a clashing pair is replaced
   by an eligible inspector of the same department, not on the team, with
   spare capacity, choosing the swap that leaves the fewest clashing pairs,
   then the lowest cost change (balance + random cost as above), then the
   lowest ids. A visit no swap improves becomes unfilled; its members' load is
   released. Capacity freed this way is not offered to visits rejected in
   step 1.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import cast

import numpy as np
from ortools.graph.python import min_cost_flow

from solver import candidates as candidate_sets
from solver import certificate, reasons
from solver.accept import _UNBOUNDED, accept_visits
from solver.canonical import FastHmac
from solver.eligible import Eligible
from solver.forking import bytes_forked, run_forked
from solver.model import Instance
from solver.progress import NullProgress, Progress
from solver.teams import Rules, SlotRequest, VisitRequest

BALANCE_SCALE = 2**40
RANDOM_BYTES = 3  # r(v, i) in [0, 2**24)
_REPORT_EVERY = 1000


@dataclass(frozen=True, slots=True)
class Assignment:
    teams: dict[str, tuple[str, ...]]  # visit id -> sorted inspector ids
    unfilled: dict[str, reasons.Reason]  # visit id -> reason
    loads: dict[str, int]  # inspector id -> visits assigned, for every inspector of the instance
    flow_teams: dict[str, tuple[str, ...]] | None = None  # accepted visit id -> team of 7.3 (before 7.4)
    potentials: list[dict[str, int]] | None = None  # the certificate's levels (7.5)
    widened: dict[str, int] | None = None  # part name ("V00042 SCJG") -> candidate bound, where not the default (7.3)


PartResult = tuple[list[tuple[str, ...]], list[dict[str, int]]]  # teams, potential levels
Job = tuple[str, list[int], "int | None"]  # department, place indices, candidate bound (None: all eligible)
# claimed members per place (None: solve), level-0 potentials; of a part's places, or of a department's
Claim = tuple[list["tuple[str, ...] | None"], Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class ClaimedFlow:
    """What an outcome claims about the flow of 7.3 (a verifier's input):
    the team of every accepted visit, the level-0 potentials, the widened
    candidate bounds. Parts whose claim proves itself (:func:`_claimed`)
    are not solved again."""

    teams: Mapping[str, Sequence[str]]  # visit id -> team
    level0: Mapping[str, int]
    widened: Mapping[str, int]
_MISSING = object()


class RandomCost:
    """r(v, i) of the module docstring, computed with a precomputed HMAC key
    schedule (the same bytes as :func:`hmac.digest`, at half the cost)."""

    def __init__(self, seed: bytes, workers: int = 1) -> None:
        self.workers = workers
        self._key = FastHmac(seed)
        self._encoded: dict[str, bytes] = {}  # inspector id -> UTF-8

    def serial(self) -> RandomCost:
        """The same costs, always hashed in this process (for use inside a worker)."""
        twin = RandomCost.__new__(RandomCost)
        twin.workers, twin._key, twin._encoded = 1, self._key, self._encoded
        return twin

    def _encode(self, inspector_ids: Sequence[str]) -> list[bytes]:
        known = self._encoded
        return [known.get(i) or known.setdefault(i, i.encode()) for i in inspector_ids]

    def costs(self, uscc: str, inspector_ids: Sequence[str]) -> list[int]:
        """r(v, i) for one entity and several inspectors."""
        raw = self._key.truncated(f"assign:{uscc}:".encode(), self._encode(inspector_ids), RANDOM_BYTES)
        return [int.from_bytes(raw[k:k + RANDOM_BYTES], "big") for k in range(0, len(raw), RANDOM_BYTES)]

    @property
    def key(self) -> FastHmac:
        return self._key

    def candidates(self, uscc: str, department: str, eligible: Sequence[str], bound: int | None) -> tuple[str, ...]:
        """The place's candidates of 7.3 (:mod:`solver.candidates`)."""
        return candidate_sets.candidates(self._key, uscc, department, eligible, bound)

    def levels(self, uscc: str, inspector_ids: Sequence[str], count: int) -> tuple[tuple[int, ...], ...]:
        """The tie-break costs of levels 0..count-1 (7.5): level k is bytes
        3k..3k+2 of the HMAC whose first 3 bytes are r(v, i)."""
        raw = self._key.truncated(f"assign:{uscc}:".encode(), self._encode(inspector_ids), 32)
        return tuple(tuple(int.from_bytes(raw[n * 32 + 3 * k:n * 32 + 3 * k + 3], "big")
                           for n in range(len(inspector_ids))) for k in range(count))

    def _cost_bytes(self, places: Sequence[tuple[str, Sequence[str]]]) -> bytes:
        """r(v, i) of every (USCC, inspector ids) pair in order, as 3-byte
        big-endian numbers, concatenated."""
        truncated, encode = self._key.truncated, self._encode
        return b"".join([truncated(f"assign:{uscc}:".encode(), encode(inspector_ids), RANDOM_BYTES)
                         for uscc, inspector_ids in places])

    def many(self, places: Sequence[tuple[str, Sequence[str]]]) -> np.ndarray:
        """r(v, i) for every (USCC, inspector ids) pair in order, as one int64
        array; with ``workers`` > 1 (POSIX) large batches are split between
        forked processes, with the same result."""
        arcs = sum(len(ids) for _, ids in places)
        if self.workers > 1 and arcs >= PARALLEL_ARCS and hasattr(os, "fork"):
            raw = self._cost_bytes_forked(places, arcs)
        else:
            raw = self._cost_bytes(places)
        padded = np.zeros((arcs, 4), dtype=np.uint8)
        padded[:, 1:] = np.frombuffer(raw, dtype=np.uint8).reshape(arcs, RANDOM_BYTES)
        return padded.view(">u4").reshape(arcs).astype(np.int64)

    def _cost_bytes_forked(self, places: Sequence[tuple[str, Sequence[str]]], arcs: int) -> bytes:
        """:meth:`_cost_bytes` with the places cut into ``workers`` runs of
        about equal arcs, all but the first computed by forked children."""
        workers = self.workers
        bounds, total, k = [0], 0, 1
        for n, (_, ids) in enumerate(places):
            total += len(ids)
            while k < workers and total >= arcs * k // workers:
                bounds.append(n + 1)
                k += 1
        bounds += [len(places)] * (workers + 1 - len(bounds))
        runs = [places[bounds[k]:bounds[k + 1]] for k in range(workers)]
        return bytes_forked(runs, self._cost_bytes, lambda run: RANDOM_BYTES * sum(len(ids) for _, ids in run))


PARALLEL_ARCS = 200_000  # fewer arcs are hashed in-process


def balance_cost(k: int, cap: int) -> int:
    """Cost of an inspector's k-th visit (1-based) given their capacity."""
    return BALANCE_SCALE * k // cap


def department_teams(department: str, places: Sequence[tuple[str, SlotRequest]], rules: Rules,
                     random_cost: RandomCost, bound: int | None = None) -> list[tuple[str, ...]] | None:
    """Step 2 for one department: the members of this department for each of
    ``places`` ((USCC, place) pairs), sorted. Every place must be fillable
    together with the others (step 1).

    The flow splits into independent parts: a place's candidates lie within
    its pool (the inspectors passing the department-level rules for its
    qualifications), so places whose pools share no inspector share no arc.
    Each part is solved on its own; the union of the parts' optima is an
    optimum of the whole department. None if the candidates within ``bound``
    cannot fill every place."""
    teams: list[tuple[str, ...]] = [()] * len(places)
    parts = connected_parts(places)
    solved = _solve_jobs([(department, part, bound) for part in parts], {department: places}, rules, random_cost, 1,
                         NullProgress())
    if any(result is None for result in solved):
        return None
    for part, result in zip(parts, solved, strict=True):
        assert result is not None
        for p, team in zip(part, result[0], strict=True):
            teams[p] = team
    return teams


def _solve_job(department: str, part: Sequence[int], places: Sequence[tuple[str, SlotRequest]], rules: Rules,
               random_cost: RandomCost, bound: int | None, claim: Claim | None = None) -> PartResult | None:
    """The teams and certificate levels of one part of one department's places
    (in-process), None if the candidates within ``bound`` cannot fill them."""
    chosen = [places[p] for p in part]
    offered = candidate_sets.many_candidates(random_cost.key, [(u, department, s.eligible) for u, s in chosen], bound)
    given = None if claim is None else ([claim[0][p] for p in part], claim[1])
    return _solve_part(department, chosen, rules,
                       random_cost.many([(u, c) for (u, _), c in zip(chosen, offered, strict=True)]),
                       random_cost, offered, given)


def _solve_jobs(jobs: Sequence[Job],
                by_department: Mapping[str, Sequence[tuple[str, SlotRequest]]],
                rules: Rules, random_cost: RandomCost, workers: int,
                progress: Progress, claims: Mapping[str, Claim] | None = None) -> list[PartResult | None]:
    """Every (department, part) flow. With ``workers`` > 1 (POSIX) and enough
    arcs, the parts are shared out by arcs between this process and forked
    children, each hashing its own parts' random costs and solving their
    flows — unless one part holds most of the arcs (no jurisdictions, one big
    department): then that part is solved here, ``random_cost`` sharing the
    hashing of its costs, while one forked child solves all the others. The
    parts are independent problems, so the result is the same either way."""
    def solve(chosen: list[int], costs: RandomCost, report: bool = False) -> list[PartResult | None]:
        out = []
        for j in chosen:
            department, part, bound = jobs[j]
            out.append(_solve_job(department, part, by_department[department], rules, costs, bound,
                                  (claims or {}).get(department)))
            if report:
                progress.advance()
        return out

    arcs = [sum(min(len(by_department[d][p][1].eligible), bound or _UNBOUNDED) for p in part)
            for d, part, bound in jobs]
    total = sum(arcs)
    if workers <= 1 or len(jobs) < 2 or total < PARALLEL_ARCS or not hasattr(os, "fork"):
        return solve(list(range(len(jobs))), random_cost, report=True)
    here_costs, there_costs = random_cost, random_cost.serial()
    giant = max(range(len(jobs)), key=lambda j: (arcs[j], -j))
    if 2 * arcs[giant] > total:  # the giant part here (its hashing shared), the rest in one child
        mine = [[giant], [j for j in range(len(jobs)) if j != giant]]
    else:
        here_costs = there_costs
        share = [0] * workers  # largest parts first, each to the least loaded process
        owner = [0] * len(jobs)
        for j in sorted(range(len(jobs)), key=lambda j: (-arcs[j], j)):
            owner[j] = min(range(workers), key=lambda w: (share[w], w))
            share[owner[j]] += arcs[j]
        mine = [[j for j in range(len(jobs)) if owner[j] == w] for w in range(workers)]

    def pickled(chosen: list[int]) -> bytes:
        return pickle.dumps(solve(chosen, there_costs), protocol=pickle.HIGHEST_PROTOCOL)

    here, there = run_forked(lambda: solve(mine[0], here_costs, report=True),
                             [partial(pickled, chosen) for chosen in mine[1:]])
    results: list[object] = [_MISSING] * len(jobs)
    for j, teams in zip(mine[0], here, strict=True):
        results[j] = teams
    for chosen, raw in zip(mine[1:], there, strict=True):
        try:
            solved = pickle.loads(raw) if raw is not None else None
        except Exception:  # a truncated or garbled answer is no answer
            solved = None
        if solved is None or len(solved) != len(chosen):  # never trust a partial result
            solved = solve(chosen, here_costs)
        for j, teams in zip(chosen, solved, strict=True):
            results[j] = teams
        progress.advance(len(chosen))
    assert all(r is not _MISSING for r in results)
    return cast("list[PartResult | None]", results)


def connected_parts(places: Sequence[tuple[str, SlotRequest]]) -> list[list[int]]:
    """Place indices grouped by connected pools (union-find over pool members),
    each group ascending, groups by their first place."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen_pools = set()  # id() of each pool's member tuple: hashing the tuples would cost a pool per place
    for _, slot in places:
        members = slot.pool.qualified
        if id(members) in seen_pools:
            continue
        seen_pools.add(id(members))
        for inspector_id in members:
            parent.setdefault(inspector_id, inspector_id)
        root = find(members[0])
        for inspector_id in members[1:]:
            other = find(inspector_id)
            if other != root:
                low, high = sorted((root, other))
                parent[high] = low
                root = low
    groups: dict[str, list[int]] = {}
    for p, (_, slot) in enumerate(places):
        groups.setdefault(find(slot.pool.qualified[0]), []).append(p)
    return sorted(groups.values(), key=lambda g: g[0])


def _solve_part(department: str, places: Sequence[tuple[str, SlotRequest]], rules: Rules,
                costs: np.ndarray, random_cost: RandomCost,
                offered: Sequence[tuple[str, ...]] | None = None, given: Claim | None = None) -> PartResult | None:
    """One min-cost flow: places, then inspectors, then the sink; ``offered``
    are the places' candidates (default: every eligible inspector), ``costs``
    r(v, i) of every candidate, place by place. Returns the teams and the
    certificate's potential levels (7.5), or None if the candidates cannot
    fill every place. With ``given`` (a verifier's claimed teams and level-0
    potentials), the flow is taken from the claim instead of solved when the
    claim proves itself optimal and untied (:func:`_claimed`)."""
    if offered is None:
        offered = [tuple(slot.eligible) for _, slot in places]
    inspector_ids = sorted({i for cands in offered for i in cands})
    node = {inspector_id: len(places) + k for k, inspector_id in enumerate(inspector_ids)}
    sink = len(places) + len(inspector_ids)
    heads_of: dict[tuple[str, ...], np.ndarray] = {}
    heads, lengths = [], []
    for cands in offered:
        h = heads_of.get(cands)
        if h is None:
            h = heads_of[cands] = np.array([node[i] for i in cands], dtype=np.int64)
        heads.append(h)
        lengths.append(len(cands))
    place_heads = np.concatenate(heads)
    tails = np.repeat(np.arange(len(places), dtype=np.int64), lengths)
    cap_tails, cap_costs = [], []
    for inspector_id in inspector_ids:
        cap = rules.capacity[inspector_id]
        cap_tails.append(np.full(cap, node[inspector_id], dtype=np.int64))
        cap_costs.append(np.array([balance_cost(k, cap) for k in range(1, cap + 1)], dtype=np.int64))
    caps = np.array([rules.capacity[i] for i in inspector_ids], dtype=np.int64)
    if given is not None:
        claimed = _claimed(places, offered, inspector_ids, tails, place_heads - len(places), costs, caps, given)
        if claimed is not None:
            return claimed
    all_tails = np.concatenate([tails] + cap_tails)
    all_heads = np.concatenate([place_heads, np.full(len(all_tails) - len(tails), sink, dtype=np.int64)])
    all_costs = np.concatenate([costs] + cap_costs)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(all_tails, all_heads, np.ones(len(all_tails), dtype=np.int64), all_costs)
    supplies = np.zeros(sink + 1, dtype=np.int64)
    supplies[:len(places)] = [slot.count for _, slot in places]
    supplies[sink] = -int(supplies.sum())
    flow.set_nodes_supplies(np.arange(sink + 1, dtype=np.int64), supplies)
    status = flow.solve()
    if status == flow.INFEASIBLE:
        return None
    if status != flow.OPTIMAL:
        raise AssertionError(f"team flow of {department} ended with status {status}")
    used = flow.flows(np.arange(len(tails), dtype=np.int64)) > 0
    chosen = np.flatnonzero(used)
    by_place: list[list[str]] = [[] for _ in places]
    for p, h in zip(tails[chosen].tolist(), place_heads[chosen].tolist(), strict=True):
        by_place[p].append(inspector_ids[h - len(places)])
    for (uscc, slot), members in zip(places, by_place, strict=True):
        assert len(members) == slot.count, f"place of {department} at {uscc} not filled"
    teams = [tuple(sorted(m)) for m in by_place]
    moves = _moves(tails, place_heads - len(places), costs, used, caps)
    potentials = _potentials(moves, len(caps))
    level0 = {i: int(p) for i, p in zip(inspector_ids, potentials.tolist(), strict=True)}
    if not _tied(moves, potentials, inspector_ids):
        return teams, [level0]
    return _break_ties(department, places, offered, teams, level0, rules, random_cost)


def _claimed(places: Sequence[tuple[str, SlotRequest]], offered: Sequence[tuple[str, ...]],
             inspector_ids: Sequence[str], tails: np.ndarray, heads: np.ndarray, costs: np.ndarray,
             caps: np.ndarray, given: Claim) -> PartResult | None:
    """The claimed flow of a part as its result, if it is the part's unique
    optimum: every place holds ``count`` of its candidates, the claimed
    potentials leave no move of negative reduced cost (so the flow is optimal
    and Bellman–Ford converges), and the tight moves of the recomputed
    (canonical) potentials form no cycle. None otherwise: the caller solves."""
    claimed_teams, claimed_pi = given
    used = np.zeros(len(tails), dtype=bool)
    start = 0
    for (_, slot), cands, members in zip(places, offered, claimed_teams, strict=True):
        if members is None or len(members) != slot.count:
            return None
        position = {i: k for k, i in enumerate(cands)}
        for m in members:
            k = position.get(m)
            if k is None or used[start + k]:
                return None
            used[start + k] = True
        start += len(cands)
    loads = np.bincount(heads[used], minlength=len(caps))
    if np.any(loads > caps):
        return None
    pi = [claimed_pi.get(i) for i in inspector_ids]
    if any(p is None for p in pi):
        return None
    moves = t, h, w = _moves(tails, heads, costs, used, caps)
    pi_all = np.array([*pi, 0], dtype=np.int64)
    if np.any(w + pi_all[t] - pi_all[h] < 0):
        return None
    potentials = _potentials(moves, len(caps))
    if _tied(moves, potentials, inspector_ids):
        return None
    level0 = {i: int(p) for i, p in zip(inspector_ids, potentials.tolist(), strict=True)}
    return [tuple(sorted(m)) for m in claimed_teams if m is not None], [level0]


def _moves(tails: np.ndarray, heads: np.ndarray, costs: np.ndarray, used: np.ndarray,
           caps: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The contracted residual moves of :mod:`solver.certificate` as (tail,
    head, cost) arrays over inspector indices, the sink being ``len(caps)``."""
    n = len(caps)
    member = np.flatnonzero(used)  # place by place
    places = int(tails[-1]) + 1 if len(tails) else 0
    first = np.searchsorted(tails[member], np.arange(places))
    count = np.bincount(tails[member], minlength=places)
    free = np.flatnonzero(~used)
    move_tails, move_heads, move_costs = [], [], []
    for k in range(int(count.max(initial=0))):
        arcs = free[count[tails[free]] > k]
        mine = member[first[tails[arcs]] + k]
        move_tails.append(heads[mine])
        move_heads.append(heads[arcs])
        move_costs.append(costs[arcs] - costs[mine])
    loads = np.bincount(heads[member], minlength=n)
    busy = np.flatnonzero(loads >= 1)
    spare = np.flatnonzero(loads < caps)
    move_tails += [np.full(len(busy), n, dtype=np.int64), spare]
    move_heads += [busy, np.full(len(spare), n, dtype=np.int64)]
    move_costs += [-(BALANCE_SCALE * loads[busy] // caps[busy]), BALANCE_SCALE * (loads[spare] + 1) // caps[spare]]
    return np.concatenate(move_tails), np.concatenate(move_heads), np.concatenate(move_costs)


def _potentials(moves: tuple[np.ndarray, np.ndarray, np.ndarray], n: int) -> np.ndarray:
    """Level-0 potentials of the ``n`` inspectors (7.5): Bellman–Ford distances
    over the ``moves`` (:func:`_moves`) from a virtual root at distance 0 to
    every node, minus the sink's. Each round relaxes only the moves whose tail
    the round before lowered (the first round every move): the same distances
    as relaxing every move each round, for a fraction of the work (the own
    province-open's giant part takes 164 rounds over 3.5 M moves: 37 M
    relaxations instead of 575 M)."""
    t, h, w = moves
    order = np.argsort(t, kind="stable")  # moves grouped by tail, to take those of the lowered nodes
    t, h, w = t[order], h[order], w[order]
    bounds = np.searchsorted(t, np.arange(n + 2))
    dist = np.zeros(n + 1, dtype=np.int64)
    lowered = None
    for _ in range(n + 2):
        if lowered is None:
            heads, through = h, dist[t] + w
        else:
            first, count = bounds[lowered], bounds[lowered + 1] - bounds[lowered]
            taken = np.repeat(first - np.cumsum(count) + count, count) + np.arange(int(count.sum()))
            heads, through = h[taken], dist[t[taken]] + w[taken]
        relaxed = dist.copy()
        np.minimum.at(relaxed, heads, through)
        lowered = np.flatnonzero(relaxed < dist)
        dist = relaxed
        if not len(lowered):
            return (dist - dist[-1])[:-1]
    raise AssertionError("team flow: the residual graph has a negative cycle")


def _tied(moves: tuple[np.ndarray, np.ndarray, np.ndarray], potentials: np.ndarray,
          inspector_ids: Sequence[str]) -> bool:
    """Whether the tight ``moves`` (:func:`_moves`) form a cycle (the optimum is not unique)."""
    t, h, w = moves
    pi = np.append(potentials, 0)
    tight = np.flatnonzero(w + pi[t] - pi[h] == 0)
    names = [*inspector_ids, certificate.SINK]
    return bool(certificate.cyclic_nodes([(names[a], names[b]) for a, b in zip(t[tight].tolist(), h[tight].tolist(),
                                                                                strict=True)]))


def _break_ties(department: str, places: Sequence[tuple[str, SlotRequest]], offered: Sequence[tuple[str, ...]],
                teams: list[tuple[str, ...]], level0: dict[str, int], rules: Rules,
                random_cost: RandomCost) -> PartResult:
    """The lexicographic optimum of 7.5 and its levels, when level 0 ties."""
    names = [f"{p} {department}" for p in range(len(places))]
    current = [certificate.Place(name, uscc, cands, team, (tuple(random_cost.costs(uscc, cands)),))
               for name, (uscc, _), cands, team in zip(names, places, offered, teams, strict=True)]

    def with_levels(chosen: list[certificate.Place], count: int) -> list[certificate.Place]:
        return [certificate.Place(p.name, p.uscc, p.eligible, p.members,
                                  random_cost.levels(p.uscc, p.eligible, count + 1)) for p in chosen]

    caps = {i: rules.capacity[i] for cands in offered for i in cands}
    levels = certificate.break_ties(current, caps, level0, with_levels)
    return [p.members for p in current], levels


def repair_pair_conflicts(accepted: Sequence[VisitRequest], teams: dict[str, tuple[str, ...]], loads: dict[str, int],
                          rules: Rules, random_cost: RandomCost) -> dict[str, reasons.Reason]:
    """Step 3: fix teams holding a pair conflict in place; returns the visits
    that had to be given up (``teams`` and ``loads`` are updated)."""
    partners: dict[str, set[str]] = {}
    for pair in rules.instance.pair_conflicts:
        if len(pair) == 2:
            a, b = sorted(pair)
            partners.setdefault(a, set()).add(b)
            partners.setdefault(b, set()).add(a)
    unfilled: dict[str, reasons.Reason] = {}
    if not partners:
        return unfilled
    for request in accepted:
        visit = request.visit
        team = list(teams[visit.id])
        if not _clashes(team, partners):
            continue
        reason = _repair_team(request, team, loads, partners, rules, random_cost)
        if reason is None:
            teams[visit.id] = tuple(sorted(team))
        else:  # release the members it holds now, swaps included
            del teams[visit.id]
            for inspector_id in team:
                loads[inspector_id] -= 1
            unfilled[visit.id] = reason
    return unfilled


def _clashes(team: Sequence[str], partners: dict[str, set[str]]) -> list[tuple[str, str]]:
    members = sorted(team)
    return [(a, b) for k, a in enumerate(members) for b in members[k + 1:] if b in partners.get(a, ())]


def _repair_team(request: VisitRequest, team: list[str], loads: dict[str, int], partners: dict[str, set[str]],
                 rules: Rules, random_cost: RandomCost) -> reasons.Reason | None:
    """Swap members until no pair clashes (``team`` and ``loads`` change in
    place); the reason if no swap reduces the clashes."""
    slot_of = {slot.department: slot for slot in request.slots}
    costs: dict[str, dict[str, int]] = {}
    cap = rules.capacity
    while True:
        clashes = _clashes(team, partners)
        if not clashes:
            return None
        best = None
        for out in sorted({i for pair in clashes for i in pair}):
            slot = slot_of[rules.inspectors[out].department]
            r = costs.get(slot.department)
            if r is None:
                r = costs[slot.department] = dict(zip(slot.eligible, random_cost.costs(request.visit.uscc, slot.eligible), strict=True))
            rest = [m for m in team if m != out]
            for j in slot.eligible:
                if j in team or loads[j] >= cap[j]:
                    continue
                left = len(_clashes(rest + [j], partners))
                if left >= len(clashes):
                    continue
                delta = (balance_cost(loads[j] + 1, cap[j]) + r[j]) - (balance_cost(loads[out], cap[out]) + r[out])
                key = (left, delta, out, j)
                if best is None or key < best:
                    best = key
        if best is None:
            return reasons.pair_conflict(*clashes[0])
        _, _, out, j = best
        team[team.index(out)] = j
        loads[out] -= 1
        loads[j] += 1


def assign_teams(instance: Instance, requests: Sequence[VisitRequest], seed: bytes, workdays: Sequence[date],
                 progress: Progress | None = None, workers: int = 1,
                 bound: int | None = candidate_sets.DEFAULT_BOUND, claimed: ClaimedFlow | None = None) -> Assignment:
    """Steps 1–3 of the module docstring. The result does not depend on the
    order of ``requests``; ``workers`` > 1 lets forked processes share the
    hashing of the random arc costs (same result). ``bound`` is the number of
    candidates a place offers the team flow (format /3; None: every eligible
    inspector, formats /1 and /2). ``claimed``: a verifier's claimed flow,
    taken instead of solving where it proves itself; the result is the same."""
    progress = progress or NullProgress()
    rules = Rules(instance, workdays)
    ordered = sorted(requests, key=lambda r: (r.visit.priority, r.visit.id))
    progress.stage("accept visits", len(ordered))
    accepted, unfilled = accept_visits(ordered, rules, progress, count_full=bound is None)
    progress.done()

    by_department, visits_of = places_by_department(accepted)
    random_cost = RandomCost(seed, workers)
    parts = {department: connected_parts(by_department[department]) for department in sorted(by_department)}
    claims = None
    if claimed is not None:  # a widened part is solved, to find that it needed widening
        claims = {}
        for d in by_department:
            solve = {p for part in parts[d] if part_name(d, visits_of[d][part[0]]) in claimed.widened for p in part}
            claims[d] = ([None if p in solve else _members_of(claimed.teams.get(v), d, rules)
                          for p, v in enumerate(visits_of[d])], claimed.level0)
    names = part_names(parts, visits_of)
    jobs, solved, widened = _form_teams(parts, by_department, names, rules, random_cost, workers, progress, bound,
                                        claims)
    chosen_of: dict[str, list[tuple[str, ...]]] = {department: [()] * len(places)
                                                   for department, places in by_department.items()}
    levels: list[dict[str, int]] = []
    for (department, part, _), (part_teams, part_levels) in zip(jobs, solved, strict=True):
        for p, team in zip(part, part_teams, strict=True):
            chosen_of[department][p] = team
        levels += [{} for _ in range(len(part_levels) - len(levels))]
        for level, potentials in zip(levels, part_levels, strict=False):
            level.update(potentials)
    members: dict[str, list[str]] = {r.visit.id: [] for r in accepted}
    for department in sorted(by_department):
        for visit_id, team in zip(visits_of[department], chosen_of[department], strict=True):
            members[visit_id].extend(team)

    teams = {visit_id: tuple(sorted(m)) for visit_id, m in members.items()}
    flow_teams = dict(teams)
    loads = {i.id: 0 for i in sorted(instance.inspectors, key=lambda i: i.id)}
    for team in teams.values():
        for inspector_id in team:
            loads[inspector_id] += 1
    progress.stage("resolve pair conflicts", None)
    unfilled.update(repair_pair_conflicts(accepted, teams, loads, rules, random_cost))
    progress.done()
    return Assignment({k: teams[k] for k in sorted(teams)}, {k: unfilled[k] for k in sorted(unfilled)}, loads,
                      flow_teams, [{i: level[i] for i in sorted(level)} for level in levels or [{}]], widened)


def _members_of(team: Sequence[str] | None, department: str, rules: Rules) -> tuple[str, ...] | None:
    if team is None:
        return None
    inspectors = rules.inspectors
    return tuple(sorted(i for i in team if i in inspectors and inspectors[i].department == department))


RANDOM_RANGE = 1 << (8 * RANDOM_BYTES)  # r(v, i) < 2**24


@dataclass(frozen=True, slots=True)
class Trade:
    """A trade the candidates do not offer (7.3): place ``places[place]`` could
    give ``member``'s unit to ``other``, which balances the part better."""

    place: int
    member: str
    other: str


def improving_trade(places: Sequence[tuple[str, SlotRequest]], teams: Sequence[tuple[str, ...]],
                    rules: Rules) -> Trade | None:
    """The first place, in the order given, of a part's flow that could hand a
    member j to an eligible inspector i who is not a member and has spare
    capacity, with ``b(L_i + 1) + 2**24 <= b(L_j)`` (L the loads of the part's
    flow, b the balance cost): that trade lowers the balance by more than any
    difference of random costs, so with i a candidate the flow would not keep j
    (protocol 7.3). For equal capacities: loads of j and i differ by 2 or more.
    j is the member of largest b(L_j), then smallest id; i the eligible
    non-member with spare capacity of least b(L_i + 1), then smallest id.
    Cost: per place its members and exclusions, per pool one sort."""
    cap = rules.capacity
    load: dict[str, int] = {}
    for team in teams:
        for i in team:
            load[i] = load.get(i, 0) + 1
    ranked_of: dict[int, list[tuple[int, str]]] = {}  # id(pool) -> (b(L + 1), id) of members with spare capacity
    excluded_of: dict[int, frozenset[str]] = {}  # id(excluded) -> its ids (places of a district share them)
    no_one: frozenset[str] = frozenset()
    for n, ((_, slot), team) in enumerate(zip(places, teams, strict=True)):
        if not team:
            continue
        top = max(balance_cost(load[j], cap[j]) for j in team)
        eligible = slot.eligible
        pooled = eligible is slot.pool.qualified or (isinstance(eligible, Eligible)
                                                    and eligible.pool is slot.pool.qualified)
        base: Sequence[str] = slot.pool.qualified if pooled else eligible
        ranked = ranked_of.get(id(base))
        if ranked is None:
            ranked = ranked_of[id(base)] = sorted((balance_cost(load.get(i, 0) + 1, cap[i]), i) for i in base
                                                  if load.get(i, 0) < cap[i])
        excluded = no_one
        if pooled and slot.excluded:
            excluded = excluded_of.get(id(slot.excluded)) or excluded_of.setdefault(
                id(slot.excluded), frozenset(i for i, _ in slot.excluded))
        for cost, i in ranked:
            if i in team or i in excluded:
                continue
            if cost + RANDOM_RANGE <= top:
                return Trade(n, min(j for j in team if balance_cost(load[j], cap[j]) == top), i)
            break
    return None


def improvable(places: Sequence[tuple[str, SlotRequest]], teams: Sequence[tuple[str, ...]], rules: Rules) -> bool:
    """Whether some place of a part's flow offers an improving trade
    (:func:`improving_trade`)."""
    return improving_trade(places, teams, rules) is not None


def part_name(department: str, visit_id: str) -> str:
    """A part's name in ``certificate.widened``: its first place, ``"V00042 SCJG"``."""
    return f"{visit_id} {department}"


def places_by_department(requests: Sequence[VisitRequest]) -> tuple[dict[str, list[tuple[str, SlotRequest]]],
                                                                    dict[str, list[str]]]:
    """The places of ``requests``, in their order, by department: (USCC, slot)
    of each, and the id of its visit."""
    by_department: dict[str, list[tuple[str, SlotRequest]]] = {}
    visits_of: dict[str, list[str]] = {}
    for request in requests:
        for slot in request.slots:
            by_department.setdefault(slot.department, []).append((request.visit.uscc, slot))
            visits_of.setdefault(slot.department, []).append(request.visit.id)
    return by_department, visits_of


def part_names(parts: Mapping[str, list[list[int]]], visits_of: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """Each department's parts (:func:`connected_parts`) by name (:func:`part_name`)."""
    return {d: [part_name(d, visits_of[d][part[0]]) for part in parts[d]] for d in parts}


def _form_teams(parts: Mapping[str, list[list[int]]], by_department: Mapping[str, Sequence[tuple[str, SlotRequest]]],
                names: Mapping[str, list[str]], rules: Rules, random_cost: RandomCost, workers: int,
                progress: Progress, bound: int | None, claims: Mapping[str, Claim] | None = None,
                ) -> tuple[list[Job], list[PartResult], dict[str, int]]:
    """Step 2 for every part of every department (``names``: each part's
    name, :func:`part_name`): its flow with its places' candidates within
    ``bound``; a part whose candidates cannot fill every accepted place, or
    whose flow a single trade with an eligible non-candidate would balance
    better (:func:`improvable`), is solved again with its bound doubled, until
    neither holds (at worst every eligible inspector is a candidate: step 1
    made that flow feasible, and an optimum over every eligible inspector
    has no improving trade). Parts share no inspector, so the others are not
    solved again. Returns the jobs, their results and the widened bounds by
    part name."""
    jobs: list[Job] = [(department, part, bound) for department in sorted(parts) for part in parts[department]]
    labels = [names[department][k] for department in sorted(parts) for k in range(len(parts[department]))]
    results: list[PartResult | None] = [None] * len(jobs)
    pending = list(range(len(jobs)))
    progress.stage("form teams", len(jobs))
    counted: Progress = progress  # the stage counts the parts once; a widened part's new flows are not counted again
    while pending:
        solved = _solve_jobs([jobs[j] for j in pending], by_department, rules, random_cost, workers, counted, claims)
        counted = NullProgress()
        retry = []
        for j, result in zip(pending, solved, strict=True):
            department, part, current = jobs[j]
            widest = max(len(by_department[department][p][1].eligible) for p in part)
            final = current is None or current >= widest  # every eligible inspector a candidate
            if result is None and final:
                raise AssertionError(f"team flow of {department}: accepted places cannot all be filled")
            if result is not None and (final or not improvable([by_department[department][p] for p in part],
                                                               result[0], rules)):
                results[j] = result
                continue
            assert current is not None
            jobs[j] = (department, part, current * 2)
            retry.append(j)
        pending = retry
    progress.done()
    widened = {label: k for label, (_, _, k) in sorted(zip(labels, jobs, strict=True))
               if k is not None and k != bound}
    return jobs, cast("list[PartResult]", results), widened
