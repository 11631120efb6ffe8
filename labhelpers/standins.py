"""The quick-mode stand-ins of MNIST, Fashion-MNIST and CIFAR-10: NOT the real datasets.

When the real images are missing on an offline machine, these functions make images with
the shapes, dtypes and class order of the real ones: scikit-learn's real 8x8 digits in
MNIST's format (MNIST), drawn grey clothing silhouettes on black (Fashion-MNIST) and drawn
colour scenes (CIFAR-10). A small model learns them far above chance, so a notebook still
shows learning, but accuracies and anything learned here say nothing about the real data.

Shapes are outlines in object units (about -1 to 1, x to the right, y down), filled with
``skimage.draw.polygon`` and then slightly blurred (soft edges, as in the real images).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from skimage import draw

FASHION_SIZE = 28
CIFAR_SIZE = 32
SLEEVE_WIDTH = 0.28
_CIRCLE_ANGLES = np.linspace(0, 2 * np.pi, 16, endpoint=False)
_UNIT_CIRCLE = np.column_stack([np.cos(_CIRCLE_ANGLES), np.sin(_CIRCLE_ANGLES)])  # a 16-gon


# --- MNIST: scikit-learn's real digits in MNIST's format ----------------------------------


def mnist_digits(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's 1,797 real 8x8 digits in MNIST's format: 28x28 uint8, the digit in the
    central 20x20 box as in MNIST, each slanted by up to 12 degrees and moved by up to one
    pixel (8x8 scans are tidier than MNIST's handwriting), shuffled by ``rng``."""
    from skimage.transform import resize, rotate
    from sklearn.datasets import load_digits

    digits = load_digits()
    big = resize(digits.images / 16.0, (len(digits.images), 20, 20), order=3,
                 anti_aliasing=False)
    canvas = np.zeros((len(big), 28, 28))
    canvas[:, 4:24, 4:24] = np.clip(big, 0, 1)
    angles, shifts = rng.uniform(-12, 12, len(big)), rng.integers(-1, 2, (len(big), 2))
    images = np.stack([np.roll(rotate(image, angle, order=1), tuple(shift), axis=(0, 1))
                       for image, angle, shift in zip(canvas, angles, shifts)])
    images = np.rint(np.clip(images, 0, 1) * 255).astype(np.uint8)
    order = rng.permutation(len(images))
    return images[order], digits.target.astype(np.uint8)[order]


# --- outlines in object units -------------------------------------------------------------


def _box(left: float, top: float, right: float, bottom: float) -> np.ndarray:
    return np.array([(left, top), (right, top), (right, bottom), (left, bottom)])


def _oval(x: float, y: float, x_radius: float, y_radius: float) -> np.ndarray:
    return (x, y) + _UNIT_CIRCLE * (x_radius, y_radius)


def _bar(start, end, width: float) -> np.ndarray:
    """A straight stroke of ``width`` from ``start`` to ``end``."""
    (x0, y0), (x1, y1) = start, end
    half_width = width / (2 * math.hypot(x1 - x0, y1 - y0))
    dx, dy = (y0 - y1) * half_width, (x1 - x0) * half_width
    return np.array(
        [(x0 + dx, y0 + dy), (x1 + dx, y1 + dy), (x1 - dx, y1 - dy), (x0 - dx, y0 - dy)]
    )


def _mirrored(right_half) -> np.ndarray:
    """A left-right symmetric outline from its right half (top centre to bottom centre)."""
    half = np.array(right_half)
    return np.vstack([half, half[::-1] * (-1, 1)])


def _both_sides(outline: np.ndarray) -> list[np.ndarray]:
    return [outline, outline * (-1, 1)]


# --- drawing -------------------------------------------------------------------------------


def _paint(canvas: np.ndarray, parts, centre, size, angle: float, flip: bool = False):
    """Fill each ``(outline, value)`` of ``parts``, in order, into ``canvas``.

    ``centre`` (column, row) in pixels; ``size`` (x, y) in pixels per object unit; ``angle``
    turns the object (radians), ``flip`` mirrors it left-right.
    """
    scale = (-size[0] if flip else size[0], size[1])
    points = np.concatenate([outline for outline, _ in parts]) * scale
    cos, sin = math.cos(angle), math.sin(angle)
    rows = centre[1] + points[:, 0] * sin + points[:, 1] * cos
    cols = centre[0] + points[:, 0] * cos - points[:, 1] * sin
    start = 0
    for outline, value in parts:
        stop = start + len(outline)
        filled = draw.polygon(rows[start:stop], cols[start:stop], shape=canvas.shape[:2])
        canvas[filled] = value
        start = stop


