"""The parsers' deferred-join spool (parsers/_lib/spool.py)."""

from __future__ import annotations

from typing import Any

import pytest

from scanlift.parsers._lib.spool import Spool


def _pair(record: tuple[str, int]) -> list[Any]:
    return [record[0], record[1]]


def _pair_of(data: list[Any]) -> tuple[str, int]:
    return str(data[0]), int(data[1])


def _first(record: tuple[str, int]) -> str:
    return record[0]


@pytest.mark.parametrize("in_memory", [1, 64, 1024 * 1024])  # spilled at once, after a few, never
def test_records_come_back_in_the_order_written(in_memory: int) -> None:
    records = [{"n": i, "text": "é" * (i % 7), "list": [i, None]} for i in range(500)]
    with Spool.of_json(in_memory=in_memory) as spool:
        for record in records:
            spool.append(record)
        assert len(spool) == 500
        assert list(spool) == records
        assert list(spool) == records  # read back any number of times


@pytest.mark.parametrize("in_memory", [1, 200, 1024 * 1024])  # one run per record, a few runs, one run
def test_grouped_orders_by_key_and_keeps_the_written_order_within_a_key(in_memory: int) -> None:
    records = [(f"q{(i * 7) % 13}", i) for i in range(400)]
    with Spool(_pair, _pair_of, group_by=_first, in_memory=in_memory) as spool:
        for record in records:
            spool.append(record, key=record[0])
        assert list(spool.grouped()) == sorted(records, key=_first)
        assert list(spool.grouped()) == sorted(records, key=_first)  # any number of times
        assert list(spool) == records  # the spool itself is unchanged
        assert spool.find("q3") == ("q3", 6)  # (6 * 7) % 13 == 3: the first of q3


def test_grouped_keys_and_records_with_tabs_and_newlines() -> None:
    with Spool(_pair, _pair_of, group_by=_first, in_memory=1) as spool:
        for record in [("b\tx", 1), ("é", 2), ("a\n", 3), ("b\tx", 4), ("", 5), ("z\\", 6)]:
            spool.append(record)
        assert list(spool.grouped()) == [("", 5), ("a\n", 3), ("b\tx", 1), ("b\tx", 4), ("z\\", 6), ("é", 2)]
        assert list(spool) == [("b\tx", 1), ("é", 2), ("a\n", 3), ("b\tx", 4), ("", 5), ("z\\", 6)]


def test_grouped_needs_a_group_key() -> None:
    with Spool.of_json() as spool, pytest.raises(TypeError, match="group_by"):
        list(spool.grouped())


def test_find_returns_the_first_record_of_a_key() -> None:
    with Spool.of_json(in_memory=16) as spool:
        spool.append({"id": "a", "v": 1}, key="a")
        spool.append({"id": "b", "v": 2}, key="b")
        spool.append({"id": "a", "v": 3}, key="a")
        spool.append({"id": "c", "v": 4})
        assert "a" in spool
        assert "c" not in spool
        assert spool.find("a") == {"id": "a", "v": 1}
        assert spool.find("b") == {"id": "b", "v": 2}
        assert spool.find("c") is None
        spool.append({"id": "d", "v": 5})  # appends after a look-up still go to the end
        assert [r["v"] for r in spool] == [1, 2, 3, 4, 5]


def _fail_while_spooling(spool: Spool[Any]) -> None:
    with spool:
        spool.append({"n": 1})
        raise RuntimeError("parse failed")


def test_the_file_is_closed_on_an_error() -> None:
    spool = Spool.of_json(in_memory=1)
    with pytest.raises(RuntimeError, match="parse failed"):
        _fail_while_spooling(spool)
    with pytest.raises(ValueError, match="closed file"):
        list(spool)
