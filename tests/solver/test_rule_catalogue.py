"""The rule catalogue (`solver.rules`) covers every rule of docs/rules.md, and says true things.

Rule under test: each hard rule of docs/rules.md's table and each soft goal of its list has one
entry with its checker, its tests file and, for every strategy, an encoding or a refusal. The
entries are held against the code's behaviour: the block model's encodings are in the registry it
builds from, the other strategies' encodings are called when they plan a small instance, each
refusal is the strategy's own gate stepping aside on an instance where the rule could bind, and a
strategy said to be checked drops a rota the checker rejects.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import fields
from pathlib import Path

import pytest

from solver import coupled, explain, greedy, instance_io, patterns, validation
from solver.constraints import HARD_RULES, SOFT_TERMS
from solver.constraints.data import build
from solver.errors import InvalidInstance
from solver.model import Instance, Replan, Rules, Session, Weights
from solver.rules import (
    DAILY_REST,
    NO_PLACES,
    NOT_PRECHECKED,
    REPLAN,
    RULES,
    SEVERAL,
    VACATIONS,
    WEEKLY_REST,
    Encoding,
    Rule,
    Strategy,
    rule,
)
from solver.strategies import assistants, blocks, days
from solver.strategies.part import PartResult
from solver.validation import Violation
from tests.solver.builders import (
    JULIE,
    MARIE,
    MONDAY,
    PARC,
    TILLEULS,
    assign,
    make_assistant,
    make_cabinet,
    make_contract,
    make_instance,
    windows,
)

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def _section(title: str) -> str:
    """The text of a `## title` section of docs/rules.md, up to the next `## ` heading."""
    start = DOCS.index(f"## {title}")
    end = DOCS.find("\n## ", start + 1)
    return DOCS[start : end if end >= 0 else len(DOCS)]


def documented_hard_rules() -> list[str]:
    """The first column of the hard rules' table."""
    rows = [line for line in _section("Hard rules").splitlines() if line.startswith("|")]
    names = [row.split("|")[1].strip() for row in rows[2:]]  # past the header and the ruler
    return [name for name in names if name]


def documented_soft_goals() -> list[str]:
    """The `Weights` fields the soft goals' list names."""
    weights = {f.name for f in fields(Weights)}
    found = re.findall(r"`(\w+)`", _section("Soft goals"))
    return [name for name in dict.fromkeys(found) if name in weights]


def test_docs_are_read_as_they_are_written() -> None:
    hard = documented_hard_rules()
    assert len(hard) == 25 and hard[0] == "availability" and hard[-1] == "protected window"
    assert documented_soft_goals() == [f.name for f in fields(Weights)]


def test_every_documented_rule_has_one_entry_and_every_entry_is_documented() -> None:
    names = [r.name for r in RULES]
    assert len(names) == len(set(names))
    assert set(names) == set(documented_hard_rules()) | set(documented_soft_goals())
    assert {r.name for r in RULES if r.kind == "soft"} == set(documented_soft_goals())


@pytest.mark.parametrize("entry", RULES, ids=lambda r: r.name)
def test_each_rule_has_its_checker_tests_and_a_handling_per_strategy(entry: Rule) -> None:
    assert entry.checker.__module__ in {validation.__name__, instance_io.__name__}
    # The checker reports the rule under its id (or counts the term under its field).
    source = inspect.getsource(entry.checker)
    key = entry.id if entry.kind == "hard" else entry.id.split("_")[0]
    assert f'"{entry.id}"' in source or key in source, entry.checker
    for test_file in entry.tests:
        text = (ROOT / test_file).read_text(encoding="utf-8")
        assert entry.id in text or entry.name in text, test_file
    assert set(entry.strategies) == set(Strategy)
    for strategy, handling in entry.strategies.items():
        assert handling.encoded or handling.refused or handling.checked, (entry.name, strategy)


