"""Shared test set-up.

Tests that need an optional dependency (torch, Graphviz's ``dot``) skip when it is
missing. With MICROGRAD_STRICT_SKIPS=1 (as in CI) every skip is a failure instead.
"""

import os

import pytest

STRICT_SKIPS = os.environ.get("MICROGRAD_STRICT_SKIPS") == "1"


def _fail_skip(report):
    if STRICT_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, and MICROGRAD_STRICT_SKIPS=1 forbids skips: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result())
