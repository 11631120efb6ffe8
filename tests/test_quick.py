import pytest

from labhelpers import quick


@pytest.mark.parametrize("value", ["1", "true", "YES", " on "])
def test_quick_mode_on(monkeypatch, value):
    monkeypatch.setenv("LAB_QUICK", value)
    assert quick.is_quick() is True
    assert quick.pick(full=20, quick=1) == 1


@pytest.mark.parametrize("value", ["0", "false", "no", "off", ""])
def test_quick_mode_off(monkeypatch, value):
    monkeypatch.setenv("LAB_QUICK", value)
    assert quick.is_quick() is False
    assert quick.pick(full=20, quick=1) == 20


def test_quick_mode_off_when_unset(monkeypatch):
    monkeypatch.delenv("LAB_QUICK", raising=False)
    assert quick.is_quick() is False
    assert quick.pick(full=None, quick=2000) is None


def test_unknown_value_says_what_to_use(monkeypatch):
    monkeypatch.setenv("LAB_QUICK", "maybe")
    with pytest.raises(ValueError, match="LAB_QUICK='maybe'.*1 \\(quick\\) or 0 \\(full\\)"):
        quick.is_quick()
