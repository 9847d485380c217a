"""Step 1 of team assignment (protocol 7.2): which visits are staffed at all.

Visits are taken in priority order (``Visit.priority`` ascending, then id). A
visit is accepted iff the visits accepted so far plus this one can all be fully
staffed at once, ignoring pair conflicts: a b-matching in which every place
(visit, department) gets its count of distinct eligible inspectors of that
department and no inspector exceeds their capacity. A visit is staffed
completely or not at all. Because every inspector belongs to one department,
the network splits into one bipartite graph per department; the test keeps a
feasible flow per department and augments the new visit's places one unit at
a time along shortest augmenting paths (breadth-first), rolling the visit back
if a unit cannot be placed. The accepted set depends only on the rule, not on
which feasible flow is held. Shortcuts, all exact:

* a direct hit (an eligible inspector with spare capacity) is taken first, the
  first in the pool's order. A place's candidates are its pool (shared by every
  place of that department, qualifications and jurisdiction) minus a few
  positions cut for the entity (rules 6–8), never copied; a cursor per pool
  passes over the members at capacity, so that a pool of thousands costs a
  direct hit little more than its cuts;
* a department whose free capacity is below the count rejects at once;
* *dead* inspectors — a set closed under the residual graph and all at
  capacity, found when the first unit of a place fails — can never again lie
  on an augmenting path, because later steps only augment; they are skipped
  (a second cursor per pool passes over the dead). A failure after a partial
  augmentation of the same visit proves nothing permanent and marks nothing
  dead;
* the extra flow a place with candidate set X can receive never grows as
  visits are accepted (the max-flow value is submodular in the set of sources),
  so once a place with candidates X got only m units, any later place whose
  candidates are X (or a subset of the pool X came from, when X is that whole
  pool) and whose count exceeds m is rejected at once.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence

from solver import reasons
from solver.eligible import Eligible
from solver.progress import Progress
from solver.team_rules import VISIT_REASONS as _VISIT_RULE_ORDER
from solver.teams import Rules, SlotRequest, VisitRequest

_REPORT_EVERY = 1000
_UNBOUNDED = 1 << 30
_NO_CUT: frozenset[int] = frozenset()

Candidates = tuple[tuple[int, ...], frozenset[int]]  # a pool's local indices (ascending), those cut from it


class _Network:
    """The residual b-matching of one department during acceptance.

    Inspectors are local indices (the department's members by id); ``cands[s]``
    are the candidates of place s, ``used[s]`` the inspectors it currently
    holds, ``users[i]`` the places that hold inspector i.
    """

    def __init__(self, caps: Sequence[int]) -> None:
        n = len(caps)
        self.cap = list(caps)
        self.load = [0] * n
        self.users: list[list[int]] = [[] for _ in range(n)]
        self.dead = bytearray(n)
        self.free = sum(self.cap)
        self.cands: list[Candidates] = []
        self.used: list[list[int]] = []
        self.bound: dict[tuple[int, frozenset[int]], int] = {}  # candidates -> most units such a place can still get
        self.full_before: dict[int, list] = {}  # id(pool) -> [pool, position]: every member before it at capacity
        self.dead_before: dict[int, list] = {}  # id(pool) -> [pool, position]: every member before it dead

    def add_place(self, cands: Candidates) -> int:
        self.cands.append(cands)
        self.used.append([])
        return len(self.cands) - 1

    def drop_last_place(self) -> None:
        self.cands.pop()
        self.used.pop()

    def _cursor(self, cursors: dict[int, list], pool: tuple[int, ...]) -> list:
        entry = cursors.get(id(pool))
        if entry is None:
            entry = cursors[id(pool)] = [pool, 0]
        return entry

    def first_spare(self, s: int) -> int | None:
        """The first candidate of place s in pool order with spare capacity,
        not cut and not already held by s."""
        pool, cut = self.cands[s]
        used, load, cap = self.used[s], self.load, self.cap
        entry = self._cursor(self.full_before, pool)
        k, n = entry[1], len(pool)
        while k < n and load[pool[k]] >= cap[pool[k]]:
            k += 1
        entry[1] = k
        for m in range(k, n):
            i = pool[m]
            if load[i] < cap[i] and i not in cut and i not in used:
                return i
        return None

    def alive(self, cands: Candidates, count: int) -> bool:
        """Whether ``count`` of the candidates are not known to be dead."""
        pool, cut = cands
        dead = self.dead
        entry = self._cursor(self.dead_before, pool)
        k, n = entry[1], len(pool)
        while k < n and dead[pool[k]]:
            k += 1
        entry[1] = k
        alive = 0
        for m in range(k, n):
            i = pool[m]
            if not dead[i] and i not in cut:
                alive += 1
                if alive >= count:
                    return True
        return False

    def at_capacity(self, cands: Candidates) -> int:
        pool, cut = cands
        return sum(1 for i in pool if i not in cut and self.load[i] >= self.cap[i])

    def augment(self, s: int, journal: list) -> list[int] | None:
        """Give place s one more inspector. Returns None on success, else the
        inspectors reached (all at capacity, closed under the residual graph)."""
        direct = self.first_spare(s)
        if direct is not None:
            self._take(s, direct, journal)
            return None
        (pool, cut), used, load, cap, dead = self.cands[s], self.used[s], self.load, self.cap, self.dead
        users, all_cands, all_used = self.users, self.cands, self.used
        reached_from: dict[int, int] = {}  # inspector -> place that reached it
        released: dict[int, int] = {s: -1}  # place -> inspector it would give up
        queue = []
        for i in pool:
            if not dead[i] and i not in cut and i not in used and i not in reached_from:
                reached_from[i] = s
                queue.append(i)
        head = 0
        while head < len(queue):
            i = queue[head]
            head += 1
            for t in users[i]:
                if t in released:
                    continue
                released[t] = i
                held = all_used[t]
                t_pool, t_cut = all_cands[t]
                for j in t_pool:
                    if j in reached_from or dead[j] or j in held or j in t_cut:
                        continue
                    reached_from[j] = t
                    if load[j] < cap[j]:
                        self._flip(s, j, reached_from, released, journal)
                        return None
                    queue.append(j)
        return queue

    def _take(self, s: int, i: int, journal: list) -> None:
        self.used[s].append(i)
        self.users[i].append(s)
        self.load[i] += 1
        self.free -= 1
        journal.append((s, -1, i))
        journal.append((-1, i, -1))

    def _flip(self, s: int, end: int, reached_from: dict[int, int], released: dict[int, int], journal: list) -> None:
        j = end
        t = reached_from[j]
        while t != s:
            i = released[t]
            held = self.used[t]
            held[held.index(i)] = j
            self.users[i].remove(t)
            self.users[j].append(t)
            journal.append((t, i, j))
            j = i
            t = reached_from[j]
        self.used[s].append(j)
        self.users[j].append(s)
        journal.append((s, -1, j))
        self.load[end] += 1
        self.free -= 1
        journal.append((-1, end, -1))

    def rollback(self, journal: list) -> None:
        """Undo the changes recorded in ``journal`` (newest first)."""
        lowest = None  # the lowest inspector whose load went down
        for t, old, new in reversed(journal):
            if t == -1:  # the load of a path's end
                self.load[old] -= 1
                self.free += 1
                lowest = old if lowest is None else min(lowest, old)
            elif old == -1:  # place t took ``new``
                self.used[t].remove(new)
                self.users[new].remove(t)
            else:  # place t moved from ``old`` to ``new``
                held = self.used[t]
                held[held.index(new)] = old
                self.users[new].remove(t)
                self.users[old].append(t)
        journal.clear()
        if lowest is not None:  # members from there on may have spare capacity again
            for entry in self.full_before.values():
                entry[1] = min(entry[1], bisect_left(entry[0], lowest))


def accept_visits(ordered: Sequence[VisitRequest], rules: Rules, progress: Progress,
                  count_full: bool = True) -> tuple[list[VisitRequest], dict[str, reasons.Reason]]:
    """The accepted visits (in the given order) and the reasons of the others.
    ``count_full``: give a capacity reason the number of candidates at capacity
    (only format /1's text shows it)."""
    departments = sorted(set(rules.members) | {d.id for d in rules.instance.departments})
    members = {d: tuple(i.id for i in rules.members.get(d, ())) for d in departments}
    index = {d: {inspector_id: k for k, inspector_id in enumerate(ids)} for d, ids in members.items()}
    nets = {d: _Network([rules.capacity[i] for i in ids]) for d, ids in members.items()}
    local: dict[int, tuple[int, ...]] = {}  # id() of a pool's ``qualified`` (kept by ``rules``) -> local indices
    own: dict[tuple[str, tuple[str, ...]], tuple[int, ...]] = {}
    cuts: dict[int, frozenset[int]] = {}  # id() of an Eligible view (the places of a district share one) -> its cut
    accepted: list[VisitRequest] = []
    unfilled: dict[str, reasons.Reason] = {}
    for n, request in enumerate(ordered, 1):
        if n % _REPORT_EVERY == 0:
            progress.advance(_REPORT_EVERY)
        reason = _shortage_reason(request)
        if reason is None:
            places = []
            for slot in request.slots:
                department_index = index[slot.department]
                qualified = slot.pool.qualified
                shared = local.get(id(qualified))  # the pool's candidates, shared by many places
                if shared is None:
                    shared = local[id(qualified)] = tuple(department_index[i] for i in qualified)
                eligible = slot.eligible
                if eligible is qualified:
                    cands: Candidates = (shared, _NO_CUT)
                elif (isinstance(eligible, Eligible) and eligible.pool is qualified
                      and len(eligible.cut) == len(slot.excluded)):
                    cut = cuts.get(id(eligible))
                    if cut is None:
                        cut = cuts[id(eligible)] = frozenset(shared[k] for k in eligible.cut)
                    cands = (shared, cut)
                else:  # not a pool's subset (requests built by hand): a pool of its own, kept
                    kept = own.setdefault((slot.department, tuple(eligible)),
                                          tuple(department_index[i] for i in eligible))
                    cands = (kept, _NO_CUT)
                places.append((slot, nets[slot.department], cands))
            reason = _augment_visit(places, count_full)
        if reason is None:
            accepted.append(request)
        else:
            unfilled[request.visit.id] = reason
    progress.advance(len(ordered) % _REPORT_EVERY)
    return accepted, unfilled


def _shortage_reason(request: VisitRequest) -> reasons.Reason | None:
    """Departments with fewer eligible inspectors than places, whatever the load."""
    shortages = []
    for slot in request.slots:
        if len(slot.eligible) < slot.count:
            dropped = list(slot.pool.dropped)
            per_visit: dict[str, int] = {}
            for _, why in slot.excluded:
                per_visit[why] = per_visit.get(why, 0) + 1
            dropped += [(why, per_visit[why]) for why in _VISIT_RULE_ORDER if why in per_visit]
            shortages.append(reasons.Shortage(slot.department, slot.count, tuple(sorted(slot.qualifications)),
                                              slot.pool.members, len(slot.eligible), tuple(dropped)))
    return reasons.too_few_eligible(shortages) if shortages else None


def _capacity_reason(slot: SlotRequest, net: _Network, cands: Candidates, count_full: bool) -> reasons.Reason:
    full = net.at_capacity(cands) if count_full else 0
    return reasons.capacity(slot.department, slot.count, len(slot.eligible), at_capacity=full)


def _cannot_fill_quickly(slot: SlotRequest, net: _Network, cands: Candidates) -> bool:
    """Exact rejections that need no search (see the module docstring)."""
    count = slot.count
    pool, cut = cands
    bound = min(net.bound.get((id(pool), cut), _UNBOUNDED), net.bound.get((id(pool), _NO_CUT), _UNBOUNDED))
    if net.free < count or bound < count:
        return True
    return not net.alive(cands, count)


def _augment_visit(places: list, count_full: bool) -> reasons.Reason | None:
    """Place every unit of the visit, department by department, or roll the
    visit back and name the first department whose place cannot be filled."""
    journals = []
    failed = None
    for slot, net, cands in places:
        if _cannot_fill_quickly(slot, net, cands):
            failed = (slot, net, cands)
            break
        s = net.add_place(cands)
        journal: list = []
        journals.append((net, journal))
        for unit in range(slot.count):
            reached = net.augment(s, journal)
            if reached is None:
                continue
            if unit == 0:  # this department's flow is the committed one: a proof for good
                for i in reached:
                    net.dead[i] = 1
            key = (id(cands[0]), cands[1])
            net.bound[key] = min(net.bound.get(key, _UNBOUNDED), unit)
            failed = (slot, net, cands)
            break
        if failed:
            break
    if failed is None:
        return None
    for net, journal in reversed(journals):
        net.rollback(journal)
        net.drop_last_place()
    return _capacity_reason(*failed, count_full)
