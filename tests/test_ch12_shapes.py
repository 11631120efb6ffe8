"""Tests of labhelpers.shapes: the shapes lab's image generators (chapter 12)."""

import numpy as np
import pytest
from skimage import draw

from labhelpers.chapters import ch12_shapes as shapes


def fill_ratio(image: np.ndarray) -> float:
    """Share of the bounding box of the bright pixels that is bright."""
    rows, cols = np.nonzero(image > 0.5)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    return float((image > 0.5).sum() / box)


@pytest.mark.parametrize("free", [False, True])
def test_classification_shapes_range_and_balance(free):
    x, y = shapes.make_classification(30, noise=0.1, free_location=free, seed=0)
    assert x.shape == (30, 72, 72) and x.dtype == np.float32
    assert y.shape == (30,) and y.dtype == np.int64
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert np.bincount(y, minlength=3).tolist() == [10, 10, 10]


@pytest.mark.parametrize("free", [False, True])
def test_labels_match_the_drawn_pixels(free):
    """A rectangle fills its bounding box, a disk pi/4 of it, a triangle at most half."""
    x, y = shapes.make_classification(90, free_location=free, seed=1)
    for image, label in zip(x, y, strict=True):
        ratio = fill_ratio(image)
        if label == 0:
            assert ratio > 0.9, ratio
        elif label == 1 and not free:  # free disks may be cut by the border
            assert abs(ratio - np.pi / 4) < 0.06, ratio
        elif label == 2:
            assert ratio < 0.6, ratio


def test_centred_shapes_are_centred_and_sized_as_the_lab():
    rng = np.random.default_rng(2)
    for label in range(3):
        image, geometry = shapes.random_shape(label, rng)
        rows, cols = np.nonzero(image > 0.5)
        box_centre = ((rows.min() + rows.max()) / 2, (cols.min() + cols.max()) / 2)
        assert box_centre == pytest.approx((35.5, 35.5), abs=1)
        assert 0.3 * 72 - 2 <= rows.max() - rows.min() + 1 <= 72
        if label == 1:
            assert 0.15 <= geometry[2] <= 0.5
            assert image.sum() / 72**2 == pytest.approx(np.pi * geometry[2] ** 2, rel=0.03)


def test_polygon_matches_skimage_draw():
    rng = np.random.default_rng(3)
    for _ in range(50):
        vertices = rng.random((3, 2)) * 1.2 - 0.1
        ours = shapes.render_polygon(vertices, supersample=1)
        rows, cols = draw.polygon(vertices[:, 1] * 72 - 0.5, vertices[:, 0] * 72 - 0.5, (72, 72))
        theirs = np.zeros((72, 72), np.float32)
        theirs[rows, cols] = 1
        assert (ours != theirs).sum() <= 2


def test_antialiased_area_matches_the_geometry():
    vertices = np.array([[0.1, 0.1], [0.9, 0.2], [0.5, 0.9]])
    image = shapes.render_polygon(vertices)
    assert image.sum() / 72**2 == pytest.approx(shapes.triangle_area(vertices), rel=0.01)
    assert len(np.unique(image)) > 2, "edges should be anti-aliased (grey values)"


def test_triangles_vertices_inside_and_drawn_where_they_say():
    x, vertices = shapes.make_triangles(20, seed=4)
    assert x.shape == (20, 72, 72) and vertices.shape == (20, 3, 2)
    assert vertices.min() >= 0 and vertices.max() <= 1
    assert np.all(shapes.triangle_area(vertices) >= shapes.MIN_TRIANGLE_AREA)
    for image, triangle in zip(x, vertices, strict=True):
        rows, cols = np.nonzero(image > 0.5)
        centroid = triangle.mean(axis=0) * 72 - 0.5
        assert abs(cols.mean() - centroid[0]) < 2 and abs(rows.mean() - centroid[1]) < 2


def test_same_seed_same_data_other_seed_other_data():
    a = shapes.make_classification(12, noise=0.1, free_location=True, seed=7)
    b = shapes.make_classification(12, noise=0.1, free_location=True, seed=7)
    c = shapes.make_classification(12, noise=0.1, free_location=True, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])
    t1, t2 = shapes.make_triangles(5, seed=9), shapes.make_triangles(5, seed=9)
    assert np.array_equal(t1[1], t2[1])


