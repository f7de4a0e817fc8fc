"""The decision variables: per assistant and day, a few ordered blocks of work on the grain.

A block is one assignment at one (contract, cabinet) chosen by booleans among the day's feasible
windows (availability ∩ opening, minus leave and public holidays: rules availability, opening
hours, leave, public holidays and Sunday rest live in these domains). It may hold one declared
break of `break_minutes` rounded up to the grain, which splits it into two assignments. Between
two blocks at different cabinets a travel leg of the road time ends exactly when the next block
starts (rule travel); a gap between blocks is either nothing (the blocks touch: one vacation) or an
interruption of at least `break_minutes` (a new vacation). Block k+1 is used only if block k is,
and starts after it (symmetry breaking); unused blocks collapse onto the previous block's end, so
that the day's last end is always the last block's end.

On a day that holds fixed segments (pinned or published inside the protected window), a gap may
also be a declared break of `break_minutes` to the break length on the grain, before the travel leg
if there is one: the blocks stay one vacation (*paused*). A published day may hold several breaks in
one vacation, or a vacation that reads as a block with its break and a short block after it, and
only so can such a day be kept as it is. Free days keep one break per block, the days the
day-pattern model lists (`solver.patterns`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.constraints.data import Option, PlanData, travel_credit
from solver.model import MINUTES_PER_DAY, Assignment, AssistantId, CabinetId, ContractId

MIN_PIECE_MINUTES = 60
"""Shortest assignment piece the planner writes (a structural choice, see `_make_day`)."""

Lit = cp_model.IntVar
Expr = cp_model.LinearExpr | int
"""A linear expression or a constant (numpy scalars left out, which keeps mypy precise)."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A fixed block (pinned or protected): option pair, span and break, in day minutes."""

    contract: ContractId
    cabinet: CabinetId
    start: int
    end: int
    break_start: int
    break_length: int
    sources: tuple[Assignment, ...]
    pinned: bool


@dataclass(slots=True)
class Block:
    """One block's variables."""

    present: cp_model.IntVar
    start: cp_model.IntVar
    end: cp_model.IntVar
    has_break: cp_model.IntVar
    break_start: cp_model.IntVar
    break_length: cp_model.IntVar
    options: list[tuple[Option, cp_model.IntVar, cp_model.IntVar]]  # option, chosen, work minutes
    at: dict[CabinetId, cp_model.IntVar]
    pair: dict[tuple[ContractId, CabinetId], list[cp_model.IntVar]] = field(default_factory=dict)
    breakable: bool = False

    def work(self) -> Expr:
        """Assignment minutes of the block (span minus its break)."""
        return self.end - self.start - self.break_length


@dataclass(slots=True)
class Gap:
    """What lies between block k and block k+1: travel and whether they touch, are cut by an
    interruption or, on a day with fixed segments only, paused by a declared break."""

    travel: Expr
    legs: dict[tuple[CabinetId, CabinetId], cp_model.IntVar]
    joined: cp_model.IntVar
    interrupted: cp_model.IntVar
    paused: cp_model.IntVar | None = None

    def together(self) -> list[cp_model.IntVar]:
        """The literals under which the next block is in the same vacation (one holds at most)."""
        return [self.joined] if self.paused is None else [self.joined, self.paused]


@dataclass(slots=True)
class Day:
    """An assistant's day: blocks, gaps and derived quantities."""

    assistant: AssistantId
    index: int
    blocks: list[Block]
    gaps: list[Gap]
    worked: cp_model.IntVar | int
    first_start: Expr
    last_end: Expr
    fixed: list[tuple[Segment, list[cp_model.IntVar]]] = field(default_factory=list)

    def work_minutes(self) -> Expr:
        """Effective work of the day: assignments and travel."""
        return sum((b.work() for b in self.blocks), start=0) + sum(
            (g.travel for g in self.gaps), start=0
        )

    def travel_minutes(self) -> Expr:
        """Travel minutes of the day."""
        return sum((g.travel for g in self.gaps), start=0)