def test_the_block_model_encodes_every_rule_through_its_registry() -> None:
    registry = {r.add for r in HARD_RULES} | {t.count for t in SOFT_TERMS}
    for entry in RULES:
        encoded = entry.strategies[Strategy.BLOCKS].encoded
        if encoded == (instance_io.parse_instance,):
            continue  # refused when the instance is read (below)
        assert set(encoded) & registry, entry.name
        assert set(encoded) <= registry | {blocks.build_model}, entry.name
    # And the registry holds nothing the catalogue does not name.
    named = {f for entry in RULES for f in entry.strategies[Strategy.BLOCKS].encoded}
    assert registry <= named


def test_the_part_time_minimum_is_refused_when_the_instance_is_read() -> None:
    below = make_instance(contracts=[make_contract(weekly_minutes=15 * 60)], rules=Rules())
    with pytest.raises(InvalidInstance) as raised:
        instance_io.parse_instance(instance_io.dump_instance(below))
    assert "part-time-minimum" in str(raised.value.problems)
    at_limit = make_instance(contracts=[make_contract(weekly_minutes=16 * 60)], rules=Rules())
    assert instance_io.parse_instance(instance_io.dump_instance(at_limit)).contracts


# --- the other strategies call what the catalogue names --------------------------------------------


def _groupement() -> Instance:
    """Julie and Marie share the Tilleuls (one place, morning sessions): the decomposition."""
    return make_instance(
        assistants=[make_assistant(JULIE), make_assistant(MARIE)],
        cabinets=[
            make_cabinet(TILLEULS, sessions=[Session(wd, 480, 720, 2) for wd in range(5)]),
            make_cabinet(PARC),
        ],
        contracts=[
            make_contract("k-julie", JULIE, 20 * 60, {TILLEULS: 5000, PARC: 5000}),
            make_contract("k-marie", MARIE, 20 * 60, {TILLEULS: 5000, PARC: 5000}),
        ],
        rules=Rules(share_tolerance_minutes=60),
    )


def _run(
    plan_by: Callable[..., PartResult | None], instance: Instance, budget: float = 5.0
) -> object:
    """A strategy's answer for a part, called as the facade calls it (None: it steps aside)."""
    return plan_by(
        instance,
        budget=budget,
        deterministic=True,
        part=0,
        parts=1,
        progress=None,
        started=None,
        should_stop=None,
    )


def _by_days(instance: Instance, budget: float = 5.0) -> object:
    return _run(days.solve_by_days, instance, budget)


def _by_assistants(instance: Instance, budget: float = 5.0) -> object:
    return _run(assistants.solve_by_assistants, instance, budget)


def _plan_by(strategy: Strategy) -> None:
    """Plan small instances with a strategy, as the facade calls it."""
    if strategy == Strategy.DAYS:
        assert _by_days(make_instance(days=14)) is not None
        assert _by_assistants(_groupement()) is not None
    elif strategy == Strategy.CONSTRUCTIVE:
        assert greedy.greedy_rota(make_instance()) is not None
        assert greedy.greedy_rota(_groupement()) is not None
    else:
        assert explain.precheck(make_instance(days=14)) == []
        assert explain.precheck(_groupement()) == []


def _homes(function: Encoding) -> Iterator[tuple[object, str]]:
    """Every loaded solver module (or class) that holds `function` under a name."""
    for name, module in list(sys.modules.items()):
        if name == "solver" or not name.startswith("solver."):
            continue
        for attr, value in vars(module).items():
            if value is function:
                yield module, attr


@pytest.mark.parametrize(
    "strategy", [Strategy.DAYS, Strategy.CONSTRUCTIVE, Strategy.PRECHECK], ids=str
)
def test_each_named_encoding_is_called_when_the_strategy_plans(
    monkeypatch: pytest.MonkeyPatch, strategy: Strategy
) -> None:
    named = {
        f
        for entry in RULES
        for f in entry.strategies[strategy].encoded
        if f is not instance_io.parse_instance
    }
    called: set[Encoding] = set()

    def spy(function: Encoding) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            called.add(function)
            return function(*args, **kwargs)

        return wrapper

    for function in named:
        homes = list(_homes(function))
        assert homes, function
        for home, attr in homes:
            monkeypatch.setattr(home, attr, spy(function))
    _plan_by(strategy)
    assert named - called == set()


