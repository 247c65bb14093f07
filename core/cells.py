"""Text written into a spreadsheet cell (CSV, XLSX) without a spreadsheet program running it: a
cell that begins like a formula gets a leading apostrophe, which spreadsheet programs read as
"this is text". Every file the registry writes for people to open goes through it."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralised(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
