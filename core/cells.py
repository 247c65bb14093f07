"""Text written into a spreadsheet cell (CSV, XLSX) without a spreadsheet program running it: a
cell that begins like a formula gets a leading apostrophe, which spreadsheet programs read as
"this is text". Every file the registry writes for people to open goes through it."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it. Text that already begins with the
    apostrophe and a formula start gets one more, so reading the apostrophe back off (as the
    importer does for the registry's own CSV) gives the text exactly."""
    runs = text.startswith(FORMULA_STARTS)
    return f"'{text}" if runs or (text[:1] == "'" and text[1:].startswith(FORMULA_STARTS)) else text


def unneutralised(cell: str) -> str:
    """A cell :func:`neutralised` wrote, read back as the text it was: the one ``'`` it put before
    a text a spreadsheet would run (or before such a ``'``) taken off; any other cell as it is."""
    if cell[:1] != "'":
        return cell
    text = cell[1:]
    if text.startswith(FORMULA_STARTS) or (text[:1] == "'" and text[1:].startswith(FORMULA_STARTS)):
        return text
    return cell
