"""What the CLI prints of stored text never drives the terminal: escapes, bidi overrides and newlines are shown escaped."""

from connectome.cli.common import printable
from connectome.cli.topology import _extras


def test_printable_escapes_control_format_and_separator_characters():
    assert printable("a\x1b]0;owned\x07b\u202ec\nd\u2028é 😀") == "a\\u001b]0;owned\\u0007b\\u202ec\\u000ad\\u2028é 😀"


def test_attributes_of_an_older_store_are_shown_escaped():
    """Keys stored before they were checked (and any value) cannot forge a table row or set the terminal title."""
    shown = _extras({"name": "A", "share": 1, "\x1b]0;owned\x07": 1, "x\nfake | row": "\u202eevil"}, ("name", "share"))
    assert shown == '\\u001b]0;owned\\u0007=1 x\\u000afake | row="\\u202eevil"'


def test_every_table_cell_is_printed_escaped():
    """A name planted behind the store's guards cannot set the terminal title or forge a row in any listing."""
    from connectome.cli.common import table

    shown = table([("a\x1b]0;pwned\x07\nforged_row@v9", 1)], ["ref", "n"])
    assert shown.splitlines() == ["ref" + " " * 39 + "n", "-" * 40 + "  -", "a\\u001b]0;pwned\\u0007\\u000aforged_row@v9  1"]
