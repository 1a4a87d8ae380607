"""Specification of lgc's --help: every option says its default, every command shows
examples that run."""
import argparse
import re
import shlex

import pytest

from lgc.cli import build_parser


def _commands():
    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return {"lgc": parser, **{f"lgc {name}": p for name, p in sub.choices.items()}}


def _option_entries(text):
    """{first option string: its help entry} from an argparse help text."""
    entries, current = {}, None
    for line in text.splitlines():
        match = re.match(r"  (-[-\w]+)", line)
        if match:
            current = match.group(1)
            entries[current] = line
        elif current and line.startswith("   "):
            entries[current] += " " + line.strip()
        else:
            current = None
    return entries


@pytest.mark.parametrize("command", list(_commands()))
def test_every_option_with_a_default_says_it_in_help(command):
    parser = _commands()[command]
    entries = _option_entries(parser.format_help())
    has_default = [a for a in parser._actions if a.option_strings
                   and a.default is not None and a.default is not False
                   and a.default != argparse.SUPPRESS]
    assert has_default or command in ("lgc", "lgc basins", "lgc fla", "lgc problems")
    for action in has_default:
        entry = entries[action.option_strings[0]]
        assert "default" in entry, f"{command} --help: {entry!r} does not give its default"


def test_a_default_is_shown_with_its_value():
    """Where the help text does not word the default itself, the value is printed."""
    entries = _option_entries(_commands()["lgc run"].format_help())
    assert "(default: 0)" in entries["--seed"] and "(default: float64)" in entries["--precision"]
    assert "(default" not in entries["--quiet"]  # a flag has no default to show


@pytest.mark.parametrize("command", list(_commands()))
def test_every_command_ends_with_examples_that_parse(command):
    """Each example line of the epilog is a valid command line for this parser."""
    text = _commands()[command].format_help()
    assert "\nexamples:\n" in text, f"{command} --help has no examples"
    block = text.split("\nexamples:\n", 1)[1]
    lines = [l.strip() for l in block.replace("\\\n", " ").splitlines()]
    examples = [l for l in lines if l.startswith("lgc ")]
    assert examples, block
    for example in examples:
        argv = shlex.split(example, comments=True)[1:]
        if "--help" in argv:
            continue
        build_parser().parse_args(argv)  # exits 2 on a bad example
