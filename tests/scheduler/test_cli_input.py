"""`partagenda solve` on hostile input: deeply nested JSON, enormous numbers, endless files,
out-of-range minutes and dates, names with control characters or lone surrogates are each refused
with exit code 2 and one line naming the field and the rule (how fast is not measured here); an output that is not
a regular file (a device, a pipe) is written to, never replaced."""

from __future__ import annotations

import copy
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scheduler.cli import app
from scheduler.cli.context import write_file
from tests.scheduler.test_cli import VALID

runner = CliRunner()


def _refused(args: list[str], *expected: str) -> None:
    """Exit code 2 and one line holding every `expected` text."""
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    assert "Traceback" not in result.output


def _file(tmp_path: Path, text: str) -> str:
    path = tmp_path / "instance.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_solve_refuses_json_nested_too_deep(tmp_path: Path) -> None:
    _refused(["solve", _file(tmp_path, "[" * 200_000 + "]" * 200_000)], "$", "[depth]", "64")


def test_solve_refuses_an_enormous_number_at_once(tmp_path: Path) -> None:
    text = json.dumps(VALID).replace('"days": 7', '"days": 1e999999')
    _refused(["solve", _file(tmp_path, text)], "days", "[range]")


def test_solve_refuses_an_endless_input_at_once() -> None:
    _refused(["solve", "/dev/zero"], "$", "[size]", "20 Mio")


def _variant(where: str, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(VALID)
    if where == "travel":
        document["travel_minutes"][0]["minutes"] = value
    elif where == "name":
        document["assistants"][0]["name"] = value
    else:
        document["start"] = value
    return document


@pytest.mark.parametrize(
    ("where", "value", "field", "rule"),
    [
        ("travel", 10**18, "travel_minutes[0].minutes", "[minutes]"),
        ("name", "Julie\x00", "assistants[0].name", "[characters]"),
        ("name", "Julie\udc80", "assistants[0].name", "[characters]"),
        ("name", "J" * 201, "assistants[0].name", "[length]"),
        ("start", "9999-12-28", "start", "[date]"),
    ],
    ids=["travel-1e18", "nul", "lone-surrogate", "long-name", "year-9999"],
)
def test_solve_refuses_values_out_of_range(
    tmp_path: Path, where: str, value: Any, field: str, rule: str
) -> None:
    # json.dumps writes "\udc80" and "\u0000" as escapes: legal JSON, refused as names.
    _refused(["solve", _file(tmp_path, json.dumps(_variant(where, value)))], field, rule)


def _fifo_reader(path: Path) -> tuple[threading.Thread, list[bytes]]:
    received: list[bytes] = []

    def read() -> None:
        with path.open("rb") as stream:
            received.append(stream.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, received


def test_writing_to_a_pipe_keeps_the_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "rota.pipe"
    os.mkfifo(fifo)
    thread, received = _fifo_reader(fifo)
    write_file(fifo, [b"one ", b"two\n"])
    thread.join(timeout=5)
    assert received == [b"one two\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["rota.pipe"]  # no temporary file left


def test_solve_into_a_pipe_writes_the_rota_and_keeps_the_pipe(tmp_path: Path) -> None:
    source = _file(tmp_path, json.dumps(VALID))
    fifo = tmp_path / "rota.pipe"
    os.mkfifo(fifo)
    thread, received = _fifo_reader(fifo)
    result = runner.invoke(
        app, ["solve", source, "-o", str(fifo), "--time-limit", "5", "--deterministic"]
    )
    thread.join(timeout=5)
    assert result.exit_code == 0, result.output
    assert json.loads(received[0])["format"] == "partagenda-rota/1"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_writing_to_a_device_keeps_the_device(tmp_path: Path) -> None:
    # A null device of our own (as root): the real /dev/null is never put at risk.
    null = tmp_path / "null"
    try:
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device needs root")
    write_file(null, [b"nothing\n"])
    assert stat.S_ISCHR(null.stat().st_mode) and null.stat().st_rdev == os.makedev(1, 3)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


def test_writing_through_a_link_keeps_the_link(tmp_path: Path) -> None:
    # `-o /dev/stdout` with stdout sent to a file: /dev/stdout is a link to /proc/self/fd/1,
    # whose target is that file. Renaming over the link replaced /dev/stdout for the machine.
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "rota.json"
    target.write_bytes(b"old\n")
    link = tmp_path / "stdout"
    link.symlink_to(target)
    write_file(link, [b"new\n"])
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes() == b"new\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "stdout"]
