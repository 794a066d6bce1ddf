"""The CLI frame: the command→module map matches what modules register; exit codes map in one place."""

from __future__ import annotations

import argparse
import importlib

from workbench import cli


def test_command_map_matches_registered_commands():
    registered = {}
    for name in cli.GROUPS:
        mod = importlib.import_module(name)
        sub = argparse.ArgumentParser().add_subparsers()
        mod.register(sub)
        for command in sub.choices:
            registered[command] = name
    assert registered == cli.COMMANDS


def test_bad_input_maps_to_exit_2_and_json(capsys):
    code = cli.main(["hub", "status", "--hub", "/nonexistent/dir/hub.duckdb", "--json"])
    assert code == 4  # no hub there: a locked/unavailable resource
    out = capsys.readouterr()
    assert '"exit_code": 4' in out.out and "hub init" in out.err


def test_no_command_prints_help_and_exits_2(capsys):
    assert cli.main([]) == 2
