"""The shapes lab (report 004): 72 x 72 images of rectangles, disks and triangles.

The original lab drew each shape with Matplotlib and read the pixels back with
``fig.canvas.tostring_rgb()``, which Matplotlib removed in 3.10 (``buffer_rgba()`` replaces
it). Here the shapes are drawn with NumPy on a grid 4 times finer and averaged down
(anti-aliased edges, as Matplotlib gave); the tests check the pixels against
``skimage.draw``. Conventions:

- an image is (size, size) float32 in [0, 1]: the shape is bright (1) on a dark (0)
  background, so a clean image *is* the shape's mask (the lab drew black on white:
  ``1 - image`` gives its look);
- coordinates are (x, y) in units of the image side, x to the right, y **down** (like the
  rows of an array), both in [0, 1];
- classes: 0 rectangle, 1 disk, 2 triangle (:data:`SHAPE_CLASSES`).

Centred shapes (``free_location=False``) sit in the middle with a random size, as in the
lab's first exercise; free shapes (``free_location=True``) have random corners, centres or
vertices anywhere in the image, as in its "more difficult" exercise.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from labhelpers.checks import as_rng, positive_int
from labhelpers.evaluate import add_noise

SHAPE_CLASSES = ("rectangle", "disk", "triangle")
IMAGE_SIZE = 72
SUPERSAMPLE = 4
MIN_SIDE = 0.1  # free rectangles: width and height at least this share of the image
MIN_TRIANGLE_AREA = 0.02  # free triangles: area at least this share of the image


def _check_size(size) -> int:
    return positive_int(size, "size (pixels)", minimum=8)


def _subpixel_centres(size: int, supersample: int) -> np.ndarray:
    """x (= y) coordinates of the centres of the sub-pixels, in image units."""
    if isinstance(supersample, bool) or not isinstance(supersample, (int, np.integer)) or (
        supersample < 1
    ):
        raise ValueError(f"supersample must be a positive integer, got {supersample!r}")
    fine = size * supersample
    return (np.arange(fine) + 0.5) / fine


def _fill_rows(left: np.ndarray, right: np.ndarray, size: int, supersample: int) -> np.ndarray:
    """Image whose sub-pixel row r is covered from x = left[r] to x = right[r].

    Counts, for every pixel, the sub-pixel centres inside the interval of each sub-row
    (no (fine x fine) mask is built), then averages: the pixel's covered share.
    """
    fine = size * supersample
    with np.errstate(invalid="ignore"):
        first = np.ceil(left * fine - 0.5)  # first sub-pixel column inside
        last = np.floor(right * fine - 0.5)  # last sub-pixel column inside
    first = np.nan_to_num(first, nan=fine, posinf=fine, neginf=0)[:, None]
    last = np.nan_to_num(last, nan=-1, posinf=fine - 1, neginf=-1)[:, None]
    starts = np.arange(size)[None, :] * supersample
    counts = np.minimum(last, starts + supersample - 1) - np.maximum(first, starts) + 1
    counts = np.clip(counts, 0, supersample).astype(np.float32)
    return counts.reshape(size, supersample, size).sum(axis=1) / supersample**2


def render_polygon(vertices, size: int = IMAGE_SIZE, supersample: int = SUPERSAMPLE):
    """Fill a convex polygon given by its (k, 2) vertices (x, y in [0, 1]); return an image.

    Pixel (row i, column j) of the (size, size) image covers x in [j, j+1] / size and
    y in [i, i+1] / size; its value is the share of it inside the polygon, measured on
    ``supersample`` x ``supersample`` sub-pixels (anti-aliasing). Parts outside the image
    are cut off. A sub-pixel is inside when it lies on the inner side of every edge: a
    NumPy test that fills the same pixels as ``skimage.draw.polygon`` on the fine grid,
    about 30 times faster.
    """
    size = _check_size(size)
    points = np.asarray(vertices, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < 3:
        raise ValueError(f"vertices must have shape (k >= 3, 2), got {points.shape}")
    if not np.all(np.isfinite(points)):
        raise ValueError("vertices contains NaN or infinite values")
    if points[:, 0].max() - points[:, 0].min() <= 0 or points[:, 1].max() - points[:, 1].min() <= 0:
        return np.zeros((size, size), dtype=np.float32)
    centres = _subpixel_centres(size, supersample)
    x, y = points[:, 0], points[:, 1]
    if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:  # make the order clockwise on screen
        x, y = x[::-1], y[::-1]
    # Scan line by line: in each row of sub-pixels a convex polygon covers one interval
    # [left, right] of x, bounded by one inequality per edge.
    left = np.full(len(centres), -np.inf)
    right = np.full(len(centres), np.inf)
    for x1, y1, x2, y2 in zip(x, y, np.roll(x, -1), np.roll(y, -1), strict=True):
        dx, dy = x2 - x1, y2 - y1  # inside: dx * (y - y1) - dy * (x - x1) >= 0
        if dy == 0:
            right[dx * (centres - y1) < 0] = -np.inf  # the row is outside this edge
            continue
        bound = x1 + dx * (centres - y1) / dy
        if dy > 0:
            right = np.minimum(right, bound)
        else:
            left = np.maximum(left, bound)
    return _fill_rows(left, right, size, supersample)


def render_disk(center, radius: float, size: int = IMAGE_SIZE, supersample: int = SUPERSAMPLE):
    """A disk of ``center`` (x, y) and ``radius`` (image units); anti-aliased like polygons."""
    size = _check_size(size)
    x, y = (float(value) for value in np.asarray(center, dtype=np.float64).reshape(2))
    if not (np.isfinite([x, y, radius]).all() and radius > 0):
        raise ValueError(f"center must be finite and radius > 0, got {center}, {radius}")
    centres = _subpixel_centres(size, supersample)
    with np.errstate(invalid="ignore"):
        half_width = np.sqrt(radius**2 - (centres - y) ** 2)  # NaN: the row misses the disk
    return _fill_rows(x - half_width, x + half_width, size, supersample)


def triangle_area(vertices) -> np.ndarray:
    """Area of triangles (..., 3, 2) in image units (1 = the whole image)."""
    v = np.asarray(vertices, dtype=np.float64)
    if v.shape[-2:] != (3, 2):
        raise ValueError(f"vertices must have shape (..., 3, 2), got {v.shape}")
    a, b = v[..., 1, :] - v[..., 0, :], v[..., 2, :] - v[..., 0, :]
    return 0.5 * np.abs(a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0])


def random_triangle_vertices(rng: np.random.Generator, free_location: bool) -> np.ndarray:
    """Vertices (3, 2) of a random triangle: centred isosceles, or anywhere (area >= 2 %)."""
    if not free_location:
        half = (0.3 + 0.7 * rng.random()) / 2  # as the lab: size in [0.15, 0.5] of the side
        return np.array([[0.5, 0.5 - half], [0.5 + half, 0.5 + half], [0.5 - half, 0.5 + half]])
    while True:
        vertices = rng.random((3, 2))
        if triangle_area(vertices) >= MIN_TRIANGLE_AREA:
            return vertices


def random_shape(
    label: int,
    rng: np.random.Generator,
    *,
    free_location: bool = False,
    size: int = IMAGE_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw one random shape of class ``label`` (0 rectangle, 1 disk, 2 triangle).

    Returns
    -------
    image : (size, size) float32 in [0, 1], no noise
    geometry : float array: the rectangle's 4 corners (4, 2), the disk's centre and radius
        (3,), or the triangle's vertices (3, 2), in image units.
    """
    if label == 0:
        if free_location:
            while True:
                xs, ys = np.sort(rng.random(2)), np.sort(rng.random(2))
                if xs[1] - xs[0] >= MIN_SIDE and ys[1] - ys[0] >= MIN_SIDE:
                    break
        else:  # the lab's centred rectangle is a square, side 0.3 to 1 of the image
            half = (0.3 + 0.7 * rng.random()) / 2
            xs = ys = np.array([0.5 - half, 0.5 + half])
        corners = np.array([[xs[0], ys[0]], [xs[1], ys[0]], [xs[1], ys[1]], [xs[0], ys[1]]])
        return render_polygon(corners, size), corners
    if label == 1:
        center = rng.random(2) if free_location else np.array([0.5, 0.5])
        radius = (0.3 + 0.7 * rng.random()) / 2
        return render_disk(center, radius, size), np.array([*center, radius])
    if label == 2:
        vertices = random_triangle_vertices(rng, free_location)
        return render_polygon(vertices, size), vertices
    raise ValueError(f"label must be 0 (rectangle), 1 (disk) or 2 (triangle), got {label!r}")


