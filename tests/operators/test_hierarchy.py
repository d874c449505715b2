"""Built-in hierarchies generated from a column's values: date, postcode, numeric ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from veil.errors import ConfigError
from veil.jobs.privacy import apply_privacy
from veil.keys import Keyring
from veil.operators.base import OpContext, get
from veil.operators.hierarchy import (
    DATE_LEVELS,
    Hierarchy,
    HierarchyError,
    builtin,
    builtin_levels,
    needs_values,
    range_widths,
)
from veil.policy.models import PrivacyBlock

REF = datetime(2026, 11, 22, tzinfo=UTC)
KEY = Keyring.from_key(bytes(range(32)))


def levels_of(spec: str, values: pa.Array) -> list[list]:
    """Every level of the generated hierarchy, applied to ``values`` themselves."""
    tree = Hierarchy.load(spec, values)
    return [tree.generalize(values, level).to_pylist() for level in range(tree.levels)]


def assert_tree(tree: Hierarchy) -> None:
    """The generated rows pass ``from_rows``'s checks (the ARX file reader's) too."""
    rows = list(zip(*(column.to_pylist() for column in tree.columns), strict=True))
    if not rows:
        return
    again = Hierarchy.from_rows(rows, name="again")
    assert [c.to_pylist() for c in again.columns] == [c.to_pylist() for c in tree.columns]


def gen(spec: dict, values: pa.Array) -> list:
    op = get("generalize")
    params = op.params.model_validate({"op": "generalize", "method": "hierarchy", **spec})
    batch = pa.RecordBatch.from_arrays([values], names=["c"])
    return list(op.factory(params)(values, OpContext(batch, KEY, REF, "c", "c")).to_pylist())


# -- builtin:date ------------------------------------------------------------------------------


DATE_LEVEL_VALUES = [
    ["2024-05", "1999-12", "2024-02", None],
    ["2024-Q2", "1999-Q4", "2024-Q1", None],
    ["2024", "1999", "2024", None],
    ["2020s", "1990s", "2020s", None],
    ["*", "*", "*", None],
]


def test_date_levels_from_date32() -> None:
    values = pa.array([date(2024, 5, 17), date(1999, 12, 31), date(2024, 2, 29), None])
    got = levels_of("builtin:date", values)
    assert len(got) == DATE_LEVELS == builtin_levels("builtin:date")
    assert got[0] == ["2024-05-17", "1999-12-31", "2024-02-29", None]
    assert got[1:] == DATE_LEVEL_VALUES
    assert_tree(Hierarchy.load("builtin:date", values))


def test_date_levels_from_zoned_timestamps() -> None:
    moments = [
        datetime(2024, 5, 17, 8, 0, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 0, tzinfo=UTC),
        None,
    ]
    values = pa.array(moments, pa.timestamp("ms", tz="UTC"))
    got = levels_of("builtin:date", values)
    assert got[0] == values.cast(pa.string()).to_pylist()  # the Arrow text, found again
    assert got[0][0] == "2024-05-17 08:00:00.000Z"
    assert got[1:] == DATE_LEVEL_VALUES
    # a zoned timestamp is labelled in its own zone, as its text shows it
    new_york = values.cast(pa.timestamp("ms", tz="America/New_York"))
    assert levels_of("builtin:date", new_york)[1][:2] == ["2024-05", "1999-12"]


def test_date_levels_from_iso_text() -> None:
    values = pa.array(
        ["2024-05-17", "1999-12-31T23:30:00-05:00", " 2024-02-29 10:00:00.123Z ", None, ""]
    )
    got = levels_of("builtin:date", values)
    assert got[0] == [*values.to_pylist()[:4], "*"]  # empty text is unknown
    assert [level[:4] for level in got[1:]] == DATE_LEVEL_VALUES
    assert [level[4] for level in got[1:]] == ["*"] * 5
    # large_string and dictionary columns are read the same way
    assert levels_of("builtin:date", values.cast(pa.large_string()))[1] == got[1]
    assert levels_of("builtin:date", values.dictionary_encode())[2] == got[2]


@pytest.mark.parametrize(
    "bad", ["secret-1987-03-04", "2023-02-29", "2024-13-01", "2024-04-31", "17/05/2024", "2024-5-1"]
)
def test_unparseable_dates_are_refused_without_the_value(bad: str) -> None:
    values = pa.array(["2024-05-17", None, bad, bad])
    with pytest.raises(HierarchyError, match="1 of 2 distinct values are not ISO 8601") as info:
        Hierarchy.load("builtin:date", values)
    assert "row 3" in str(info.value)
    assert bad not in str(info.value) and "secret" not in str(info.value)


def test_date_needs_temporal_or_text() -> None:
    with pytest.raises(HierarchyError, match="needs dates"):
        Hierarchy.load("builtin:date", pa.array([1, 2]))


# -- builtin:postcode --------------------------------------------------------------------------


def test_postcode_masks_from_the_right() -> None:
    values = pa.array(["94107", "94110", None])
    tree = Hierarchy.load("builtin:postcode", values)
    assert tree.levels == 6
    assert [tree.column(level).to_pylist()[0] for level in range(6)] == [
        "94107",
        "9410*",
        "941**",
        "94***",
        "9****",
        "*",
    ]
    assert tree.generalize(values, 3).to_pylist() == ["94***", "94***", None]
    assert_tree(tree)


def test_postcodes_of_mixed_lengths_keep_separators_and_pad_with_star() -> None:
    values = pa.array(["SW1A 1AA", "K1A 0B1", "94107", "94107-1234", "W1A 0AX", "1", None])
    got = levels_of("builtin:postcode", values)
    assert len(got) == 10  # 94107-1234 has 9 maskable characters
    assert [level[0] for level in got] == [
        "SW1A 1AA",
        "SW1A 1A*",
        "SW1A 1**",
        "SW1A ***",
        "SW1* ***",
        "SW** ***",
        "S*** ***",
        *["*"] * 3,
    ]
    assert [level[1] for level in got][:7] == [
        "K1A 0B1",
        "K1A 0B*",
        "K1A 0**",
        "K1A ***",
        "K1* ***",
        "K** ***",
        "*",
    ]
    assert got[5][3] == "9410*-****"
    assert [level[5] for level in got] == ["1", *["*"] * 9]
    assert all(level[6] is None for level in got)
    assert_tree(Hierarchy.load("builtin:postcode", values))
    assert builtin_levels("builtin:postcode") is None


def test_postcode_tree_holds_with_stars_and_separators_in_the_data() -> None:
    values = pa.array(["12*4", "1234", "12 4", "-", " ", "**", "*1", "A-", "a b-c"])
    tree = Hierarchy.load("builtin:postcode", values)
    assert_tree(tree)
    assert tree.generalize(pa.array(["-", " "]), 1).to_pylist() == ["*", "*"]


def test_overlong_postcodes_are_refused_without_the_value() -> None:
    secret = "secret street 12345"
    with pytest.raises(HierarchyError, match="longer than 16") as info:
        Hierarchy.load("builtin:postcode", pa.array(["94107", secret]))
    assert "secret" not in str(info.value) and "row 2" in str(info.value)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(alphabet="AB1 -*", max_size=8)), max_size=30))
def test_postcode_levels_nest_and_depend_on_the_value_alone(values: list[str | None]) -> None:
    column = pa.array(values, pa.string())
    tree = Hierarchy.load("builtin:postcode", column)
    assert_tree(tree)
    for value in {v for v in values if v}:
        alone = Hierarchy.load("builtin:postcode", pa.array([value]))
        for level in range(tree.levels):
            got = tree.generalize(pa.array([value]), level).to_pylist()
            top = min(level, alone.levels - 1)
            assert got == alone.generalize(pa.array([value]), top).to_pylist()
            text = got[0]
            assert text == value or text == "*" or len(text) == len(value)


# -- builtin:range ------------------------------------------------------------------------------


def test_integer_ranges() -> None:
    values = pa.array([30, 34, 35, 49, 50, 0, -1, None], pa.int32())
    got = levels_of("builtin:range:5,10,50", values)
    assert got == [
        ["30", "34", "35", "49", "50", "0", "-1", None],
        ["30-34", "30-34", "35-39", "45-49", "50-54", "0-4", "-5--1", None],
        ["30-39", "30-39", "30-39", "40-49", "50-59", "0-9", "-10--1", None],
        ["0-49", "0-49", "0-49", "0-49", "50-99", "0-49", "-50--1", None],
        ["*"] * 7 + [None],
    ]
    assert builtin_levels("builtin:range:5,10,50") == 5
    assert_tree(Hierarchy.load("builtin:range:5,10,50", values))


def test_integer_text_ranges_match_integer_columns() -> None:
    ints = pa.array([30, 34, 35, 7, None])
    text = pa.array(["30", "34", "35", "007", None])
    as_ints, as_text = levels_of("builtin:range:5,10", ints), levels_of("builtin:range:5,10", text)
    assert as_text[0] == text.to_pylist()
    assert (
        as_text[1:]
        == as_ints[1:]
        == [
            ["30-34", "30-34", "35-39", "5-9", None],
            ["30-39", "30-39", "30-39", "0-9", None],
            ["*", "*", "*", "*", None],
        ]
    )


def test_float_ranges_are_half_open() -> None:
    values = pa.array([30.5, 34.999, 35.0, -0.5, float("nan"), float("inf"), 2.0**60, None])
    got = levels_of("builtin:range:5,10", values)
    assert got[1] == ["[30, 35)", "[30, 35)", "[35, 40)", "[-5, 0)", "*", "*", "*", None]
    assert got[2] == ["[30, 40)", "[30, 40)", "[30, 40)", "[-10, 0)", "*", "*", "*", None]
    # decimal text is read as floating point; integers beyond 2**53 have no exact interval
    text = pa.array(["30.5", "1e3", "-0.5"])
    assert levels_of("builtin:range:5", text)[1] == ["[30, 35)", "[1000, 1005)", "[-5, 0)"]
    big = pa.array([2**60, 2**64 - 1], pa.uint64())
    assert levels_of("builtin:range:5", big)[1] == ["*", "*"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30))
def test_float_intervals_contain_their_value_and_nest(values: list[float]) -> None:
    tree = Hierarchy.load("builtin:range:1,5,10,100", pa.array(values))
    assert_tree(tree)
    for level, width in enumerate((1, 5, 10, 100), start=1):
        labels = tree.generalize(pa.array(values), level).to_pylist()
        for value, label in zip(values, labels, strict=True):
            low, high = (float(p) for p in label.strip("[)").split(", "))
            assert low <= value < high and high - low == width and low % width == 0


def test_number_text_that_is_no_number_is_refused_without_the_value() -> None:
    with pytest.raises(HierarchyError, match="1 of 3 distinct values are not numbers") as info:
        Hierarchy.load("builtin:range:5", pa.array(["30", "31", "secret-42"]))
    assert "secret" not in str(info.value) and "row 3" in str(info.value)
    with pytest.raises(HierarchyError, match="needs numbers"):
        Hierarchy.load("builtin:range:5", pa.array([True, False]))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("builtin:range", "at least one"),
        ("builtin:range:", "at least one"),
        ("builtin:range:5,12", "12 does not follow 5"),
        ("builtin:range:10,5", "5 does not follow 10"),
        ("builtin:range:5,5", "5 does not follow 5"),
        ("builtin:range:0,5", "positive"),
        ("builtin:range:2.5,5", "whole numbers"),
        ("builtin:range:5,-10", "whole numbers"),
    ],
)
def test_range_widths_are_validated(spec: str, message: str) -> None:
    with pytest.raises(HierarchyError, match=message):
        builtin_levels(spec)
    with pytest.raises(HierarchyError, match=message):
        Hierarchy.load(spec, pa.array([1]))
    with pytest.raises(ValidationError, match=message):
        get("generalize").params.model_validate(
            {"op": "generalize", "method": "hierarchy", "hierarchy": spec, "level": 1}
        )
    with pytest.raises(ValidationError, match=message):
        PrivacyBlock(quasi_identifiers=["x"], k=2, hierarchies={"x": spec})


def test_range_widths_parse() -> None:
    assert range_widths("range:5, 10,50") == (5, 10, 50)
    assert range_widths("range:1") == (1,)


# -- common --------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["builtin:date", "builtin:postcode", "builtin:range:5,10"])
def test_generated_builtins_need_values_and_handle_empty_columns(spec: str) -> None:
    assert needs_values(spec)
    with pytest.raises(HierarchyError, match="pass them"):
        Hierarchy.load(spec)
    with pytest.raises(HierarchyError, match=r"Hierarchy\.load\(spec, values\)"):
        builtin(spec.removeprefix("builtin:"))
    empty = Hierarchy.load(spec, pa.array([None, None], pa.string()))
    assert empty.levels == (builtin_levels(spec) or 2) and len(empty.values) == 0
    assert empty.generalize(pa.array(["x", None]), 1).to_pylist() == ["*", None]
    assert empty.generalize(pa.array(["x"]), 1, unknown=None).to_pylist() == [None]


def test_static_builtins_and_files_ignore_values(tmp_path) -> None:
    assert not needs_values("builtin:geo") and not needs_values("data/h.csv")
    assert Hierarchy.load("builtin:age", pa.array([1])) is builtin("age")
    assert builtin_levels("builtin:geo") == 4 and builtin_levels("builtin:age") == 5
    path = tmp_path / "h.csv"
    path.write_text("a;*\nb;*\n", encoding="utf-8")
    assert Hierarchy.load(str(path), pa.array(["zzz"])).values.to_pylist() == ["a", "b"]


def test_unknown_builtin_lists_every_builtin() -> None:
    with pytest.raises(HierarchyError) as info:
        Hierarchy.load("builtin:zip", pa.array(["1"]))
    for name in ("geo", "age", "date", "postcode", "range:W1,W2"):
        assert f"builtin:{name}" in str(info.value)
    with pytest.raises(ValidationError, match="unknown built-in"):
        PrivacyBlock(quasi_identifiers=["x"], k=2, hierarchies={"x": "builtin:zip"})


def test_unknown_values_follow_the_unknown_argument() -> None:
    tree = Hierarchy.load("builtin:range:5", pa.array([1, 2]))
    assert tree.generalize(pa.array([1, 99, None]), 1).to_pylist() == ["0-4", "*", None]
    assert tree.generalize(pa.array([99]), 1, unknown="?").to_pylist() == ["?"]
    assert tree.generalize(pa.array([99]), 1, unknown=None).to_pylist() == [None]


def test_chunked_columns_and_a_million_rows() -> None:
    rng = np.random.default_rng(7)
    zips = pc.utf8_lpad(pa.array(rng.integers(0, 100_000, 1_000_000)).cast(pa.string()), 5, "0")
    chunked = pa.chunked_array([zips.slice(0, 400_000), zips.slice(400_000)])
    tree = Hierarchy.load("builtin:postcode", chunked)
    assert len(tree.values) == len(pc.unique(zips)) and tree.levels == 6
    out = tree.generalize(chunked, 2)
    assert out.null_count == 0 and pc.all(pc.ends_with(out, "**")).as_py()
    assert pc.all(pc.equal(pc.utf8_slice_codeunits(out, 0, 3), pc.utf8_slice_codeunits(zips, 0, 3)))


def test_from_columns_checks_like_from_rows() -> None:
    good = [pa.array(["a", "b"]), pa.array(["x", "x"]), pa.array(["*", "*"])]
    assert Hierarchy.from_columns(good).levels == 3
    cases = [
        ([pa.array(["a", "a"]), pa.array(["x", "x"])], "row 2 repeats"),
        ([pa.array(["a", ""]), pa.array(["x", "x"])], "row 2 has an empty value"),
        ([pa.array(["a", "b"]), pa.array(["x", None])], "row 2 has no value at level 1"),
        ([pa.array(["a", "b"]), pa.array(["x"])], "level 1 has 1 rows"),
        (
            [pa.array(["a", "b", "c"]), pa.array(["x", "y", "x"]), pa.array(["p", "q", "q"])],
            "row 3: its level-1 value generalises",
        ),
        ([pa.array([], pa.string())], "no rows"),
    ]
    for columns, message in cases:
        with pytest.raises(HierarchyError, match=message):
            Hierarchy.from_columns(columns)


# -- the generalize operator, batch by batch ----------------------------------------------------


def test_operator_with_generated_builtins() -> None:
    days = pa.array([date(2024, 5, 17), None, date(1987, 3, 4)])
    assert gen({"hierarchy": "builtin:date", "level": 2}, days) == ["2024-Q2", None, "1987-Q1"]
    codes = pa.array(["94107", "SW1A 1AA", None])
    assert gen({"hierarchy": "builtin:postcode", "level": 3}, codes) == ["94***", "SW1A ***", None]
    # a postcode level beyond this batch's longest value is * for every value
    assert gen({"hierarchy": "builtin:postcode", "level": 12}, codes) == ["*", "*", None]
    ages = pa.array(["30", "41", None])
    assert gen({"hierarchy": "builtin:range:5,10", "level": 1}, ages) == ["30-34", "40-44", None]
    with pytest.raises(ValidationError, match="'level' must be below 6"):
        get("generalize").params.model_validate(
            {"op": "generalize", "method": "hierarchy", "hierarchy": "builtin:date", "level": 6}
        )
    with pytest.raises(ValidationError, match="'level' must be below 4"):
        get("generalize").params.model_validate(
            {
                "op": "generalize",
                "method": "hierarchy",
                "hierarchy": "builtin:range:5,10",
                "level": 4,
            }
        )


@pytest.mark.parametrize(
    ("spec", "column"),
    [
        ("builtin:postcode", pa.array(["94107", "94110", "SW1A 1AA", "K1A 0B1", "1", None] * 5)),
        ("builtin:range:5,10,50", pa.array([3, 30, 34, 77, -8, None] * 5)),
        ("builtin:range:5,10,50", pa.array([3.5, 30.0, 34.2, 77.7, -8.1, None] * 5)),
        ("builtin:date", pa.array([date(2024, 5, 17), date(1999, 1, 1), None] * 5)),
        (
            "builtin:date",
            pa.array(
                [datetime(2024, 5, 17, 10, tzinfo=UTC), datetime(1999, 1, 1, tzinfo=UTC), None] * 5,
                pa.timestamp("ms", tz="UTC"),
            ),
        ),
    ],
)
def test_batches_agree_with_the_whole_column(spec: str, column: pa.Array) -> None:
    """Each value's generalisation depends on that value alone: batch by batch (each with its
    own generated hierarchy) gives what the whole column's hierarchy gives."""
    whole = Hierarchy.load(spec, column)
    for level in range(whole.levels):
        expected = whole.generalize(column, level).to_pylist()
        batched: list = []
        for start in range(0, len(column), 4):
            batched += gen({"hierarchy": spec, "level": level}, column.slice(start, 4))
        assert batched == expected