class PlanModel:
    """A CP-SAT model under construction, with the day structure and the rule guards."""

    def __init__(
        self,
        data: PlanData,
        *,
        explain: bool = False,
        fixed: dict[tuple[AssistantId, int], list[Segment]] | None = None,
        free_from: dict[tuple[AssistantId, int], int] | None = None,
    ) -> None:
        self.data = data
        self.model = cp_model.CpModel()
        self.explain = explain
        self.guards: dict[tuple[str, str], tuple[cp_model.IntVar, str]] = {}
        self.fixed = fixed or {}
        self.free_from = free_from or {}
        self.days: dict[tuple[AssistantId, int], Day] = {}
        self.terms: dict[str, Expr] = {}
        self.constant_terms: dict[str, int] = {}
        self._overlaps = 0
        self.cache: dict[str, cp_model.IntVar] = {}
        # Slot-presence literals of each block (by id), for the redundant cuts of `soft`.
        self.slot_lits: dict[int, tuple[Block, list[tuple[int, cp_model.IntVar]]]] = {}
        self.slot_at: dict[tuple[int, CabinetId], list[cp_model.IntVar]] = {}
        self._legs: dict[
            tuple[AssistantId, int], list[tuple[ContractId, int, cp_model.IntVar]]
        ] = {}
        for a in data.assistants:
            for d in range(len(data.dates)):
                self.days[(a.id, d)] = self._make_day(a.id, d)

    # --- guards -----------------------------------------------------------------------------

    def guard(self, rule: str, key: str, sentence: Callable[[], str]) -> list[cp_model.IntVar]:
        """Enforcement literals for a group of constraints (empty unless explaining). The
        `sentence` is called only when explaining, so that solving alone writes no French, and
        at once, so that a loop's variables read in it are those of the call."""
        if not self.explain:
            return []
        found = self.guards.get((rule, key))
        if found is None:
            lit = self.model.new_bool_var(f"guard[{rule}|{key}]")
            found = (lit, sentence())
            self.guards[(rule, key)] = found
        return [found[0]]

    # --- structure --------------------------------------------------------------------------

    def _make_day(self, assistant: AssistantId, d: int) -> Day:
        m = self.model
        data = self.data
        rules = data.instance.rules
        grain = data.instance.slot_minutes
        options = data.options[(assistant, d)]
        segments = self.fixed.get((assistant, d), [])
        if not options and not segments:
            return Day(assistant, d, [], [], 0, 0, 0)
        if not options:
            day = Day(assistant, d, [], [], 0, 0, 0)
            day.fixed = [(s, []) for s in segments]
            return day
        n_blocks = max(2, rules.max_vacations_per_day, len(segments))
        lo = min(o.start for o in options)
        hi = max(o.end for o in options)
        values = list(range(lo, hi + 1, grain))
        dom = cp_model.Domain.from_values(values)
        max_len = hi - lo
        breakable = max_len > rules.break_after_minutes or any(s.break_length for s in segments)
        bl_values = sorted({0, data.break_length} | {s.break_length for s in segments})
        if not breakable:
            bl_values = [0]
        name = f"{assistant}|{d}"
        # Planner-side structural choice (not a rule of docs/rules.md, not checked by the
        # checker): every assignment piece lasts at least MIN_PIECE_MINUTES, so that no rota holds
        # 15-minute fragments a coordinator would never write. Fixed pieces (pinned, protected)
        # that are shorter lower the day's minimum to theirs.
        shortest = [
            length
            for s in segments
            for length in (
                [s.break_start - s.start, s.end - s.break_start - s.break_length]
                if s.break_length
                else [s.end - s.start]
            )
        ]
        min_piece = max(grain, min([MIN_PIECE_MINUTES, *shortest]))
        blocks: list[Block] = []
        for k in range(n_blocks):
            present = m.new_bool_var(f"present[{name}|{k}]")
            start = m.new_int_var_from_domain(dom, f"start[{name}|{k}]")
            end = m.new_int_var_from_domain(dom, f"end[{name}|{k}]")
            has_break = m.new_bool_var(f"brk[{name}|{k}]")
            bstart = m.new_int_var_from_domain(dom, f"bstart[{name}|{k}]")
            blen = m.new_int_var_from_domain(
                cp_model.Domain.from_values(bl_values), f"blen[{name}|{k}]"
            )
            opts: list[tuple[Option, cp_model.IntVar, cp_model.IntVar]] = []
            for i, o in enumerate(options):
                x = m.new_bool_var(f"x[{name}|{k}|{i}]")
                w = m.new_int_var(0, o.end - o.start, f"w[{name}|{k}|{i}]")
                m.add(w <= (o.end - o.start) * x)
                m.add(start >= o.start).only_enforce_if(x)
                m.add(end <= o.end).only_enforce_if(x)
                opts.append((o, x, w))
            m.add(sum(x for _, x, _ in opts) == present)
            m.add(sum(w for _, _, w in opts) == end - start - blen)
            at: dict[CabinetId, cp_model.IntVar] = {}
            pair: dict[tuple[ContractId, CabinetId], list[cp_model.IntVar]] = {}
            for o, x, _ in opts:
                pair.setdefault((o.contract, o.cabinet), []).append(x)
            for cid in sorted({o.cabinet for o in options}):
                y = m.new_bool_var(f"at[{name}|{k}|{cid}]")
                m.add(y == sum(x for o, x, _ in opts if o.cabinet == cid))
                at[cid] = y
            # Present: at least `min_piece` long; absent: collapsed, no break.
            m.add(end >= start + min_piece).only_enforce_if(present)
            m.add(end == start).only_enforce_if(~present)
            m.add(has_break <= present)
            m.add(blen == 0).only_enforce_if(~has_break)
            m.add(blen >= data.break_length).only_enforce_if(has_break)
            m.add(bstart == start).only_enforce_if(~has_break)
            m.add(bstart >= start + min_piece).only_enforce_if(has_break)
            m.add(bstart + blen <= end - min_piece).only_enforce_if(has_break)
            if not breakable:
                m.add(has_break == 0)
            blocks.append(
                Block(present, start, end, has_break, bstart, blen, opts, at, pair, breakable)
            )
        gaps: list[Gap] = []
        for k in range(n_blocks - 1):
            b0, b1 = blocks[k], blocks[k + 1]
            m.add(b1.present <= b0.present)
            legs: dict[tuple[CabinetId, CabinetId], cp_model.IntVar] = {}
            for c0 in sorted(b0.at):
                for c1 in sorted(b1.at):
                    if c0 == c1:
                        continue
                    road = data.instance.travel(c0, c1)
                    if road is None:
                        m.add_bool_or([~b0.at[c0], ~b1.at[c1]])
                        continue
                    z = m.new_bool_var(f"leg[{name}|{k}|{c0}|{c1}]")
                    m.add_bool_or([~b0.at[c0], ~b1.at[c1], z])
                    m.add_implication(z, b0.at[c0])
                    m.add_implication(z, b1.at[c1])
                    legs[(c0, c1)] = z
            travel: Expr = sum(
                (data.instance.travel(c0, c1) or 0) * z for (c0, c1), z in legs.items()
            )
            joined = m.new_bool_var(f"joined[{name}|{k}]")
            interrupted = m.new_bool_var(f"interrupted[{name}|{k}]")
            gap = b1.start - travel - b0.end
            paused = None
            if segments:
                paused = m.new_bool_var(f"paused[{name}|{k}]")
                m.add(joined + interrupted + paused == b1.present)
                m.add(gap >= max(1, rules.break_minutes)).only_enforce_if(paused)
                m.add(gap <= max(1, rules.break_minutes, data.break_length)).only_enforce_if(paused)
            else:
                m.add(joined + interrupted == b1.present)
            m.add(gap == 0).only_enforce_if(joined)
            m.add(gap >= max(1, rules.break_minutes)).only_enforce_if(interrupted)
            m.add(b1.start == b0.end).only_enforce_if(~b1.present)
            # Symmetry: two touching blocks under the same contract at the same cabinet are one.
            for key, xs0 in b0.pair.items():
                xs1 = b1.pair.get(key)
                if xs1:
                    m.add(sum(xs0) + sum(xs1) + joined <= 2)
            # The travel leg ends when block k+1 starts and lies in her free window.
            for o, x, _ in b1.options:
                if legs:
                    m.add(b1.start - travel >= o.free_start).only_enforce_if(x)
            gaps.append(Gap(travel, legs, joined, interrupted, paused))
        first = blocks[0]
        m.add(first.start == lo).only_enforce_if(~first.present)
        day = Day(assistant, d, blocks, gaps, first.present, first.start, blocks[-1].end)
        free_from = self.free_from.get((assistant, d))
        for j, seg in enumerate(segments):
            choices: list[cp_model.IntVar] = []
            for k, b in enumerate(blocks):
                f = m.new_bool_var(f"fixed[{name}|{j}|{k}]")
                xs = b.pair.get((seg.contract, seg.cabinet), [])
                m.add(sum(xs) == 1).only_enforce_if(f)
                m.add(b.start == seg.start).only_enforce_if(f)
                m.add(b.end == seg.end).only_enforce_if(f)
                m.add(b.break_length == seg.break_length).only_enforce_if(f)
                m.add(
                    b.break_start == (seg.break_start if seg.break_length else seg.start)
                ).only_enforce_if(f)
                choices.append(f)
            day.fixed.append((seg, choices))
        if segments:
            # Each block holds at most one fixed segment.
            for k in range(n_blocks):
                m.add(sum(ch[k] for _, ch in day.fixed) <= 1)
        if free_from is not None:
            # Inside the protected window, nothing new starts before its end.
            for k, b in enumerate(blocks):
                fixed_here = [ch[k] for _, ch in day.fixed]
                m.add(b.start >= free_from).only_enforce_if([b.present] + [~f for f in fixed_here])
        return day

    # --- helpers for rules ------------------------------------------------------------------

    def overlap(self, start: Expr, end: Expr, lo: int, hi: int, tag: str) -> cp_model.IntVar:
        """Exact max(0, min(end, hi) − max(start, lo)) as a variable."""
        m = self.model
        self._overlaps += 1
        n = self._overlaps
        right = m.new_int_var(0, MINUTES_PER_DAY, f"ovr[{tag}|{n}]")
        left = m.new_int_var(0, MINUTES_PER_DAY, f"ovl[{tag}|{n}]")
        m.add_min_equality(right, [end, hi])
        m.add_max_equality(left, [start, lo])
        out = m.new_int_var(0, hi - lo, f"ov[{tag}|{n}]")
        diff = m.new_int_var(-MINUTES_PER_DAY, MINUTES_PER_DAY, f"ovd[{tag}|{n}]")
        m.add(diff == right - left)
        m.add_max_equality(out, [diff, 0])
        return out

    def work_overlap(self, block: Block, lo: int, hi: int, tag: str) -> Expr:
        """Assignment minutes of a block inside [lo, hi) (its break left out)."""
        span = self.overlap(block.start, block.end, lo, hi, tag)
        if block.breakable:
            pause = self.overlap(
                block.break_start, block.break_start + block.break_length, lo, hi, tag
            )
            return span - pause
        return span

    def work_at(self, block: Block, cabinet: CabinetId, lo: int, hi: int, tag: str) -> Expr:
        """Assignment minutes of a block inside [lo, hi) when it is at `cabinet`, else 0."""
        y = block.at.get(cabinet)
        if y is None:
            return 0
        b_lo = min(o.start for o, _, _ in block.options if o.cabinet == cabinet)
        b_hi = max(o.end for o, _, _ in block.options if o.cabinet == cabinet)
        if b_hi <= lo or b_lo >= hi:
            return 0
        ov = self.work_overlap(block, lo, hi, tag)
        m = self.model
        out = m.new_int_var(0, hi - lo, f"cov[{tag}]")
        m.add(out == ov).only_enforce_if(y)
        m.add(out == 0).only_enforce_if(~y)
        return out

    def credited(self, contract: ContractId, cabinet: CabinetId, days: Sequence[int]) -> Expr:
        """Minutes credited to a contract at a cabinet over some horizon days: its assignments and,
        when travel counts in the contract, the cabinet's part of the legs leading to them."""
        a = next(k.assistant for k in self.data.contracts if k.id == contract)
        total: Expr = 0
        for d in days:
            day = self.days.get((a, d))
            if day is None:
                continue
            for b in day.blocks:
                for o, _, w in b.options:
                    if o.contract == contract and o.cabinet == cabinet:
                        total += w
            for k, split, lit in self._leg_credits(day):
                if k == contract and split.get(cabinet):
                    total += split[cabinet] * lit
        return total

    def _leg_credits(
        self, day: Day
    ) -> list[tuple[ContractId, dict[CabinetId, int], cp_model.IntVar]]:
        """Each possible travel leg of the day with the contract it leads to, its split between
        that contract's cabinets and the literal that says it is taken (empty when travel does not
        count in the contract)."""
        if not self.data.instance.rules.travel_in_contract:
            return []
        contracts = {k.id: k for k in self.data.contracts}
        grain = self.data.instance.slot_minutes
        return [
            (k, travel_credit(contracts[k], road, grain), lit)
            for k, road, lit in self.legs_into(day)
        ]

    def legs_into(self, day: Day) -> list[tuple[ContractId, int, cp_model.IntVar]]:
        """Each possible travel leg of the day with the contract of the assignment it leads to,
        its road minutes and the literal that says it is taken. Made once per day."""
        key = (day.assistant, day.index)
        found = self._legs.get(key)
        if found is not None:
            return found
        out: list[tuple[ContractId, int, cp_model.IntVar]] = []
        mine = self.data.contracts_of.get(day.assistant, ())
        for n, gap in enumerate(day.gaps):
            after = day.blocks[n + 1]
            for (c0, c1), z in gap.legs.items():
                road = self.data.instance.travel(c0, c1) or 0
                leading = [k for k in mine if after.pair.get((k.id, c1))]
                for k in leading:
                    chosen = after.pair[(k.id, c1)]
                    if len(leading) == 1:
                        lit = z
                    else:
                        lit = self.model.new_bool_var(f"legk[{key}|{n}|{c1}|{k.id}]")
                        self.model.add_implication(lit, z)
                        self.model.add(lit <= sum(chosen))
                        self.model.add(lit >= z + sum(chosen) - 1)
                    out.append((k.id, road, lit))
        self._legs[key] = out
        return out
