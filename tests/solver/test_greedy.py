"""The greedy warm start: a valid rota built without search, or nothing.

What it must do: give a rota that the independent checker accepts whenever it gives one (contract
hours exact, shares within the tolerance, breaks where a block passes 6 h, one place per cabinet
across assistants); give up rather than return a broken rota when the construction does not fit
(more cabinets than days, a re-plan); and let `solve` answer with that rota when the search finds
nothing in time.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from ortools.sat.python import cp_model

from solver.constraints.data import build
from solver.facade import solve
from solver.greedy import Busy, _loads, _wrap, full_times, greedy_rota, plan_assistant
from solver.model import Instance, Replan, Session, Status
from solver.validation import check_rota, objective_total
from tests.solver.builders import (
    MARIE,
    PARC,
    POOL,
    TILLEULS,
    ZONE,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    minutes_of,
    standard_week,
)


def test_a_pooled_week_gets_a_valid_rota_with_each_share() -> None:
    instance = make_instance()
    rota = greedy_rota(instance)
    assert rota is not None
    assert check_rota(instance, rota) == []
    by_cabinet: dict[str, int] = {}
    for a in rota.assignments:
        by_cabinet[a.cabinet] = by_cabinet.get(a.cabinet, 0) + a.minutes
    # 35 h: 60 % is 1,260 minutes at the Tilleuls, 40 % is 840 at the Parc (tolerance 30).
    assert sum(by_cabinet.values()) == 35 * 60
    assert abs(by_cabinet["tilleuls"] - 1260) <= 30
    assert abs(by_cabinet["parc"] - 840) <= 30


def test_a_long_block_gets_its_break_and_each_day_one_cabinet() -> None:
    instance = make_instance()
    rota = greedy_rota(instance)
    assert rota is not None
    days = {(a.start.date(), a.cabinet) for a in rota.assignments}
    assert len({d for d, _ in days}) == len(days)  # one cabinet a day: no travel needed
    assert rota.travel == ()
    # 1,260 minutes at the Tilleuls cannot fit in days of 6 h: some block has a break.
    assert rota.breaks
    for pause in rota.breaks:
        assert pause.end - pause.start >= timedelta(minutes=20)


def test_blocks_are_slid_onto_the_consultation_sessions() -> None:
    afternoon = Session(weekday=0, start=minutes_of("14:00"), end=minutes_of("18:00"), weight=1)
    cabinets = [make_cabinet("tilleuls"), make_cabinet("parc", sessions=[afternoon])]
    shares = {"tilleuls": 8500, "parc": 1500}  # 315 minutes at the Parc: one day
    instance = make_instance(cabinets=cabinets, contracts=[make_contract(shares=shares)])
    rota = greedy_rota(instance)
    assert rota is not None and check_rota(instance, rota) == []
    parc = [a for a in rota.assignments if a.cabinet == "parc"]
    assert len(parc) == 1 and parc[0].start.weekday() == 0
    start, end = (t.astimezone(ZONE) for t in (parc[0].start, parc[0].end))
    assert (start.hour, start.minute) <= (14, 0) and (end.hour, end.minute) >= (18, 0)


def test_two_assistants_never_share_a_one_place_cabinet() -> None:
    both = [make_assistant(), make_assistant(MARIE)]
    contracts = [
        make_contract(),
        make_contract("pool-2", MARIE, 24 * 60, {"tilleuls": 5000, "parc": 5000}),
    ]
    instance = make_instance(assistants=both, contracts=contracts)
    rota = greedy_rota(instance)
    assert rota is not None
    assert check_rota(instance, rota) == []


def test_more_cabinets_than_days_is_given_up() -> None:
    ids = ["tilleuls", "parc", "gare", "halles", "pont", "mairie", "eglise"]
    cabinets = [make_cabinet(c) for c in ids]
    shares = dict.fromkeys(ids[:-1], 1400) | {ids[-1]: 1600}
    travel = {(a, b): 15 for i, a in enumerate(ids) for b in ids[i + 1 :]}
    instance = make_instance(
        cabinets=cabinets, contracts=[make_contract(shares=shares)], travel=travel
    )
    assert greedy_rota(instance) is None  # 7 cabinets, 5 working days


def test_a_replan_is_left_to_the_search() -> None:
    published = standard_week()
    instance = make_instance(replan=Replan(published=tuple(published)))
    assert greedy_rota(instance) is None


@pytest.fixture
def search_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """CP-SAT answers `unknown` at once, as when its time runs out before a first rota."""

    real = cp_model.CpSolver.solve

    def unknown(self: cp_model.CpSolver, model: cp_model.CpModel, *args: object) -> object:
        real(self, cp_model.CpModel())  # a response to read, from an empty model
        return cp_model.UNKNOWN

    monkeypatch.setattr(cp_model.CpSolver, "solve", unknown)
    yield


@pytest.mark.usefixtures("search_finds_nothing")
def test_solve_answers_with_the_greedy_rota_when_the_search_finds_none() -> None:
    instance = make_instance()
    rota = solve(instance, time_limit_s=1.0, deterministic=True)
    assert check_rota(instance, rota) == []
    assert rota.objective == objective_total(instance, rota)
    # This rota meets every share exactly and the cabinets have no sessions: objective 0, and
    # no term is below zero, so it is proven optimal without search.
    assert (rota.objective, rota.status) == (0, Status.OPTIMAL)
    assert rota.minutes[POOL][TILLEULS] + rota.minutes[POOL][PARC] == 35 * 60


@pytest.mark.parametrize(
    ("places", "full"),
    [(1, [(0, 120)]), (2, [(30, 90)]), (3, [(45, 60)]), (4, [])],
)
def test_a_time_is_full_when_as_many_spans_cover_it_as_there_are_places(
    places: int, full: list[tuple[int, int]]
) -> None:
    spans = [(0, 60), (30, 90), (45, 120)]
    assert full_times(spans, places) == full


def test_spans_that_touch_do_not_fill_a_place_together() -> None:
    assert full_times([(0, 60), (60, 120)], 2) == []
    assert full_times([(0, 60), (60, 120)], 1) == [(0, 60), (60, 120)]


def _three_at_one_cabinet(places: int) -> Instance:
    """Three assistants, each 100 % at Tilleuls (open 08:00-19:00 on weekdays), 24 h a week."""
    ids = [MARIE, "lea", "ines"]
    return make_instance(
        assistants=[make_assistant(a) for a in ids],
        cabinets=[make_cabinet(TILLEULS, places=places)],
        contracts=[make_contract(f"k-{a}", a, 24 * 60, {TILLEULS: 10_000}) for a in ids],
        travel={},
    )


def test_a_two_place_cabinet_holds_two_assistants_at_once_and_never_three() -> None:
    instance = _three_at_one_cabinet(2)
    rota = greedy_rota(instance)
    assert rota is not None
    assert check_rota(instance, rota) == []
    # Two at once somewhere (the place is used), never three.
    moments = sorted({a.start for a in rota.assignments})
    at_once = [sum(1 for a in rota.assignments if a.start <= t < a.end) for t in moments]
    assert max(at_once) == 2


def test_a_one_place_cabinet_too_small_for_three_contracts_is_given_up() -> None:
    # 3 × 24 h = 72 h asked of 55 h of opening with one place.
    assert greedy_rota(_three_at_one_cabinet(1)) is None


def test_an_assistant_without_room_leaves_the_spans_as_they_were() -> None:
    instance = _three_at_one_cabinet(1)
    data = build(instance)
    busy: Busy = {}
    assert plan_assistant(data, data.assistants[0].id, busy) is not None
    assert plan_assistant(data, data.assistants[1].id, busy) is not None
    before = {key: list(spans) for key, spans in busy.items()}
    assert plan_assistant(data, data.assistants[2].id, busy) is None
    assert busy == before


@pytest.mark.parametrize(
    ("rooms", "total", "loads"),
    [
        ([600, 600, 600], 1260, [420, 420, 420]),  # even
        ([600, 600, 240], 1260, [510, 510, 240]),  # a Saturday morning holds 4 h, the others more
        ([600, 600, 240], 1440, [600, 600, 240]),  # exactly what the rooms hold
        ([600, 600, 240], 1455, None),  # one grain more than they hold
    ],
)
def test_each_day_takes_an_even_load_but_no_more_than_it_holds(
    rooms: list[int], total: int, loads: list[int] | None
) -> None:
    assert _loads(rooms, total, 15) == loads


def test_a_week_laid_end_to_end_puts_at_most_two_cabinets_on_a_day() -> None:
    demands = [("k", "a", 700), ("k", "b", 500), ("k", "c", 300)]
    days = _wrap(demands, [300, 300, 300, 300, 300])  # type: ignore[arg-type]
    assert days == [
        [("k", "a", 300)],
        [("k", "a", 300)],
        [("k", "a", 100), ("k", "b", 200)],
        [("k", "b", 300)],
        [("k", "c", 300)],
    ]
    assert _wrap(demands, [300, 300, 300, 300]) is None  # type: ignore[arg-type]


def test_a_piece_too_short_to_write_joins_its_other_half() -> None:
    # 30 minutes of cabinet b would end day 1: they go to day 2 with the rest of b.
    demands = [("k", "a", 270), ("k", "b", 330)]
    days = _wrap(demands, [300, 300])  # type: ignore[arg-type]
    assert days == [[("k", "a", 270)], [("k", "b", 330)]]


def test_a_contract_that_needs_two_cabinets_a_day_gets_them_joined_by_travel() -> None:
    """35 h over three cabinets of about a third each cannot be one cabinet a day in five days."""
    cabinets = [make_cabinet(c) for c in ("tilleuls", "parc", "gare")]
    shares = {"tilleuls": 3000, "parc": 3800, "gare": 3200}
    travel = {("tilleuls", "parc"): 15, ("parc", "gare"): 20, ("tilleuls", "gare"): 25}
    instance = make_instance(
        cabinets=cabinets, contracts=[make_contract(shares=shares)], travel=travel
    )
    rota = greedy_rota(instance)
    assert rota is not None
    assert check_rota(instance, rota) == []
    assert rota.travel  # some day visits two cabinets
