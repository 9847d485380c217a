"""The optimality certificate of the team flows (draw protocol 7.5).

The teams of 7.3 are a min-cost b-flow. Contract each place into the arcs
through it: a *move* ``j -> i`` via place p (j a member of p, i an eligible
non-member) costs ``c(p, i) - c(p, j)``; the sink ``""`` has a move ``"" -> i``
of cost ``-b(L_i)`` (i gives up its costliest unit, L_i >= 1) and ``i -> ""`` of
cost ``b(L_i + 1)`` (i takes one more, L_i < cap_i), b the balance cost of
:func:`solver.assign.balance_cost`. Every cycle of the residual graph is a
cycle of moves of the same cost, so the teams are optimal iff integer
potentials ``pi`` (``pi[""] = 0``) give every move a reduced cost
``w + pi[u] - pi[v] >= 0``, and the optimum is unique iff the *tight* moves
(reduced cost 0) form no cycle.

Ties are broken lexicographically: level k >= 1 costs a place arc
``c_k(p, i)`` = bytes 3k..3k+2 of the same HMAC as ``r`` (the sink moves cost
0), and only the moves tight at every earlier level whose ends lie in one
strongly connected component of the previous level's tight moves take part.
The certificate gives one potential map per level; the last level's tight
moves are acyclic.

>>> places = [Place("V1 D", "U1", ("a", "b"), ("a",), ((5, 9),))]
>>> caps = {"a": 1, "b": 1}
>>> check(places, caps, [{"a": -BIG, "b": -BIG}]) is None
True
>>> check(places, caps, [{"a": -BIG, "b": -BIG + 5}])
'certificate.levels[0]: the move a -> b via place V1 D has reduced cost -1, so the teams are not optimal'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from solver import messages

SINK = ""
MAX_LEVELS = 10  # 30 of the HMAC's 32 bytes
BIG = 2**40  # balance_cost(1, 1)


@dataclass(frozen=True, slots=True)
class Place:
    """One department's place on a staffed visit, as the certificate sees it."""

    name: str  # "visit id department", for messages
    uscc: str
    eligible: tuple[str, ...]
    members: tuple[str, ...]
    costs: tuple[tuple[int, ...], ...]  # costs[k] = level-k cost of each eligible inspector


Move = tuple[str, str, int, str]  # tail, head, level cost, place name ("" for the sink)


def _balance(k: int, cap: int) -> int:
    return BIG * k // cap


def loads_of(places: Sequence[Place]) -> dict[str, int]:
    loads: dict[str, int] = {}
    for place in places:
        for i in place.members:
            loads[i] = loads.get(i, 0) + 1
    return loads


def moves(places: Sequence[Place], caps: Mapping[str, int], level: int) -> list[Move]:
    """Every move of the contracted residual graph with its level cost."""
    out: list[Move] = []
    for place in places:
        costs = dict(zip(place.eligible, place.costs[level], strict=True))
        members = set(place.members)
        for j in place.members:
            for i in place.eligible:
                if i not in members:
                    out.append((j, i, costs[i] - costs[j], place.name))
    loads = loads_of(places)
    nodes = sorted({i for place in places for i in place.eligible})
    for i in nodes:
        load, cap = loads.get(i, 0), caps[i]
        if load >= 1:
            out.append((SINK, i, -_balance(load, cap) if level == 0 else 0, SINK))
        if load < cap:
            out.append((i, SINK, _balance(load + 1, cap) if level == 0 else 0, SINK))
    return out


