"""The optimality certificate (draw protocol 7.5) on hand-made flows: a forced
tie is refused at level 0 and broken at level 1, tampering is named."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from solver import certificate
from solver.certificate import BIG, Place, break_ties, check

# Two places of count 1, both may take a or b (capacity 1 each). Level-0 costs
# make both assignments cost 4: a tie. Level 1 prefers P1 -> b, P2 -> a (1 + 1 < 5 + 7).
LEVEL0 = {"P1": (1, 2), "P2": (2, 3)}
LEVEL1 = {"P1": (5, 1), "P2": (1, 7)}
CAPS = {"a": 1, "b": 1}


def tie_places(first: str, levels: int = 1) -> list[Place]:
    second = "b" if first == "a" else "a"
    return [Place(name, f"U{name}", ("a", "b"), (member,),
                  ((LEVEL0[name], LEVEL1[name])[:levels]))
            for name, member in (("P1", first), ("P2", second))]


def with_levels(places: list[Place], count: int) -> list[Place]:
    return [Place(p.name, p.uscc, p.eligible, p.members, (LEVEL0[p.name], LEVEL1[p.name])[:count + 1])
            for p in places]


def test_a_tie_is_not_certified_by_level_0_alone():
    places = tie_places("a")
    pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(places, CAPS, 0))
    assert pi == {"a": -BIG - 1, "b": -BIG}
    assert check(places, CAPS, [pi]) == ("certificate.levels[1]: the optimum of level 0 is not unique "
                                         "(tight moves form a cycle through a, b)")


def test_the_tie_is_broken_at_level_1_whichever_optimum_the_solver_returned():
    results = []
    for first in ("a", "b"):
        places = tie_places(first)
        pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(places, CAPS, 0))
        assert isinstance(pi, dict)
        levels = break_ties(places, CAPS, pi, with_levels)
        assert len(levels) == 2
        assert check(places, CAPS, levels) is None
        # canonical: level 0 is the Bellman-Ford potential of the final flow, not of the solver's
        assert levels[0] == certificate.shortest_potentials(["a", "b", certificate.SINK],
                                                            certificate.moves(places, CAPS, 0))
        results.append(([p.members for p in places], levels))
    assert results[0] == results[1]
    assert results[0][0] == [("b",), ("a",)]  # the level-1 optimum: 1 + 1 < 5 + 7


def test_the_other_optimum_fails_the_level_1_check():
    places = with_levels(tie_places("b"), 1)
    pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(places, CAPS, 0))
    assert isinstance(pi, dict)
    levels = break_ties(places, CAPS, pi, with_levels)
    other = with_levels(tie_places("a"), 1)
    message = check(other, CAPS, levels)
    assert message is not None and message.startswith("certificate.levels[1]: the move ")
    assert "has reduced cost -" in message


def test_no_tie_needs_one_level_only():
    places = [Place("P1", "U1", ("a", "b"), ("a",), ((5, 9),))]
    caps = {"a": 1, "b": 1}
    pi = certificate.shortest_potentials(["a", "b", certificate.SINK], certificate.moves(places, caps, 0))
    assert pi == {"a": -BIG, "b": -BIG + 4}  # a gives up its unit (-BIG), then a -> b (+4)
    assert check(places, caps, [pi]) is None
    assert check(places, caps, [pi, {}]) == "certificate.levels: 2 levels, expected 1"
    assert check(places, caps, [{"a": pi["a"]}]) == "certificate.levels[0]: no potential for b"


def test_every_single_potential_change_that_breaks_a_bound_is_named():
    """Random small flows: the Bellman-Ford potentials certify the optimal
    assignment, and the certificate rejects every non-optimal one."""
    costs = {"P1": (3, 8, 6), "P2": (7, 2, 9), "P3": (4, 4, 1)}
    eligible = ("a", "b", "c")
    caps = {"a": 1, "b": 2, "c": 1}
    best, best_cost = None, None
    for members in itertools.product(eligible, repeat=3):
        loads = {i: members.count(i) for i in eligible}
        if any(loads[i] > caps[i] for i in eligible):
            continue
        total = sum(costs[p][eligible.index(m)] for p, m in zip(costs, members, strict=True))
        total += sum(BIG * k // caps[i] for i in eligible for k in range(1, loads[i] + 1))
        if best_cost is None or total < best_cost:
            best, best_cost = members, total
    assert best is not None
    for members in itertools.product(eligible, repeat=3):
        loads = {i: members.count(i) for i in eligible}
        if any(loads[i] > caps[i] for i in eligible):
            continue
        places = [Place(p, p, eligible, (m,), (costs[p],)) for p, m in zip(costs, members, strict=True)]
        found = certificate.shortest_potentials([*eligible, certificate.SINK], certificate.moves(places, caps, 0))
        if members == best:
            assert isinstance(found, dict) and check(places, caps, [found]) is None
        else:  # not optimal: a negative cycle, and the optimum's potentials are refused
            assert isinstance(found, list)
            optimal = [Place(p, p, eligible, (m,), (costs[p],)) for p, m in zip(costs, best, strict=True)]
            pi = certificate.shortest_potentials([*eligible, certificate.SINK], certificate.moves(optimal, caps, 0))
            assert isinstance(pi, dict)
            assert "has reduced cost -" in (check(places, caps, [pi]) or "")


class _TieCosts:
    """A RandomCost stand-in: level 0 = LEVEL0 (a tie), level 1 = LEVEL1."""

    def costs(self, uscc: str, ids) -> list[int]:
        return list(LEVEL0[uscc])

    def levels(self, uscc: str, ids, count: int):
        return (LEVEL0[uscc], LEVEL1[uscc])[:count]


def test_the_solver_breaks_a_forced_tie_and_certifies_it():
    """assign._solve_part on the tied flow: whichever optimum OR-Tools
    returns, the teams are the level-1 optimum and the two levels certify them."""
    import numpy as np

    from solver import assign

    slot = SimpleNamespace(eligible=("a", "b"), count=1)
    places = [("P1", slot), ("P2", slot)]
    rules = SimpleNamespace(capacity=CAPS)
    costs = np.array(LEVEL0["P1"] + LEVEL0["P2"], dtype=np.int64)
    teams, levels = assign._solve_part("D", places, rules, costs, _TieCosts())
    assert teams == [("b",), ("a",)]
    assert len(levels) == 2
    solved = [Place(name, name, ("a", "b"), team, (LEVEL0[name], LEVEL1[name]))
              for name, team in zip(("P1", "P2"), teams, strict=True)]
    assert check(solved, CAPS, levels) is None
    assert check(solved, CAPS, levels[:1]).startswith("certificate.levels[1]: the optimum of level 0 is not unique")
