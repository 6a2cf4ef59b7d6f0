"""The creatives CSV parser shared by import_creatives and the upload page."""
import pytest
from django.core.exceptions import ValidationError

from feedback.services.creative_csv import URL_PROBLEM, creative_csv_parse

HEADER = "image,external_id,headline,body,channel,format,campaign,tags,metadata\n"


def test_columns_become_copy_and_metadata_with_tags_split_on_semicolons():
    (row,) = creative_csv_parse(text=HEADER + 'a.png,c1,Hi,Body,tiktok,story,spring, x ; y ;,"{""brand"": ""Acme""}"\n')
    assert (row.line, row.external_id, row.image, row.headline, row.body, row.problem) == (
        2, "c1", "a.png", "Hi", "Body", ""
    )
    assert row.metadata == {"brand": "Acme", "channel": "tiktok", "format": "story", "campaign": "spring",
                            "tags": ["x", "y"]}


def test_external_id_defaults_to_the_image_name_without_suffix():
    (row,) = creative_csv_parse(text="image\nshots/summer-01.jpg\n")
    assert (row.external_id, row.image_name) == ("summer-01", "summer-01.jpg")


def test_image_name_drops_windows_folders_too():
    (row,) = creative_csv_parse(text="image\nC:\\ads\\x.png\n")
    assert row.image_name == "x.png"


@pytest.mark.parametrize("image", ["https://cdn.example/x.png", "HTTP://a/b.png", "//cdn/x.png", "ftp://h/x.png"])
def test_a_url_is_skipped_and_never_fetched(image):
    (row,) = creative_csv_parse(text=f"image,external_id\n{image},c1\n")
    assert row.problem == URL_PROBLEM


def test_metadata_that_is_not_a_json_object_names_its_line():
    rows = creative_csv_parse(text='image,metadata\na.png,"[1]"\nb.png,{broken\n')
    assert rows[0].problem == "line 2: metadata must be a JSON object"
    assert rows[1].problem.startswith("line 3: metadata is not valid JSON")


def test_a_byte_order_mark_and_spaces_around_column_names_are_ignored():
    (row,) = creative_csv_parse(text="\ufeff image , headline\na.png,Hello\n")
    assert (row.image, row.headline) == ("a.png", "Hello")


def test_a_row_without_image_keeps_its_external_id_to_update_copy():
    (row,) = creative_csv_parse(text="external_id,headline\nc9,New copy\n")
    assert (row.external_id, row.image, row.problem) == ("c9", "", "")


def test_short_rows_read_missing_cells_as_empty():
    (row,) = creative_csv_parse(text=HEADER + "a.png\n")
    assert (row.external_id, row.headline, row.metadata) == ("a", "", {})


@pytest.mark.parametrize("text", ["", "headline,body\nx,y\n"])
def test_a_file_without_image_or_external_id_column_is_refused(text):
    with pytest.raises(ValidationError) as caught:
        creative_csv_parse(text=text)
    assert "csv" in caught.value.message_dict


def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr("feedback.services.creative_csv.MAX_CSV_ROWS", 3)
    with pytest.raises(ValidationError, match="more than 3 rows"):
        creative_csv_parse(text="image\n" + "a.png\n" * 4)