def cyclic_nodes(edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Node -> component number, for the nodes of the strongly connected
    components with a cycle (iterative Tarjan; edges between distinct nodes).

    >>> sorted(cyclic_nodes([("a", "b"), ("b", "a"), ("b", "c")]).items())
    [('a', 0), ('b', 0)]
    """
    succ: dict[str, list[str]] = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
        succ.setdefault(v, [])
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: dict[str, int] = {}
    components = 0
    for root in sorted(succ):
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, k = work.pop()
            if k == 0:
                index[node] = low[node] = len(index)
                stack.append(node)
                on.add(node)
            if k < len(succ[node]):
                work.append((node, k + 1))
                nxt = succ[node][k]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    members.append(top)
                    if top == node:
                        break
                if len(members) > 1:
                    for m in members:
                        out[m] = components
                    components += 1
    return out


def _restrict(level_moves: list[Move], keep: set[tuple[str, str, str]], component: Mapping[str, int]) -> list[Move]:
    return [m for m in level_moves if (m[0], m[1], m[3]) in keep
            and m[0] in component and component.get(m[1], -1) == component[m[0]]]


def check(places: Sequence[Place], caps: Mapping[str, int], levels: Sequence[Mapping[str, int]]) -> str | None:
    """The first reason the potentials ``levels`` do not certify the members
    of ``places`` as the protocol's unique optimum, or None."""
    keep: set[tuple[str, str, str]] | None = None
    component: dict[str, int] = {}
    for level in range(MAX_LEVELS):
        at = f"certificate.levels[{level}]"
        if level >= len(levels):  # level - 1 has a tie (a nonempty component)
            return messages.certificate_tie(at, level - 1, component)
        level_moves = moves(places, caps, level)
        if keep is not None:
            level_moves = _restrict(level_moves, keep, component)
        pi = levels[level]
        tight = []
        for u, v, w, place in level_moves:
            for node in (u, v):
                if node != SINK and node not in pi:
                    return messages.certificate_no_potential(at, node)
            reduced = w + pi.get(u, 0) - pi.get(v, 0)
            if reduced < 0:
                return messages.certificate_negative_move(at, u, v, place, reduced)
            if reduced == 0:
                tight.append((u, v, place))
        component = cyclic_nodes([(u, v) for u, v, _ in tight])
        keep = set(tight)
        if not component:
            return None if len(levels) == level + 1 else messages.certificate_level_count(len(levels), level + 1)
    return messages.certificate_not_unique()


def shortest_potentials(nodes: Sequence[str], level_moves: Sequence[Move]) -> dict[str, int] | list[Move]:
    """Bellman–Ford distances from a virtual root (0 to every node), shifted
    so that the sink's is 0 when it is among ``nodes``; or a negative cycle."""
    dist = dict.fromkeys(nodes, 0)
    parent: dict[str, Move] = {}
    for _ in range(len(nodes) + 1):
        changed: str | None = None
        for move in level_moves:
            u, v, w, _ = move
            if dist[u] + w < dist[v]:
                dist[v] = dist[u] + w
                parent[v] = move
                changed = v
        if changed is None:
            shift = dist.get(SINK, 0)
            return {n: d - shift for n, d in dist.items() if n != SINK}
    assert changed is not None
    node = changed
    for _ in range(len(nodes)):
        node = parent[node][0]
    cycle, at = [], node
    while True:
        move = parent[at]
        cycle.append(move)
        at = move[0]
        if at == node:
            return cycle[::-1]


def _apply(places: list[Place], cycle: Sequence[Move]) -> None:
    by_name = {p.name: n for n, p in enumerate(places)}
    for j, i, _, name in cycle:
        if name:
            n = by_name[name]
            place = places[n]
            members = tuple(sorted([m for m in place.members if m != j] + [i]))
            places[n] = Place(place.name, place.uscc, place.eligible, members, place.costs)


def break_ties(places: list[Place], caps: Mapping[str, int], first: Mapping[str, int],
               level_costs: Callable[[list[Place], int], list[Place]]) -> list[dict[str, int]]:
    """Given level-0 potentials ``first`` of an optimal flow, move ``places``
    (in place) to the lexicographic optimum and return every level's
    potentials, each the canonical one of the final flow (Bellman–Ford, as
    7.5 defines it), whichever optimum the solver returned.
    ``level_costs(places, k)`` returns the places with costs of levels 0..k."""
    levels, moved = _levels(places, caps, first, level_costs)
    if not moved:
        return levels
    nodes = sorted({i for place in places for i in place.eligible} | {SINK})
    canonical = shortest_potentials(nodes, moves(places, caps, 0))
    assert isinstance(canonical, dict), "the lexicographic optimum is optimal at level 0"
    levels, moved = _levels(places, caps, canonical, level_costs)
    assert not moved
    return levels


def _levels(places: list[Place], caps: Mapping[str, int], first: Mapping[str, int],
            level_costs: Callable[[list[Place], int], list[Place]]) -> tuple[list[dict[str, int]], bool]:
    """The levels of :func:`break_ties`, and whether any member moved."""
    levels = [dict(first)]
    keep: set[tuple[str, str, str]] = set()
    component: dict[str, int] = {}
    moved = False
    for level in range(MAX_LEVELS):
        pi = levels[level]
        level_moves = moves(places, caps, level)
        if level:
            level_moves = _restrict(level_moves, keep, component)
        tight = [(u, v, p) for u, v, w, p in level_moves if w + pi.get(u, 0) - pi.get(v, 0) == 0]
        component = cyclic_nodes([(u, v) for u, v, _ in tight])
        if not component:
            return levels, moved
        keep = set(tight)
        if level + 1 == MAX_LEVELS:
            break
        places[:] = level_costs(places, level + 1)
        nodes = sorted(component)
        while True:
            candidates = _restrict(moves(places, caps, level + 1), _tight_before(places, caps, levels), component)
            found = shortest_potentials(nodes, candidates)
            if isinstance(found, dict):
                levels.append(found)
                break
            _apply(places, found)
            moved = True
    raise AssertionError("team flow: the optimum is not unique after every tie-break level")


def _tight_before(places: Sequence[Place], caps: Mapping[str, int],
                  levels: Sequence[Mapping[str, int]]) -> set[tuple[str, str, str]]:
    """The moves tight at every level of ``levels`` (restricting level k to
    the components of level k - 1 as in :func:`check`)."""
    keep: set[tuple[str, str, str]] | None = None
    component: dict[str, int] = {}
    for level, pi in enumerate(levels):
        level_moves = moves(places, caps, level)
        if keep is not None:
            level_moves = _restrict(level_moves, keep, component)
        tight = [(u, v, p) for u, v, w, p in level_moves if w + pi.get(u, 0) - pi.get(v, 0) == 0]
        component = cyclic_nodes([(u, v) for u, v, _ in tight])
        keep = set(tight)
    assert keep is not None
    return keep
