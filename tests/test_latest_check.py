"""tools/latest_check.py: the newest-versus-lock table and the verdict under it."""

from tools import latest_check

LOCK = """\
# via a comment, not a pin
Jupyter_Book==1.0.4.post1 \\
    --hash=sha256:00
numpy==2.4.6
torch==2.13.0+cpu
"""


def test_locked_versions_reads_pins_by_canonical_name():
    assert latest_check.locked_versions(LOCK) == {
        "jupyter-book": "1.0.4.post1",
        "numpy": "2.4.6",
        "torch": "2.13.0+cpu",
    }


def test_differences_list_changed_added_and_removed_packages_only():
    locked = {"numpy": "2.4.6", "keras": "3.15.1", "six": "1.17.0"}
    newest = {"numpy": "2.5.0", "keras": "3.15.1", "rich": "14.0", "pip": "26.3"}
    assert latest_check.differences(locked, newest) == [
        ("numpy", "2.4.6", "2.5.0"),
        ("rich", "-", "14.0"),
        ("six", "1.17.0", "-"),
    ]


def test_format_table_aligns_columns_under_a_header():
    table = latest_check.format_table([("numpy", "2.4.6", "2.5.0"), ("scikit-image", "0.26", "-")])
    assert table.splitlines() == [
        "package       locked  newest",
        "------------  ------  ------",
        "numpy         2.4.6   2.5.0",
        "scikit-image  0.26    -",
    ]


def test_verdict_says_pass_or_fail_with_pytest_s_status():
    assert "still passes" in latest_check.verdict(0)
    assert "FAILS (pytest exit 1" in latest_check.verdict(1)