def _soften(images: np.ndarray) -> np.ndarray:
    """Blur each image of a batch with the 3 x 3 kernel (0.2, 0.6, 0.2) x (0.2, 0.6, 0.2)."""
    kernel = (0.2, 0.6, 0.2)
    down = ndimage.convolve1d(images, kernel, axis=1, mode="nearest")
    return ndimage.convolve1d(down, kernel, axis=2, mode="nearest")


def _smooth_noise(rng: np.random.Generator, n: int, size: int, scale: float) -> np.ndarray:
    """``(n, size, size)`` noise of standard deviation up to ``scale``, in blotches."""
    weights = np.maximum(0, 1 - np.abs(np.linspace(0, 4, size)[:, None] - np.arange(5)))
    return weights @ rng.normal(0, scale, size=(n, 5, 5)) @ weights.T


def _to_uint8(images: np.ndarray) -> np.ndarray:
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)


# --- Fashion-MNIST: one grey silhouette per class, shoes pointing left --------------------


def _sleeves(shoulder, angle: float, length: float) -> list[np.ndarray]:
    """Both sleeves hanging from the right ``shoulder`` (and its mirror) at ``angle`` down."""
    x, y = shoulder
    cos, sin = math.cos(angle), math.sin(angle)
    cuff_x, cuff_y = x + length * cos, y + length * sin
    inner_cuff = (cuff_x - SLEEVE_WIDTH * sin, cuff_y + SLEEVE_WIDTH * cos)
    return _both_sides(np.array([(x, y), (cuff_x, cuff_y), inner_cuff, (x, y + 0.42)]))


def _upper_garment(rng, width, top, hem, long_sleeves: bool, neck_depth=0.15):
    """Body and sleeves of a T-shirt, pullover, coat or shirt, all of value 1."""
    shoulder = (width, top + 0.07)
    body = _mirrored([(0, top + neck_depth), (0.2, top), shoulder, (width, hem), (0, hem)])
    if long_sleeves:
        angle, length = rng.uniform((1.15, 1.35), (1.4, 1.65))
    else:
        angle, length = rng.uniform((0.45, 0.3), (0.7, 0.45))
    return [(outline, 1.0) for outline in (body, *_sleeves(shoulder, angle, length))]


def _tshirt(rng):
    width, hem = rng.uniform((0.48, 0.82), (0.6, 0.98))
    return _upper_garment(rng, width, -0.85, hem, long_sleeves=False)


def _trouser(rng):
    waist, flare, gap, crotch = rng.uniform((0.32, 0, 0.04, -0.4), (0.45, 0.1, 0.1, -0.2))
    legs = _mirrored([(0, -1), (waist, -1), (waist + flare, 1), (gap, 1), (0, crotch)])
    return [(legs, 1.0), (_box(-waist, -0.92, waist, -0.85), 0.7)]


def _pullover(rng):
    width, hem = rng.uniform((0.45, 0.82), (0.55, 0.98))
    return _upper_garment(rng, width, -0.88, hem, long_sleeves=True)


def _dress(rng):
    shoulder, waist, waist_y, hem, hem_y = rng.uniform(
        (0.2, 0.16, -0.4, 0.45, 0.88), (0.34, 0.26, -0.1, 0.8, 1.0)
    )
    outline = [(0, -0.8), (0.12, -0.98), (shoulder, -0.92), (waist, waist_y), (hem, hem_y)]
    parts = [(_mirrored([*outline, (0, hem_y)]), 1.0)]
    if rng.random() < 0.4:
        sleeves = _sleeves((shoulder, -0.9), *rng.uniform((0.6, 0.15), (0.9, 0.3)))
        parts += [(sleeve, 1.0) for sleeve in sleeves]
    return parts


def _coat(rng):
    top = -0.95
    width, hem, opening = rng.uniform((0.5, 0.94, 0.2), (0.6, 1.0, 0.75))
    lapels = _both_sides(_bar((0.22, top), (0, top + 0.5), 0.12))
    return [
        *_upper_garment(rng, width, top, hem, long_sleeves=True),
        (_bar((0, top + 0.4), (0, hem), 0.12), opening),
        *[(lapel, opening) for lapel in lapels],
    ]