# --- refusals: the strategy's own gate steps aside where the rule could bind -----------------------


def _probe(reason: str) -> Instance:
    """An instance where the rule behind `reason` could bind."""
    if reason == SEVERAL:
        return _groupement()
    if reason == REPLAN:
        pinned = assign(MONDAY, "08:00", "12:00")
        return make_instance(replan=Replan(published=(pinned,), pinned=(pinned,)))
    if reason == VACATIONS:
        return make_instance(rules=Rules(max_vacations_per_day=3))
    if reason == NO_PLACES:
        return make_instance(cabinets=[make_cabinet(TILLEULS, places=0), make_cabinet(PARC)])
    if reason == DAILY_REST:
        long_days = windows("06:00", "22:00")
        return make_instance(
            assistants=[make_assistant(availability=long_days)],
            cabinets=[make_cabinet(TILLEULS, opening=long_days), make_cabinet(PARC)],
        )
    if reason == WEEKLY_REST:
        six = windows("08:00", "19:00", range(6))
        return make_instance(assistants=[make_assistant(availability=six)])
    raise AssertionError(f"no probe for {reason!r}")


def _refusals(strategy: Strategy) -> list[tuple[str, str]]:
    return sorted(
        {(entry.name, reason) for entry in RULES for reason in entry.strategies[strategy].refused}
    )


@pytest.mark.parametrize(("name", "reason"), _refusals(Strategy.DAYS))
def test_the_day_patterns_step_aside_where_the_refused_rule_could_bind(
    name: str, reason: str
) -> None:
    probe = _probe(reason)
    assert patterns.unsuitable(build(probe)) == reason
    assert _by_days(probe, 1.0) is None
    if reason == REPLAN:  # the decomposition, for a groupement in a re-plan
        pinned = assign(MONDAY, "08:00", "12:00", cabinet=TILLEULS)
        replan = make_instance(
            assistants=_groupement().assistants,
            cabinets=_groupement().cabinets,
            contracts=_groupement().contracts,
            replan=Replan(pinned=(pinned,)),
        )
        assert coupled.unsuitable(replan) == REPLAN
        assert _by_assistants(replan, 1.0) is None
    # Without what the probe adds, the same strategy plans.
    assert _by_days(make_instance(), 1.0) is not None


@pytest.mark.parametrize(("name", "reason"), _refusals(Strategy.CONSTRUCTIVE))
def test_the_constructive_rota_steps_aside_where_the_refused_rule_could_bind(
    name: str, reason: str
) -> None:
    assert reason == REPLAN
    assert greedy.greedy_rota(_probe(reason)) is None
    assert greedy.greedy_rota(make_instance()) is not None


def test_what_the_pre_checks_leave_the_block_model_encodes() -> None:
    registry = {r.add for r in HARD_RULES} | {t.count for t in SOFT_TERMS}
    left = [e for e in RULES if NOT_PRECHECKED in e.strategies[Strategy.PRECHECK].refused]
    assert left
    for entry in left:
        assert set(entry.strategies[Strategy.BLOCKS].encoded) & registry, entry.name


def test_a_checked_strategy_drops_a_rota_the_checker_rejects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert any(e.strategies[Strategy.CONSTRUCTIVE].checked for e in RULES)
    assert greedy.greedy_rota(make_instance()) is not None
    rejected = Violation("daily-rest", JULIE, MONDAY, "refusé pour le test")
    monkeypatch.setattr(greedy, "check_rota", lambda *_: [rejected])
    assert greedy.greedy_rota(make_instance()) is None


def test_rule_finds_an_entry_by_its_documented_name() -> None:
    assert rule("12-week average").id == "twelve-week-average"
    with pytest.raises(KeyError, match="no rule named 'weekly minimum'"):
        rule("weekly minimum")
