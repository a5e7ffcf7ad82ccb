"""What the fold of a cooperative's history holds at any point of it, without folding
everything before that point: so that a command dated in the past is decided and judged
at about the cost of one dated today, whatever the history's length.

The fold (`timeline.apply`, in `sort_key` order) stays THE meaning of every event; this
index only keeps, for the corrected history as folded (events left out of the fold as
structurally impossible are left out here too):
  * each member's own entries: nothing but its own events and the transfers it is party
    to touch a member or its subscriptions, so its state at a point is the fold of those
    alone;
  * the change each entry made to the capital, in blocks that keep their sums and the
    highest subscribed capital reached inside them (R5's highest capital is a running
    maximum);
  * the entries few enough to fold from the start at every look: withdrawals,
    reimbursements, payouts and former members' payments (the R5 queue), statutes
    versions, funding events.
`view(point)` is a `Fold` as it stood just before `point` (a sort key): its members and
subscriptions are folded on first read, the rest is summed from the blocks.

Which later events a back-dated entry can change the verdict of (`later_readers`) is
written next to the judges in timeline.py."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from dataclasses import dataclass, field, fields, replace
from datetime import date
from operator import add
from typing import TYPE_CHECKING, TypeVar

from scic.domain import esus, grants, titles
from scic.domain.cooperative import CoopRegistered, StatutesAmended
from scic.domain.fold import Fold, apply
from scic.domain.members import MemberAdmitted, MemberCategoryChanged
from scic.domain.shares import (
    MemberWithdrew,
    OwedCallPaid,
    ReimbursementPaidOut,
    SharesReimbursed,
    SharesSubscribed,
    SharesTransferred,
)
from scic.domain.state import (
    CapitalState,
    CoopState,
    Holding,
    MemberState,
    SubscriptionState,
)

if TYPE_CHECKING:
    from scic.domain.timeline import Entry

Key = tuple[date, int]
END: Key = (date.max, 2**62)
"""A point after every entry."""

SUMMED = tuple(f.name for f in fields(CapitalState) if f.name != "highest_subscribed_cents")
_SUBSCRIBED = SUMMED.index("subscribed_cents")
_BLOCK = 256

Delta = tuple[int, ...]
"""What one entry changed in the capital, field by field of `SUMMED`."""

ZERO: Delta = (0,) * len(SUMMED)


def delta(before: CapitalState | None, after: CapitalState | None) -> Delta:
    if after is None:
        return ZERO
    if before is None:
        before = CapitalState()
    return tuple(getattr(after, name) - getattr(before, name) for name in SUMMED)


def key_of(entry: Entry) -> Key:
    return (entry.on, entry.position)


def members_of(entry: Entry) -> tuple[str, ...]:
    """The members whose state the entry changes."""
    e = entry.event
    if isinstance(e, SharesTransferred):
        return (e.from_member_id, e.to_member_id)
    member_id = getattr(e, "member_id", None)
    return (member_id,) if isinstance(member_id, str) else ()


QUEUE = (MemberWithdrew, SharesReimbursed, ReimbursementPaidOut, OwedCallPaid)
"""The R5 queue: a former member's payment while its reimbursement waits is in it (R7: it
lowers that reimbursement's set-off)."""
FUNDING = (*grants.EVENTS, *titles.EVENTS, *esus.EVENTS)
"""What `funding_timeline.apply` folds."""
RECOUNTS = (StatutesAmended, MemberCategoryChanged)
"""Events whose capital change is a recount over every member (R3's public part): an
entry inserted before one changes what it changed, which the index cannot patch."""


@dataclass
class _Block:
    """A run of consecutive entries: their changes, and the sums and running highest
    subscribed capital after each, counted from the block's start."""

    keys: list[Key] = field(default_factory=list)
    deltas: list[Delta] = field(default_factory=list)
    sums: list[Delta] = field(default_factory=list)
    peaks: list[int] = field(default_factory=list)

    def refresh(self, start: int = 0) -> None:
        """Recount from entry `start` on."""
        del self.sums[start:], self.peaks[start:]
        running = list(self.sums[start - 1]) if start else [0] * len(SUMMED)
        peak = self.peaks[start - 1] if start else 0
        for d in self.deltas[start:]:
            running = list(map(add, running, d))
            peak = max(peak, running[_SUBSCRIBED])
            self.sums.append(tuple(running))
            self.peaks.append(peak)

    @property
    def total(self) -> Delta:
        return self.sums[-1] if self.sums else ZERO

    @property
    def peak(self) -> int:
        return self.peaks[-1] if self.peaks else 0