def test_sort_vertices_is_the_same_for_every_order():
    _, vertices = shapes.make_triangles(10, seed=5)
    reference = shapes.sort_vertices(vertices)
    for order in [(0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0)]:
        assert np.array_equal(shapes.sort_vertices(vertices[:, order]), reference)
    assert np.all(np.diff(reference[:, :, 0], axis=1) >= 0), "x must increase"
    # the points are kept whole: every sorted vertex is one of the original vertices
    for original, sorted_ in zip(vertices, reference, strict=True):
        assert {tuple(p) for p in original} == {tuple(p) for p in sorted_}


def test_sort_vertices_breaks_ties_by_y():
    triangle = np.array([[0.5, 0.9], [0.5, 0.1], [0.2, 0.4]])
    expected = np.array([[0.2, 0.4], [0.5, 0.1], [0.5, 0.9]])
    assert np.array_equal(shapes.sort_vertices(triangle), expected)


def test_draw_triangles_draws_both_outlines():
    x, vertices = shapes.make_triangles(3, seed=6)
    axes = shapes.draw_triangles(x, vertices, vertices + 0.01, ncols=3)
    assert len(axes[0].lines) == 2
    import matplotlib.pyplot as plt

    plt.close("all")


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: shapes.make_classification(0), ValueError),
        (lambda: shapes.make_classification(2.5), TypeError),
        (lambda: shapes.make_classification(3, size=4), ValueError),
        (lambda: shapes.make_classification(3, noise=-0.1), ValueError),
        (lambda: shapes.make_classification(3, seed=-1), ValueError),
        (lambda: shapes.random_shape(3, np.random.default_rng(0)), ValueError),
        (lambda: shapes.render_polygon([[0, 0], [1, 1]]), ValueError),
        (lambda: shapes.render_polygon([[0, 0], [1, np.nan], [0, 1]]), ValueError),
        (lambda: shapes.render_polygon([[0, 0], [1, 0], [0, 1]], supersample=0), ValueError),
        (lambda: shapes.render_disk((0.5, 0.5), 0.0), ValueError),
        (lambda: shapes.sort_vertices(np.zeros((4, 2))), ValueError),
        (lambda: shapes.sort_vertices(np.full((1, 3, 2), np.nan)), ValueError),
        (lambda: shapes.draw_triangles(np.zeros((2, 72, 72)), np.zeros((3, 3, 2))), ValueError),
    ],
)
def test_bad_input_is_refused(call, error):
    with pytest.raises(error):
        call()


def test_error_messages_name_the_argument():
    with pytest.raises(ValueError, match="vertices"):
        shapes.sort_vertices(np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match="n must be"):
        shapes.make_triangles(-3)


def test_vertex_distance_in_pixels_and_order_matching():
    _, vertices = shapes.make_triangles(8, seed=10)
    assert np.allclose(shapes.vertex_distance(vertices, vertices), 0)
    shifted = vertices + np.array([3 / 72, 4 / 72])  # every vertex moved by 5 pixels
    assert np.allclose(shapes.vertex_distance(shifted, vertices), 5.0, atol=1e-4)
    swapped = vertices[:, (2, 0, 1)]
    assert np.all(shapes.vertex_distance(swapped, vertices) > 0)
    assert np.allclose(shapes.vertex_distance(swapped, vertices, match_order=True), 0)
    flat = shapes.vertex_distance(shifted.reshape(8, 6), vertices.reshape(8, 6))
    assert np.allclose(flat, 5.0, atol=1e-4)


@pytest.mark.parametrize(
    "predicted, true",
    [(np.zeros((2, 3, 2)), np.zeros((3, 3, 2))), (np.zeros((2, 4)), np.zeros((2, 4))),
     (np.full((1, 6), np.nan), np.zeros((1, 6))), (np.zeros((0, 6)), np.zeros((0, 6)))],
)
def test_vertex_distance_refuses_bad_input(predicted, true):
    with pytest.raises(ValueError):
        shapes.vertex_distance(predicted, true)
