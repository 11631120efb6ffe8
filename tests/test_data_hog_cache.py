"""Issue 16: the HOG cache in the data home keeps the features it computed when the data home
cannot be written, and writers racing on one cache file never clash."""

import errno
import threading

import numpy as np

from labhelpers.chapters import ch04_hog

IMAGES = np.random.default_rng(0).integers(0, 256, (6, 28, 28), dtype=np.uint8)


def test_features_survive_a_data_home_that_cannot_be_written(tmp_path, monkeypatch, capsys):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system", str(tmp_path))

    monkeypatch.setattr(ch04_hog.np, "savez", read_only)
    values = ch04_hog.cached_features(IMAGES, "digits", cache_dir=tmp_path, progress=False)
    np.testing.assert_allclose(values, ch04_hog.features(IMAGES, progress=False))
    printed = capsys.readouterr().out
    assert "not cached" in printed and "Read-only file system" in printed
    assert list(tmp_path.iterdir()) == []


def test_threads_caching_the_same_features_never_clash(tmp_path, monkeypatch):
    computed = np.ones((len(IMAGES), 500_000), np.float32)  # 12 MB: long writes that overlap
    monkeypatch.setattr(ch04_hog, "features", lambda *args, **kwargs: computed)
    barrier, errors = threading.Barrier(4), []

    def compute():
        barrier.wait()
        try:
            ch04_hog.cached_features(
                IMAGES, "digits", cache_dir=tmp_path, progress=False, verbose=False
            )
        except Exception as error:  # reported by the assert below
            errors.append(error)

    threads = [threading.Thread(target=compute) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [path.suffix for path in tmp_path.iterdir()] == [".npz"]