# -- privacy enforcement -----------------------------------------------------------------------


def _postcode_table() -> pa.Table:
    rng = np.random.default_rng(3)
    prefixes = np.array(["941", "100", "606", "021"])
    pairs = zip(rng.choice(prefixes, 400), rng.integers(0, 100, 400), strict=True)
    zips = [f"{p}{n:02d}" for p, n in pairs]
    days = [date(1950 + int(y), int(m), 1 + int(d)) for y, m, d in rng.integers(1, 13, (400, 3))]
    return pa.table({"zip": zips, "birth": pa.array(days, pa.date32())})


@pytest.mark.parametrize(
    ("qis", "middle"),
    [(["zip"], {"zip": "9410*"}), (["birth"], {"birth": "1953-Q2"}), (["zip", "birth"], {})],
)
def test_apply_privacy_reaches_k_with_generated_builtins(
    qis: list[str], middle: dict[str, str]
) -> None:
    table = _postcode_table()
    block = PrivacyBlock(
        quasi_identifiers=qis,
        k=5,
        on_violation="enforce",
        max_suppression=0.02,
        hierarchies={"zip": "builtin:postcode", "birth": "builtin:date"},
    )
    out, record = apply_privacy(table, block)
    assert record["before"]["k"] == 1 and record["after"]["k"] >= 5
    assert record["enforcement"]["suppressed"] <= 0.02 * table.num_rows
    assert out.num_rows == table.num_rows - record["enforcement"]["suppressed"]
    # a middle level of the generated hierarchy is enough: the column is not * whole
    for qi, example in middle.items():
        level = record["enforcement"]["levels"][qi]
        assert 0 < level < Hierarchy.load(block.hierarchies[qi], table.column(qi)).levels - 1
        published = set(out.column(qi).to_pylist())
        assert "*" not in published and len(example) == len(next(iter(published)))


def test_apply_privacy_reports_bad_hierarchy_data_as_config_error() -> None:
    table = pa.table({"birth": ["2024-01-01", "1987-03-04-secret"] * 3})
    block = PrivacyBlock(
        quasi_identifiers=["birth"],
        k=4,
        on_violation="enforce",
        hierarchies={"birth": "builtin:date"},
    )
    with pytest.raises(ConfigError, match=r"privacy\.hierarchies\.birth") as info:
        apply_privacy(table, block)
    assert "secret" not in str(info.value)
