"""``manage.py inspect_register``: what the importer reads, printed for an operator."""

import pytest
from django.core.management import CommandError, call_command


def inspect(path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("inspect_register", str(path), stdout=out)
    return out.getvalue()


def test_it_prints_what_was_detected(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes(
        "Our register;;\ntitle;stage;owner\nRéunion;Unknown;José\nTriage;Pilot;\n".encode("cp1252")
    )

    output = inspect(path)

    assert "format:      not recognised" in output
    assert "encoding:    cp1252" in output
    assert "dialect:     semicolon separated" in output
    assert "header row:  2" in output
    assert "rows:        2 " in output
    assert "  - stage  (1 read as empty: placeholders)" in output
    assert "row 3:\n  title: Réunion\n  owner: José\n" in output


def test_it_names_a_recognised_format(shared_data):
    output = inspect(shared_data / "us_federal_ai_inventory_2023.csv")

    assert "format:      US federal AI use case inventory 2023 [us-2023]" in output
    assert "rows:        710 " in output


def test_a_bad_file_is_a_command_error(tmp_path):
    path = tmp_path / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\nrest")

    with pytest.raises(CommandError, match="image.csv is a PNG image"):
        inspect(path)
    with pytest.raises(CommandError, match="No file at"):
        inspect(tmp_path / "missing.csv")


def test_it_names_the_rows_whose_data_past_the_columns_was_not_read(tmp_path):
    path = tmp_path / "register.csv"
    filler = b"".join(b"R%d,IT\n" % n for n in range(30_000))
    path.write_bytes(b"title,team\n" + filler + b"X,IT,lost\nY,IT\nZ,IT,,lost too\n")

    output = inspect(path)

    assert "ragged rows: 2 with data past the columns, not read (rows 30002, 30004)" in output