def _noisy(images: np.ndarray, noise: float, rng: np.random.Generator) -> np.ndarray:
    return add_noise(images, noise, kind="uniform", seed=rng) if noise else images


def make_classification(
    n: int,
    *,
    noise: float = 0.0,
    free_location: bool = False,
    seed: int | np.random.Generator | None = None,
    size: int = IMAGE_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` images of rectangles, disks and triangles in equal shares, shuffled.

    Parameters
    ----------
    n : number of images
    noise : uniform noise amplitude added to every pixel (clipped to [0, 1]); the lab's
        ``noise=20`` on 0-255 pixels is about 0.08
    free_location : shapes anywhere (True) or centred (False)
    seed : the same seed gives the same images and labels
    size : image side in pixels (the lab's 72)

    Returns
    -------
    x : (n, size, size) float32 in [0, 1]
    y : (n,) int64 labels, 0 rectangle, 1 disk, 2 triangle
    """
    n, size, rng = positive_int(n, "n"), _check_size(size), as_rng(seed)
    labels = rng.permutation(np.arange(n) % len(SHAPE_CLASSES))
    images = np.stack([random_shape(int(label), rng, free_location=free_location, size=size)[0]
                       for label in labels])
    return _noisy(images, noise, rng).astype(np.float32), labels.astype(np.int64)


def make_triangles(
    n: int,
    *,
    noise: float = 0.0,
    seed: int | np.random.Generator | None = None,
    size: int = IMAGE_SIZE,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` free triangles and their vertices, for the regression exercise.

    Returns
    -------
    x : (n, size, size) float32 in [0, 1]
    vertices : (n, 3, 2) float32, (x, y) in [0, 1], in the random order they were drawn
        (see :func:`sort_vertices` for why that order is a problem)
    """
    n, size, rng = positive_int(n, "n"), _check_size(size), as_rng(seed)
    vertices = np.stack([random_triangle_vertices(rng, free_location=True) for _ in range(n)])
    images = np.stack([render_polygon(v, size) for v in vertices])
    return _noisy(images, noise, rng).astype(np.float32), vertices.astype(np.float32)


def sort_vertices(vertices) -> np.ndarray:
    """Put each triangle's vertices in one canonical order: by x, then by y on ties.

    The same triangle can be written in 3! = 6 orders; sorting whole (x, y) *points* gives
    every drawing one target. (Sorting the x's and the y's separately would break the pairs
    and describe another triangle.)

    Parameters
    ----------
    vertices : (n, 3, 2) or (3, 2)

    Returns
    -------
    array of the same shape and dtype
    """
    v = np.asarray(vertices)
    if v.shape[-2:] != (3, 2) or v.ndim not in (2, 3):
        raise ValueError(f"vertices must have shape (n, 3, 2) or (3, 2), got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("vertices contains NaN or infinite values")
    batch = v.reshape(-1, 3, 2)
    order = np.lexsort((batch[..., 1], batch[..., 0]), axis=-1)
    return np.take_along_axis(batch, order[..., None], axis=1).reshape(v.shape)


def draw_triangles(images, vertices, predicted=None, ncols: int = 6, ax=None):
    """Draw images with their true triangle (green) and, if given, the predicted one (red).

    Parameters
    ----------
    images : (n, size, size) or (n, size, size, 1)
    vertices, predicted : (n, 3, 2) or (n, 6), (x, y) in image units
    ncols : images per row
    ax : array of Axes (at least n), optional

    Returns
    -------
    array of Axes
    """
    pictures = np.asarray(images, dtype=np.float32)
    if pictures.ndim == 4 and pictures.shape[-1] == 1:
        pictures = pictures[..., 0]
    if pictures.ndim != 3 or len(pictures) == 0:
        raise ValueError(f"images must have shape (n, h, w), got {pictures.shape}")
    n, size = len(pictures), pictures.shape[1]
    shapes = [np.asarray(v, dtype=np.float64).reshape(-1, 3, 2) for v in (vertices, predicted)
              if v is not None]
    if any(len(s) != n for s in shapes):
        raise ValueError(f"vertices and predicted must hold one triangle per image ({n})")
    if ax is None:
        nrows = -(-n // ncols)
        _, ax = plt.subplots(nrows, min(n, ncols), figsize=(1.6 * min(n, ncols), 1.7 * nrows))
    axes = np.atleast_1d(ax).ravel()
    for axis in axes:
        axis.set_axis_off()
    for i in range(n):
        axes[i].imshow(pictures[i], cmap="gray", vmin=0, vmax=1)
        for triangle, colour, style in zip(shapes, ("lime", "red"), ("-", "--"), strict=False):
            closed = np.vstack([triangle[i], triangle[i][:1]]) * size - 0.5
            axes[i].plot(closed[:, 0], closed[:, 1], style, color=colour, linewidth=1.5)
        axes[i].set_xlim(-0.5, size - 0.5)
        axes[i].set_ylim(size - 0.5, -0.5)
    return axes


PERMUTATIONS_3 = ((0, 1, 2), (0, 2, 1), (1, 0, 2), (1, 2, 0), (2, 0, 1), (2, 1, 0))


def vertex_distance(predicted, true, *, match_order: bool = False, size: int = IMAGE_SIZE):
    """Mean distance, in pixels, between predicted and true vertices of each triangle.

    Parameters
    ----------
    predicted, true : (n, 3, 2) or (n, 6), (x, y) in image units
    match_order : bool
        Pair the vertices in the best of the 6 orders (the error of the triangle as a
        shape), instead of first with first, second with second, third with third.
    size : image side in pixels, to turn image units into pixels

    Returns
    -------
    (n,) float array
    """
    p = np.asarray(predicted, dtype=np.float64)
    t = np.asarray(true, dtype=np.float64)
    if p.shape != t.shape:
        raise ValueError(f"predicted has shape {p.shape} but true has shape {t.shape}")
    if p.ndim != 2 or p.shape[1] != 6:
        if p.ndim != 3 or p.shape[1:] != (3, 2):
            raise ValueError(f"vertices must have shape (n, 3, 2) or (n, 6), got {p.shape}")
    if len(p) == 0:
        raise ValueError("predicted is empty")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(t))):
        raise ValueError("predicted or true contains NaN or infinite values")
    p, t = p.reshape(-1, 3, 2), t.reshape(-1, 3, 2)
    orders = PERMUTATIONS_3 if match_order else ((0, 1, 2),)
    distances = [np.linalg.norm(p[:, order] - t, axis=-1).mean(axis=1) for order in orders]
    return np.min(distances, axis=0) * _check_size(size)