def _sandal(rng):
    """A sole rising to a heel of random height, a few straps and a heel strap."""
    heel, ground = rng.uniform((0, 0.5), (0.4, 0.6))

    def sole_y(x):
        return ground - heel * (x + 1) / 1.8

    parts = [(_bar((-0.95, ground), (0.85, sole_y(0.8)), 0.14), 1.0)]
    if heel > 0.1:
        parts.append((_box(0.62, sole_y(0.8), 0.82, ground + 0.05), 0.8))
    for start in np.linspace(-0.75, 0.35, rng.integers(2, 5)):
        lean, height = rng.uniform((-0.3, 0.35), (0.4, 0.75))
        foot = (start, sole_y(start))
        parts.append((_bar(foot, (start + lean, foot[1] - height), 0.13), 1.0))
    parts.append((_bar((0.78, sole_y(0.78)), (0.72, -0.4), 0.13), 1.0))
    if rng.random() < 0.6:
        parts.append((_bar((0.2, -0.45), (0.85, -0.4), 0.12), 1.0))
    shades = rng.uniform(0.6, 1.0, size=len(parts))
    return [(outline, value * shade) for (outline, value), shade in zip(parts, shades, strict=True)]


def _shirt(rng):
    top = -0.9
    width, hem = rng.uniform((0.48, 0.86), (0.58, 1.0))
    collar_notch = np.array([(-0.13, top + 0.02), (0.13, top + 0.02), (0, top + 0.35)])
    return [
        *_upper_garment(rng, width, top, hem, long_sleeves=rng.random() < 0.6, neck_depth=0.04),
        (collar_notch, 0.1),
        (_bar((0, top + 0.35), (0, hem), 0.12), 0.55),
    ]


def _sneaker(rng):
    rise = rng.uniform(0, 0.15)
    upper = [(-1.0, 0.35), (-0.75, 0.05), (-0.1, -0.1), (0.35, -0.35 - rise),
             (0.75, -0.42 - rise), (0.98, -0.3 - rise), (1.0, 0.4)]
    laces = [_bar((x, -0.05 - 0.25 * x), (x + 0.1, 0.1 - 0.25 * x), 0.1) for x in (-0.1, 0.1)]
    return [
        (np.array(upper), rng.uniform(0.55, 0.85)),
        (_box(-1.0, 0.3, 1.0, 0.52), 1.0),
        (_oval(0.55, -0.36 - rise, 0.2, 0.07), 0.2),
        *[(lace, 0.3) for lace in laces],
    ]


def _bag(rng):
    top, bottom, width, taper, handle_width, handle_reach = rng.uniform(
        (-0.35, 0.8, 0.7, 0.75, 0.3, 0.55), (-0.1, 0.98, 0.95, 1.0, 0.55, 0.9)
    )
    handle_height = handle_reach * (top + 1)
    body = [(-width * taper, top), (width * taper, top), (width, bottom), (-width, bottom)]
    parts = [
        (_oval(0, top, handle_width, handle_height), 1.0),
        (_oval(0, top, handle_width - 0.12, handle_height - 0.12), 0.0),  # the handle's hole
        (np.array(body), 1.0),
    ]
    if rng.random() < 0.5:
        parts.append((_bar((-width * taper, top + 0.3), (width * taper, top + 0.3), 0.1), 0.55))
    return parts


def _ankle_boot(rng):
    shaft_top, shaft_front = rng.uniform((-1.0, -0.1), (-0.8, 0.15))
    boot = [(-1.0, 0.5), (-0.9, 0.2), (-0.55, 0.05), (shaft_front, -0.1),
            (shaft_front + 0.05, shaft_top), (0.85, shaft_top), (0.9, 0.75),
            (-1.0, 0.75)]
    return [
        (np.array(boot), 1.0),
        (_box(0.45, 0.6, 0.9, 0.85), 0.45),
        (_bar((-1.0, 0.72), (0.45, 0.72), 0.1), 0.5),
    ]


FASHION_DRAWERS = (
    _tshirt, _trouser, _pullover, _dress, _coat, _sandal, _shirt, _sneaker, _bag, _ankle_boot,
)


