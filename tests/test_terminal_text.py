"""What the CLI prints of stored text never drives the terminal: escapes, bidi overrides and newlines are shown escaped."""

from connectome.cli.common import printable
from connectome.cli.topology import _extras


def test_printable_escapes_control_format_and_separator_characters():
    assert printable("a\x1b]0;owned\x07b\u202ec\nd\u2028é 😀") == "a\\u001b]0;owned\\u0007b\\u202ec\\u000ad\\u2028é 😀"


def test_attributes_of_an_older_store_are_shown_escaped():
    """Keys stored before they were checked (and any value) cannot forge a table row or set the terminal title."""
    shown = _extras({"name": "A", "share": 1, "\x1b]0;owned\x07": 1, "x\nfake | row": "\u202eevil"}, ("name", "share"))
    assert shown == '\\u001b]0;owned\\u0007=1 x\\u000afake | row="\\u202eevil"'