def _merge(left: tuple[Delta, int], right: tuple[Delta, int]) -> tuple[Delta, int]:
    """Two runs of entries one after the other: their sums, and the highest running
    subscribed capital over both (R5's highest capital)."""
    (left_sums, left_peak), (right_sums, right_peak) = left, right
    peak = max(left_peak, left_sums[_SUBSCRIBED] + right_peak)
    return tuple(map(add, left_sums, right_sums)), peak


T = TypeVar("T")


def _insort(items: list[T], keys: list[Key], key: Key, item: T) -> None:
    i = bisect.bisect_left(keys, key)
    keys.insert(i, key)
    items.insert(i, item)


def _remove(items: list[T], keys: list[Key], key: Key, item: T) -> None:
    i = bisect.bisect_left(keys, key)
    assert i < len(keys) and keys[i] == key, key
    del keys[i]
    del items[i]


class HistoryIndex:
    """The corrected history as folded, indexed (see the module's docstring)."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = [_Block()]
        self.first_keys: list[Key] = [(date.min, 0)]
        self._tree: list[tuple[Delta, int]] | None = None
        self._size = 1
        self.members: dict[str, tuple[list[Key], list[Entry]]] = {}
        self.owners: dict[str, str] = {}
        """subscription id → its member."""
        self.queue: tuple[list[Key], list[Entry]] = ([], [])
        self.funding: tuple[list[Key], list[Entry]] = ([], [])
        self.statutes: tuple[list[Key], list[Entry]] = ([], [])
        self.recounts: list[Key] = []
        self.registered: Entry | None = None
        self.all_public = False
        """Was the capital ever all public bodies' (R3, `timeline.only_eases`)? Never
        unset: an entry taken back leaves it as it was."""
        self.foreign = False
        """An entry folded names a subscription of another member than its own (no
        decider writes one): members' entries no longer hold their subscriptions'."""
        self.categories: dict[str, set[str]] = {}
        """Every category each member was admitted in or changed to."""
        self.public_categories: set[str] = set()
        """Categories public (R3) in some statutes version."""
        self.public_members: set[str] = set()
        """Members once in a public category (their R3 checks read the capital)."""

    # -- keeping it -----------------------------------------------------------------

    def add(self, entry: Entry, change: Delta, after: CapitalState | None = None) -> None:
        """Index an entry folded into the history (anywhere in it); `after`: the capital
        once it was folded."""
        if after is not None and 0 < after.subscribed_cents <= after.public_subscribed_cents:
            self.all_public = True
        key = key_of(entry)
        b = bisect.bisect_right(self.first_keys, key) - 1
        block = self.blocks[b]
        i = bisect.bisect_left(block.keys, key)
        block.keys.insert(i, key)
        block.deltas.insert(i, change)
        block.refresh(i)
        if len(block.keys) > 2 * _BLOCK:
            half = len(block.keys) // 2
            tail = _Block(block.keys[half:], block.deltas[half:])
            del block.keys[half:], block.deltas[half:]
            block.refresh(half)
            tail.refresh()
            self.blocks.insert(b + 1, tail)
            self.first_keys.insert(b + 1, tail.keys[0])
            self._tree = None
        else:
            self._update(b)
        self.foreign = self.foreign or self.foreign_to(entry)
        self._classify(entry, key, add=True)

    def foreign_to(self, entry: Entry) -> bool:
        """Does the entry name a subscription held by another member than its own?"""
        sub_id = getattr(entry.event, "subscription_id", None)
        member_id = getattr(entry.event, "member_id", None)
        owner = self.owners.get(sub_id) if isinstance(sub_id, str) else None
        return owner is not None and owner != member_id

    def remove(self, entry: Entry) -> None:
        """Take back an entry `add`ed (a refused or dry-run insert)."""
        key = key_of(entry)
        b = bisect.bisect_right(self.first_keys, key) - 1
        block = self.blocks[b]
        i = bisect.bisect_left(block.keys, key)
        assert block.keys[i] == key, key
        del block.keys[i], block.deltas[i]
        block.refresh(i)
        self._update(b)
        self._classify(entry, key, add=False)

    # The blocks' sums and peaks in a segment tree (leaves in block order), so that the
    # capital before a block is O(log blocks) and a block's change updates O(log) nodes.

    def _built(self) -> list[tuple[Delta, int]]:
        if self._tree is None:
            size = 1
            while size < len(self.blocks):
                size *= 2
            tree: list[tuple[Delta, int]] = [(ZERO, 0)] * (2 * size)
            for b, block in enumerate(self.blocks):
                tree[size + b] = (block.total, block.peak)
            for node in range(size - 1, 0, -1):
                tree[node] = _merge(tree[2 * node], tree[2 * node + 1])
            self._tree, self._size = tree, size
        return self._tree

    def _update(self, b: int) -> None:
        if self._tree is None:
            return
        tree, node = self._tree, self._size + b
        block = self.blocks[b]
        tree[node] = (block.total, block.peak)
        node //= 2
        while node:
            tree[node] = _merge(tree[2 * node], tree[2 * node + 1])
            node //= 2

    def _before_block(self, b: int) -> tuple[Delta, int]:
        """The sums and the highest subscribed capital before block `b`."""
        tree = self._built()
        sums, highest = ZERO, 0
        node, lo, hi = 1, 0, self._size
        while hi - lo > 1 and b > lo:
            mid = (lo + hi) // 2
            if b >= mid:
                left_sums, left_peak = tree[2 * node]
                highest = max(highest, sums[_SUBSCRIBED] + left_peak)
                sums = tuple(map(add, sums, left_sums))
                node, lo = 2 * node + 1, mid
            else:
                node, hi = 2 * node, mid
        if hi - lo == 1 and b > lo:
            leaf_sums, leaf_peak = tree[node]
            highest = max(highest, sums[_SUBSCRIBED] + leaf_peak)
            sums = tuple(map(add, sums, leaf_sums))
        return sums, highest

    def _classify(self, entry: Entry, key: Key, add: bool) -> None:
        """Files the entry under what it concerns. Taking an entry back leaves the R3
        classification as it was: a member counted public once more only costs a
        re-judge."""
        e = entry.event
        change = _insort if add else _remove
        for member_id in members_of(entry):
            keys, entries = self.members.setdefault(member_id, ([], []))
            change(entries, keys, key, entry)
        if isinstance(e, QUEUE):
            change(self.queue[1], self.queue[0], key, entry)
        if isinstance(e, StatutesAmended):
            change(self.statutes[1], self.statutes[0], key, entry)
        if isinstance(e, RECOUNTS):
            if add:
                bisect.insort(self.recounts, key)
            else:
                self.recounts.remove(key)
        if isinstance(e, SharesSubscribed):
            if add:
                self.owners[e.subscription_id] = e.member_id
            else:
                self.owners.pop(e.subscription_id, None)
        if isinstance(e, CoopRegistered):
            self.registered = entry if add else None
        if add and isinstance(e, CoopRegistered | StatutesAmended):
            public = {c.code for c in e.statutes.categories if c.public_body}
            if not public <= self.public_categories:
                self.public_categories |= public
                self.public_members = {
                    m for m, held in self.categories.items() if held & self.public_categories
                }
        if add and isinstance(e, MemberAdmitted | MemberCategoryChanged):
            self.categories.setdefault(e.member_id, set()).add(e.category)
            if e.category in self.public_categories:
                self.public_members.add(e.member_id)
        if isinstance(e, FUNDING):
            change(self.funding[1], self.funding[0], key, entry)

    # -- reading it -----------------------------------------------------------------

    def capital_before(self, point: Key) -> CapitalState:
        """The capital as folded just before `point`."""
        b = bisect.bisect_left(self.first_keys, point) - 1
        sums, highest = self._before_block(b)
        block = self.blocks[b]
        i = bisect.bisect_left(block.keys, point)
        if i:
            highest = max(highest, sums[_SUBSCRIBED] + block.peaks[i - 1])
            sums = tuple(map(add, sums, block.sums[i - 1]))
        summed = dict(zip(SUMMED, sums, strict=True))
        return CapitalState(**summed, highest_subscribed_cents=highest)

    def last_date_before(self, point: Key) -> date:
        b = bisect.bisect_left(self.first_keys, point) - 1
        while b >= 0:
            keys = self.blocks[b].keys
            i = bisect.bisect_left(keys, point)
            if i > 0:
                return keys[i - 1][0]
            b -= 1
        return date.min

    def entries_of(self, member_id: str, after: Key, before: Key = END) -> list[Entry]:
        keys, entries = self.members.get(member_id, ([], []))
        return entries[bisect.bisect_right(keys, after) : bisect.bisect_left(keys, before)]

    def later_readers(self, point: Key, reads: Callable[[Entry, set[str]], bool]) -> list[Entry]:
        """Entries after `point` whose judges read the capital or the R5 queue: the ones
        `reads` (`timeline.reads_capital`) names."""
        found: list[Entry] = []
        for keys, entries in (self.queue, self.statutes):
            found.extend(e for e in entries[bisect.bisect_right(keys, point) :])
        for member_id in self.public_members:
            found.extend(self.entries_of(member_id, point))
        return [e for e in found if reads(e, self.public_members)]

    def recount_after(self, point: Key) -> bool:
        return bool(self.recounts) and self.recounts[-1] > point

    def view(self, point: Key) -> Fold:
        """The fold just before `point` (a decider's state as at a date)."""
        from scic.domain import funding_timeline

        registered = self.registered
        if registered is None or key_of(registered) >= point:
            return Fold()
        coop = self._coop_before(point, CapitalState())
        queue = _scratch(coop)
        keys, entries = self.queue
        for entry in entries[: bisect.bisect_left(keys, point)]:
            apply(queue, entry)
        state = Fold(
            CoopState(
                coop.coop_id,
                coop.incorporated_on,
                coop.statutes_versions,
                self.capital_before(point),
                list(_coop_of(queue).pending),
            ),
            _members_at(self, point, coop),
            _subscriptions_at(self, point, coop),
            queue.withdrawals,
            queue.reimbursements,
            self.last_date_before(point),
        )
        keys, entries = self.funding
        for entry in entries[: bisect.bisect_left(keys, point)]:
            funding_timeline.apply(state.funding, entry.event, entry.on)
        return state

    def member_before(self, member_id: str, point: Key, coop: CoopState) -> Fold:
        """The fold of one member's own entries before `point` (its state and its
        subscriptions'; the capital in it means nothing)."""

        scratch = _scratch(coop)
        keys, entries = self.members.get(member_id, ([], []))
        for entry in entries[: bisect.bisect_left(keys, point)]:
            apply(scratch, entry)
        return scratch

    def _coop_before(self, point: Key, capital: CapitalState) -> CoopState:
        registered = self.registered
        assert registered is not None and isinstance(registered.event, CoopRegistered)
        versions = [(registered.on, registered.event.statutes)]
        keys, entries = self.statutes
        for entry in entries[: bisect.bisect_left(keys, point)]:
            assert isinstance(entry.event, StatutesAmended)
            versions.append((entry.on, entry.event.statutes))
        return CoopState(registered.event.coop_id, registered.on, versions, capital)


class Walk:
    """Views just before entries taken in timeline order (the re-judging of an insert),
    each member and the queue folded forward once: judging a member's later entries costs
    its entries, not their square. Entries `add`ed to the index during the walk at the
    point being judged are folded when the walk passes them."""

    def __init__(self, index: HistoryIndex) -> None:
        self.index = index
        self.coop = index._coop_before(END, CapitalState())
        """The statutes do not change during a walk: it starts after the last amendment
        (`recount_after`)."""
        self.folds: dict[str, tuple[Fold, int]] = {}
        self.queue: tuple[Fold, int] = (_scratch(self.coop), 0)

    def view(self, entry: Entry, own: bool, reads_capital: bool) -> Fold:
        """The fold just before `entry`, holding its members and their subscriptions.
        `own`: for an entry about to be folded into it (its maps are copies).
        `reads_capital`: its judge's verdict depends on the capital; when it does not (and
        it is not folded), the capital is left at zero rather than summed."""

        point = key_of(entry)
        index = self.index
        capital = index.capital_before(point) if own or reads_capital else CapitalState()
        coop = replace(self.coop, capital=capital)
        members: dict[str, MemberState] = {}
        subscriptions: dict[str, SubscriptionState] = {}
        for member_id in members_of(entry):
            folded = self._forward(member_id, point)
            found = folded.members.get(member_id)
            if found is not None and found.category:
                members[member_id] = found
            subscriptions.update(folded.subscriptions)
        queue = self._forward_queue(point)
        withdrawals, reimbursements = queue.withdrawals, queue.reimbursements
        return Fold(
            replace(coop, pending=list(_coop_of(queue).pending)),
            members,
            subscriptions,
            dict(withdrawals) if own else withdrawals,
            dict(reimbursements) if own else reimbursements,
            index.last_date_before(point),
        )

    def member(self, member_id: str) -> tuple[MemberState | None, Fold]:
        """The member at the end of history and the fold holding its subscriptions."""
        folded = self._forward(member_id, END)
        found = folded.members.get(member_id)
        return (found if found is not None and found.category else None), folded

    def queue_at_end(self) -> Fold:
        return self._forward_queue(END)

    def _forward(self, member_id: str, point: Key) -> Fold:

        folded, i = self.folds.get(member_id) or (_scratch(self.coop), 0)
        keys, entries = self.index.members.get(member_id, ([], []))
        while i < len(keys) and keys[i] < point:
            apply(folded, entries[i])
            i += 1
        self.folds[member_id] = (folded, i)
        return folded

    def _forward_queue(self, point: Key) -> Fold:

        folded, i = self.queue
        keys, entries = self.index.queue
        while i < len(keys) and keys[i] < point:
            apply(folded, entries[i])
            i += 1
        self.queue = (folded, i)
        return folded


def _coop_of(state: Fold) -> CoopState:
    assert state.coop is not None
    return state.coop


class _Placeholders(dict[str, MemberState]):
    """Members a scratch fold meets only as the other party of a transfer, or as the
    member of a queue event: their own state is folded elsewhere."""

    def __missing__(self, member_id: str) -> MemberState:
        placeholder = MemberState(member_id, "", date.min, "active", None, Holding(), Holding())
        self[member_id] = placeholder
        return placeholder


def _scratch(coop: CoopState) -> Fold:

    versions = coop.statutes_versions
    state = Fold(CoopState(coop.coop_id, coop.incorporated_on, versions, CapitalState()))
    state.members = _Placeholders()
    return state


V = TypeVar("V")


class _FoldedOnRead(MutableMapping[str, V]):
    """States as at a point, each folded on first read (`fold_one`: None for one not
    there yet); `ids`: every id that may be there."""

    def __init__(
        self, ids: Callable[[], Iterable[str]], fold_one: Callable[[str], V | None]
    ) -> None:
        self.ids, self.fold_one = ids, fold_one
        self.known: dict[str, V | None] = {}

    def __getitem__(self, key: str) -> V:
        if key not in self.known:
            self.known[key] = self.fold_one(key)
        found = self.known[key]
        if found is None:
            raise KeyError(key)
        return found

    def __setitem__(self, key: str, state: V) -> None:
        self.known[key] = state

    def __delitem__(self, key: str) -> None:
        self.known[key] = None

    def __iter__(self) -> Iterator[str]:
        return (k for k in list(self.ids()) if k in self)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _members_at(index: HistoryIndex, point: Key, coop: CoopState) -> _FoldedOnRead[MemberState]:
    """The members as at a point, each folded from its own entries on first read."""

    def fold_one(member_id: str) -> MemberState | None:
        found = index.member_before(member_id, point, coop).members.get(member_id)
        return found if found is not None and found.category else None

    return _FoldedOnRead(lambda: index.members, fold_one)


def _subscriptions_at(
    index: HistoryIndex, point: Key, coop: CoopState
) -> _FoldedOnRead[SubscriptionState]:
    """The subscriptions as at a point, folded with their member's entries."""

    def fold_one(sub_id: str) -> SubscriptionState | None:
        owner = index.owners.get(sub_id)
        if owner is None:
            return None
        return index.member_before(owner, point, coop).subscriptions.get(sub_id)

    return _FoldedOnRead(lambda: index.owners, fold_one)