def fashion_silhouettes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` Fashion-MNIST-like images ``(n, 28, 28)`` uint8 (grey on black), labels ``(n,)``.

    Labels are uint8 in 0..9, in Fashion-MNIST's class order. Each image has its own scale,
    aspect, position, slight tilt, brightness, texture and noise, and each class its own
    random details, so the tops (T-shirt, pullover, coat, shirt) overlap somewhat.
    """
    labels = rng.integers(0, len(FASHION_DRAWERS), size=n).astype(np.uint8)
    heights = rng.uniform(0.82, 1.08, size=n) * 13
    sizes = np.column_stack([heights * rng.uniform(0.9, 1.1, size=n), heights])
    centres = (FASHION_SIZE - 1) / 2 + rng.uniform(-1.5, 1.5, size=(n, 2))
    angles = rng.uniform(-0.06, 0.06, size=n)
    masks = np.zeros((n, FASHION_SIZE, FASHION_SIZE), dtype=np.float32)
    for mask, label, centre, size, angle in zip(masks, labels, centres, sizes, angles, strict=True):
        _paint(mask, FASHION_DRAWERS[label](rng), centre, size, angle)
    masks = _soften(masks)
    brightness = rng.uniform(0.45, 1.0, size=(n, 1, 1))
    texture = brightness * (1 + _smooth_noise(rng, n, FASHION_SIZE, 0.15))
    speckle = 0.05 * rng.standard_normal(size=masks.shape, dtype=np.float32) * (masks > 0)
    return _to_uint8(masks * texture + speckle), labels


# --- CIFAR-10: a class-typical object on a class-typical background ----------------------

SKY, PALE_SKY = np.array((0.45, 0.65, 0.9)), np.array((0.75, 0.85, 0.95))
ROAD, WATER = np.array((0.42, 0.42, 0.44)), np.array((0.15, 0.3, 0.5))
GRASS, DRY_GRASS = np.array((0.3, 0.5, 0.2)), np.array((0.55, 0.5, 0.3))
FOREST, FOLIAGE = np.array((0.15, 0.3, 0.12)), np.array((0.3, 0.45, 0.25))
SOIL, DARK = np.array((0.4, 0.35, 0.22)), np.array((0.08, 0.08, 0.08))
GLASS, GREY = np.array((0.2, 0.25, 0.32)), np.array((0.6, 0.6, 0.6))
WALLS = np.array([(0.8, 0.72, 0.6), (0.65, 0.6, 0.55), (0.55, 0.42, 0.3), (0.75, 0.7, 0.7)])
FLOORS = np.array([(0.45, 0.3, 0.2), (0.6, 0.5, 0.4)])
CITY = np.array([(0.6, 0.6, 0.62), (0.55, 0.45, 0.35), (0.7, 0.68, 0.6), SKY])
VEHICLE_PAINTS = np.array([(0.8, 0.1, 0.1), (0.15, 0.25, 0.7), (0.9, 0.9, 0.9), (0.1, 0.1, 0.1),
                           (0.65, 0.65, 0.68), (0.9, 0.75, 0.1), (0.2, 0.45, 0.25)])
PLANE_PAINTS = np.array([(0.9, 0.9, 0.92), (0.7, 0.72, 0.75), (0.5, 0.5, 0.55), (0.85, 0.2, 0.2)])
BIRD_COLOURS = np.array([(0.5, 0.35, 0.2), (0.5, 0.5, 0.5), (0.2, 0.35, 0.75), (0.75, 0.2, 0.15),
                         (0.85, 0.75, 0.2), (0.1, 0.1, 0.1), (0.9, 0.9, 0.88)])
CAT_COLOURS = np.array([(0.85, 0.55, 0.25), (0.55, 0.55, 0.55), (0.15, 0.15, 0.15),
                        (0.9, 0.9, 0.88), (0.55, 0.42, 0.3)])
DOG_COLOURS = np.array([(0.55, 0.35, 0.18), (0.8, 0.62, 0.35), (0.12, 0.1, 0.1),
                        (0.88, 0.85, 0.8), (0.4, 0.3, 0.25)])
DEER_COLOURS = np.array([(0.7, 0.5, 0.3), (0.6, 0.42, 0.25)])
HORSE_COLOURS = np.array([(0.5, 0.28, 0.15), (0.3, 0.18, 0.1), (0.1, 0.08, 0.08),
                          (0.8, 0.78, 0.75)])
FROG_COLOURS = np.array([(0.35, 0.6, 0.25), (0.45, 0.45, 0.2), (0.5, 0.4, 0.25)])
HULL_PAINTS = np.array([(0.6, 0.1, 0.1), DARK, (0.5, 0.5, 0.55), (0.9, 0.9, 0.9), (0.15, 0.2, 0.5)])
DECK_PAINTS = np.array([(0.92, 0.92, 0.9), (0.75, 0.75, 0.72)])
FUNNEL_PAINTS = np.array([(0.8, 0.2, 0.1), DARK, (0.9, 0.75, 0.1)])
CARGO_PAINTS = np.vstack([[(0.9, 0.9, 0.9), (0.6, 0.6, 0.62)], VEHICLE_PAINTS])
_FADE = np.linspace(0, 0.25, CIFAR_SIZE)[:, None]  # skies lighten towards the horizon
_GROUND_SHADE = np.linspace(0.85, 1.1, CIFAR_SIZE)[:, None]  # ground lightens towards us


def _pick(rng, colours: np.ndarray, jitter: float = 0.07) -> np.ndarray:
    """One of ``colours``, each channel moved by up to ``jitter``."""
    return colours[rng.integers(len(colours))] + rng.uniform(-jitter, jitter, size=3)


def _background(rng, upper_colours, lower_colours, horizon_range) -> np.ndarray:
    """A ``(32, 1, 3)`` column: upper colour lightening down to the horizon, lower below it.

    A horizon row past the image's bottom leaves no lower part.
    """
    upper, lower = _pick(rng, upper_colours), _pick(rng, lower_colours)
    horizon = rng.integers(*horizon_range)
    column = upper + _FADE * (1 - upper)
    column[horizon:] = lower * _GROUND_SHADE[horizon:]
    return column[:, None]


def _indoors(rng):
    return _background(rng, WALLS, FLOORS, (18, 26))


def _airplane(rng):
    body = _pick(rng, PLANE_PAINTS)
    sky = _background(rng, np.array([SKY, PALE_SKY]), np.array([GRASS, ROAD]), (27, 40))
    wing = np.array([(0.25, -0.1), (-0.1, -0.9), (-0.32, -0.9), (-0.2, -0.1)])
    tail = np.array([(-0.65, -0.08), (-0.85, -0.4), (-0.98, -0.4), (-0.92, -0.08)])
    fins = [wing, wing * (1, -1), tail, tail * (1, -1)]
    return sky, [*[(fin, body * 0.9) for fin in fins], (_oval(0, 0, 0.95, 0.13), body)]


def _wheels(xs, y: float, radius: float):
    return [(_oval(x, y, radius, radius), DARK) for x in xs] + [
        (_oval(x, y, radius * 0.4, radius * 0.4), GREY) for x in xs
    ]


def _automobile(rng):
    paint = _pick(rng, VEHICLE_PAINTS)
    body = np.array([(-0.95, -0.05), (0.7, -0.12), (0.95, 0.02), (0.95, 0.3), (-0.95, 0.3)])
    cabin = np.array([(-0.55, -0.05), (-0.35, -0.48), (0.25, -0.48), (0.5, -0.08)])
    window = np.array([(-0.45, -0.1), (-0.3, -0.4), (0.2, -0.4), (0.38, -0.1)])
    road = _background(rng, CITY, ROAD[None], (17, 23))
    return road, [(cabin, paint), (window, GLASS), (body, paint), *_wheels((-0.6, 0.6), 0.3, 0.2)]


def _bird(rng):
    feathers = _pick(rng, BIRD_COLOURS)
    perch = _background(rng, np.array([SKY, PALE_SKY, FOLIAGE]), np.array([FOLIAGE, SKY]), (14, 40))
    beak = np.array([(0.6, -0.28), (0.88, -0.2), (0.6, -0.13)])
    tail = np.array([(-0.4, -0.08), (-0.95, -0.25), (-0.9, 0.12)])
    return perch, [
        (tail, feathers * 0.8), (_oval(0, 0, 0.5, 0.28), feathers),
        (_oval(0.45, -0.22, 0.2, 0.2), feathers), (beak, (0.85, 0.6, 0.15)),
        (_oval(-0.05, -0.05, 0.33, 0.14), feathers * 0.7), (_oval(0.5, -0.26, 0.05, 0.05), DARK),
    ]


def _four_legs(front: float, back: float, top: float, bottom: float, width: float):
    return [
        _bar((x, top), (x + 0.03, bottom), width) for x in (front, front - 0.12, back, back - 0.12)
    ]


def _cat(rng):
    """A cat: pointed upright ears, green eyes, a pink nose."""
    fur = _pick(rng, CAT_COLOURS)
    ears = [np.array([(0.18, -0.3), (0.22, -0.85), (0.45, -0.45)]),
            np.array([(0.5, -0.45), (0.72, -0.85), (0.78, -0.3)])]
    eyes = [(_oval(x, -0.2, 0.07, 0.06), (0.55, 0.75, 0.2)) for x in (0.35, 0.6)]
    return _indoors(rng), [
        (_bar((-0.75, 0.4), (-0.95, -0.3), 0.14), fur), (_oval(-0.2, 0.3, 0.6, 0.4), fur),
        (_oval(0.47, -0.15, 0.36, 0.32), fur), *[(ear, fur) for ear in ears], *eyes,
        (_oval(0.48, 0.0, 0.05, 0.04), (0.85, 0.5, 0.5)),
    ]


def _dog(rng):
    """A dog on its legs: darker hanging ears, a snout with a black nose; indoors or on grass."""
    fur = _pick(rng, DOG_COLOURS)
    ears = fur * rng.uniform(0.4, 0.7)
    if rng.random() < 0.6:
        scene = _indoors(rng)
    else:
        scene = _background(rng, SKY[None], GRASS[None], (8, 16))
    legs = _four_legs(0.25, -0.5, 0.45, 0.95, 0.14)
    return scene, [
        *[(leg, fur) for leg in legs],
        (_bar((-0.75, 0.1), (-0.95, -0.2), 0.12), fur), (_oval(-0.2, 0.3, 0.65, 0.38), fur),
        (_oval(0.45, -0.2, 0.32, 0.3), fur), (_oval(0.75, -0.06, 0.22, 0.15), fur * 1.1),
        (_oval(0.95, -0.1, 0.06, 0.05), DARK), (_oval(0.52, -0.3, 0.05, 0.05), DARK),
        (_oval(0.25, -0.05, 0.12, 0.3), ears),
    ]


def _deer(rng):
    """A deer: light brown, thin legs, a white tail, antlers on half of them."""
    hide = _pick(rng, DEER_COLOURS)
    meadow = _background(rng, np.array([SKY, FOREST]), np.array([GRASS, DRY_GRASS]), (8, 16))
    parts = [(leg, hide * 0.9) for leg in _four_legs(0.38, -0.28, 0.0, 0.7, 0.09)]
    parts += [
        (_oval(0, -0.05, 0.5, 0.22), hide), (_bar((0.38, -0.1), (0.55, -0.55), 0.14), hide),
        (_oval(0.66, -0.58, 0.17, 0.09), hide),
        (_oval(-0.45, -0.15, 0.07, 0.06), (0.9, 0.88, 0.85)),
    ]
    if rng.random() < 0.5:
        antlers = [_bar((0.55, -0.65), (x, -0.95), 0.06) for x in (0.45, 0.65)]
        parts += [(antler, (0.45, 0.35, 0.25)) for antler in antlers]
    return meadow, parts


def _frog(rng):
    """A frog seen from the front: a wide squat body, bulging eyes, folded legs, spots."""
    skin = _pick(rng, FROG_COLOURS)
    ground = _background(rng, np.array([FOREST, SOIL]), np.array([SOIL, GRASS]), (0, 10))
    legs = _both_sides(_oval(0.68, 0.45, 0.32, 0.16))
    spots = [_oval(x, y, 0.08, 0.06) for x, y in ((-0.3, 0.1), (0.2, 0.3), (0.35, 0.05))]
    return ground, [
        *[(leg, skin * 0.85) for leg in legs], (_oval(0, 0.15, 0.72, 0.42), skin),
        *[(_oval(x, -0.3, 0.18, 0.18), skin) for x in (-0.35, 0.35)],
        *[(_oval(x, -0.32, 0.08, 0.08), DARK) for x in (-0.35, 0.35)],
        *[(spot, skin * 0.6) for spot in spots],
    ]


def _horse(rng):
    """A horse: bigger and darker than a deer, thick legs and neck, a mane and a tail."""
    coat = _pick(rng, HORSE_COLOURS)
    mane = coat * 0.6
    field = _background(rng, np.array([SKY, PALE_SKY]), np.array([GRASS, DRY_GRASS]), (10, 18))
    parts = [(leg, coat) for leg in _four_legs(0.45, -0.35, 0.05, 0.8, 0.14)]
    parts += [
        (_bar((-0.6, -0.15), (-0.8, 0.4), 0.12), mane), (_oval(0, -0.05, 0.62, 0.3), coat),
        (_bar((0.42, -0.15), (0.72, -0.7), 0.26), coat),
        (_bar((0.6, -0.72), (0.95, -0.5), 0.2), coat),
        (_bar((0.52, -0.4), (0.7, -0.78), 0.07), mane),
    ]
    return field, parts


def _ship(rng):
    deck = _pick(rng, DECK_PAINTS)
    sea = _background(rng, np.array([PALE_SKY, SKY]), WATER[None], (17, 22))
    hull = np.array([(-0.95, 0), (0.98, -0.12), (0.7, 0.3), (-0.85, 0.3)])
    return sea, [
        (hull, _pick(rng, HULL_PAINTS)), (_box(-0.55, -0.35, 0.05, 0.0), deck),
        (_box(-0.45, -0.55, -0.15, -0.35), deck),
        (_box(-0.32, -0.78, -0.18, -0.55), _pick(rng, FUNNEL_PAINTS)),
    ]


def _truck(rng):
    """A truck: a tall cargo box behind a cab, three wheels; longer than a car."""
    road = _background(rng, CITY, ROAD[None], (17, 23))
    return road, [
        (_box(-1.0, -0.7, 0.3, 0.3), _pick(rng, CARGO_PAINTS)),
        (_box(0.35, -0.4, 0.95, 0.3), _pick(rng, VEHICLE_PAINTS)),
        (_box(0.55, -0.3, 0.9, -0.05), GLASS), (_box(-1.0, 0.3, 0.95, 0.4), (0.25, 0.25, 0.25)),
        *_wheels((-0.72, -0.4, 0.62), 0.42, 0.17),
    ]


# Per class: what draws (background, parts), the object's size (pixels per object unit)
# and the row of its centre.
CIFAR_SCENES = (
    (_airplane, (11, 15), (12, 20)), (_automobile, (12, 15), (16, 21)),
    (_bird, (6, 10), (8, 22)), (_cat, (11, 15), (14, 19)), (_deer, (10, 13), (13, 18)),
    (_dog, (11, 15), (14, 19)), (_frog, (12, 15), (15, 19)), (_horse, (11, 14), (13, 17)),
    (_ship, (11, 15), (14, 18)), (_truck, (12, 15), (15, 20)),
)


def cifar_scenes(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` CIFAR-10-like colour images ``(n, 32, 32, 3)`` uint8, labels ``(n, 1)`` uint8.

    Labels are in 0..9, in CIFAR-10's class order. Each image has its own object colour,
    size, position, tilt and facing, background colours and horizon, then a colour cast,
    brightness, blotches and pixel noise.
    """
    labels = rng.integers(0, len(CIFAR_SCENES), size=n).astype(np.uint8)
    size_ranges = np.array([size_range for _, size_range, _ in CIFAR_SCENES])[labels]
    row_ranges = np.array([row_range for _, _, row_range in CIFAR_SCENES])[labels]
    sizes = rng.uniform(*size_ranges.T)[:, None] * rng.uniform(0.9, 1.1, size=(n, 2))
    centres = np.column_stack([rng.uniform(13, 18, size=n), rng.uniform(*row_ranges.T)])
    tilts = np.where(labels == 0, 0.4, 0.08) * rng.uniform(-1, 1, size=n)  # airplanes bank
    flips = rng.random(size=n) < 0.5
    images = np.empty((n, CIFAR_SIZE, CIFAR_SIZE, 3), dtype=np.float32)
    for image, label, centre, size, tilt, flip in zip(
        images, labels, centres, sizes, tilts, flips, strict=True
    ):
        draw_scene = CIFAR_SCENES[label][0]
        image[:], parts = draw_scene(rng)
        _paint(image, parts, centre, size, tilt, flip)
    brightness = rng.uniform(0.75, 1.15, size=(n, 1, 1, 1))
    colour_cast = rng.uniform(0.92, 1.08, size=(n, 1, 1, 3))
    images = _soften(images) * (brightness * colour_cast).astype(np.float32)
    images += _smooth_noise(rng, n, CIFAR_SIZE, 0.05)[..., None]
    images += 0.03 * rng.standard_normal(size=images.shape, dtype=np.float32)
    return _to_uint8(images), labels.reshape(n, 1)
