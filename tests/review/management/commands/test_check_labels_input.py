"""`manage.py check_labels` on the files newcomers really have: each problem is one clear line."""
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROWS = [("a", "ann", 1), ("a", "bob", 2), ("a", "cy", 2), ("b", "ann", 4), ("b", "bob", 5),
        ("b", "cy", 4), ("c", "ann", 3), ("c", "bob", 3), ("c", "cy", 2)]


def _write(tmp_path, text, name="ratings.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return path


def _lines(rows, sep=","):
    return "\n".join(sep.join(str(x) for x in row) for row in rows) + "\n"


def _run(path, tmp_path, *args):
    out = tmp_path / "report.json"
    call_command("check_labels", str(path), "--out", str(out), "--n-boot", "20", *args)
    return json.loads(out.read_text())


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_and_tab_separated_files_are_detected(tmp_path, sep):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS], sep))
    report = _run(path, tmp_path)
    assert len(report["items"]) == 3


def test_delimiter_can_be_given(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS], ";"))
    report = _run(path, tmp_path, "--delimiter", "semicolon")
    assert {item["item"] for item in report["items"]} == {"a", "b", "c"}


def test_a_utf8_byte_order_mark_does_not_hide_the_first_column(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS]), encoding="utf-8-sig")
    assert len(_run(path, tmp_path)["items"]) == 3


def test_category_labels_are_coded_in_the_given_order(tmp_path):
    letters = {1: "G", 2: "P", 3: "R", 4: "X", 5: "X"}
    rows = [(i, r, letters[v]) for i, r, v in ROWS]
    path = _write(tmp_path, _lines([("item", "rater", "value"), *rows]))
    report = _run(path, tmp_path, "--categories", "G,P,R,X")
    means = {item["item"]: item["mean"] for item in report["items"]}
    assert means["a"] < means["c"] < means["b"]


def test_text_labels_without_an_order_ask_for_categories(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), ("a", "ann", "G"), ("a", "bob", "P")]))
    with pytest.raises(CommandError, match=r"row 2: value 'G' is not a number; .*--categories G,P"):
        _run(path, tmp_path)


def test_text_labels_are_classes_at_the_nominal_level(tmp_path):
    rows = [(i, r, "cat" if v < 3 else "dog") for i, r, v in ROWS]
    path = _write(tmp_path, _lines([("item", "rater", "value"), *rows]))
    report = _run(path, tmp_path, "--level", "nominal")
    assert report["criteria"]["default"]["consensus_method"] == "dawid_skene"


def test_na_and_empty_cells_are_missing_labels(tmp_path):
    rows = [*ROWS, ("c", "dee", "NA"), ("b", "dee", "")]
    path = _write(tmp_path, _lines([("item", "rater", "value"), *rows]))
    report = _run(path, tmp_path)
    assert report["criteria"]["default"]["n_ratings"] == len(ROWS)


def test_an_infinite_value_is_rejected_with_its_row(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS[:3], ("b", "ann", "inf")]))
    with pytest.raises(CommandError, match=r"^row 5: value is infinite"):
        _run(path, tmp_path)


def test_an_unknown_kind_is_rejected_with_its_row(tmp_path):
    rows = [(i, r, v, "normal") for i, r, v in ROWS[:2]] + [("b", "ann", 3, "golden")]
    path = _write(tmp_path, _lines([("item", "rater", "value", "kind"), *rows]))
    with pytest.raises(CommandError, match=r"^row 4: kind 'golden' is not one of normal"):
        _run(path, tmp_path)


def test_a_short_row_is_rejected_with_its_row(tmp_path):
    path = _write(tmp_path, "item,rater,value\na,ann,1\nb,bob\n")
    with pytest.raises(CommandError, match=r"^row 3 has 2 fields, the header has 3"):
        _run(path, tmp_path)


def test_duplicate_rows_are_reported_and_can_be_averaged(tmp_path, capsys):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS, ("a", "ann", 3)]))
    report = _run(path, tmp_path, "--duplicates", "mean")
    assert "1 duplicate rows" in capsys.readouterr().err
    assert report["criteria"]["default"]["n_ratings"] == len(ROWS)
    # ann said 1 and 3 on item a: her label becomes 2, so the mean of (2, 2, 2)
    assert next(i for i in report["items"] if i["item"] == "a")["mean"] == pytest.approx(2.0)


def test_duplicate_rows_keep_the_last_when_asked(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS, ("a", "ann", 5)]))
    report = _run(path, tmp_path, "--duplicates", "last")
    assert next(i for i in report["items"] if i["item"] == "a")["mean"] == pytest.approx(3.0)


def test_out_in_a_missing_folder_fails_before_the_analysis(tmp_path):
    path = _write(tmp_path, "not,a,ratings file\n")
    with pytest.raises(CommandError, match="--out folder .* does not exist"):
        call_command("check_labels", str(path), "--out", str(tmp_path / "nope" / "r.json"))


def test_summary_counts_analysed_labels_and_names_only_raters_with_enough_labels(tmp_path, capsys):
    rows = [*ROWS, ("c", "dee", "NA")]
    path = _write(tmp_path, _lines([("item", "rater", "value"), *rows]))
    _run(path, tmp_path)
    output = capsys.readouterr().out
    assert f"of {len(ROWS)} analysed labels" in output
    assert "least reliable raters (of those with 20+ compared labels): none yet" in output


def test_summary_says_whether_the_consensus_converged(tmp_path, capsys):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS]))
    _run(path, tmp_path)
    assert "(graded, converged in" in capsys.readouterr().out


def test_dawid_skene_can_be_the_consensus_of_an_ordinal_scale(tmp_path):
    path = _write(tmp_path, _lines([("item", "rater", "value"), *ROWS]))
    report = _run(path, tmp_path, "--consensus", "dawid_skene")
    criterion = report["criteria"]["default"]
    assert (criterion["consensus_method"], criterion["level"]) == ("dawid_skene", "ordinal")
