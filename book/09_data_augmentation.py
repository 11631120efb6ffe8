# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Data augmentation
#
# > Show the network a new version of every training image at every epoch, and watch the
# > gap between training and validation close.
#
# **You will learn**
#
# - how to augment images with Keras 3 preprocessing layers (`RandomFlip`,
#   `RandomTranslation`, `RandomRotation`, `RandomZoom`), inside the model or in a
#   `tf.data` pipeline, and how each argument of the old `ImageDataGenerator` maps onto them;
# - how to read over-fitting from the gap between training and validation accuracy, and
#   why augmentation shrinks it;
# - why the training accuracy of an augmented model is measured on harder images than the
#   validation accuracy, and why report 002 did not flip its images upside down.
#
# **Prerequisites:** chapter 7 (CNNs on CIFAR-10). **Run time:** full mode (8,000 CIFAR-10
# training images, 12 epochs, two models): about 8 minutes on a 2-core CPU and about a
# minute on a GPU, both *estimates* (section "Run time" computes yours).
# Quick mode: Setup prints the time the benchmark recorded for it.

# %% [markdown]
# The lab question, in the words of report 002 (section 3, *Data Augmentation on CIFAR10
# dataset*):
#
# > Our last model (model7) is the best one we could get with a CNN so far, but it shows
# > overfitting. One way to reduce overfitting is to increase the size of the training
# > dataset. Let's try to improve our model by doing data augmentation on our dataset.
#
# Report 002 reached **72.1 %** after 20 epochs (horizontal flips and shifts of 10 %),
# **76.3 %** after 100 epochs, and **77.2 %** with its PyTorch version (flips, rotations,
# scaling), against 68.6 % without augmentation. It used Keras 2's `ImageDataGenerator`,
# which is deprecated: this chapter uses Keras 3's preprocessing layers.

# %% [markdown]
# ## Setup

# %%
# In Colab the book's helpers are missing: this installs them (elsewhere it does nothing).
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("labhelpers") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "git+https://github.com/PLACEHOLDER-ORG/PLACEHOLDER-REPO"], check=True)

# %%
import labhelpers  # noqa: F401  (first: it starts TensorFlow without its start-up log lines)

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

from labhelpers import data, device, evaluate, exercises, plots
from labhelpers.chapters import ch09_augment as augment

# %% tags=["parameters"]
SEED = 42
N_TRAIN = device.pick(full=8_000, quick=1_000)  # CIFAR-10 has 50,000; see "Run time"
N_TEST = device.pick(full=None, quick=500)  # None: all 10,000 test images
VALIDATION_SPLIT = 0.2  # the last 20 % of the training images, never trained on
EPOCHS = device.pick(full=12, quick=2)
BATCH_SIZE = 64
# report 002's model9 (its best Keras augmentation): flips and 10 % shifts
AUGMENTATION = {"horizontal_flip": True, "width_shift_range": 0.1, "height_shift_range": 0.1}
# report 002's model8 added a rotation and a zoom; drawn below, not trained
AUGMENTATION_MODEL8 = {**AUGMENTATION, "rotation_range": 10, "zoom_range": 0.2}
N_VERSIONS = 7  # augmented versions drawn of one image

# %%
device.set_seed(SEED)
plots.use_book_style()
summary = device.summary(chapter="09_data_augmentation")

# %% [markdown]
# ## The data
#
# CIFAR-10: 32 × 32 colour photos of ten classes. `data.load_cifar10()` returns what
# `keras.datasets.cifar10.load_data()` returns (without CIFAR-10, quick mode trains on
# drawn scenes of the same shape and says so; the last cell says which data this run used).

# %%
cifar = data.load_cifar10(n_train=N_TRAIN, n_test=N_TEST)
(x_train, y_train), (x_test, y_test) = cifar
class_names = cifar.class_names
print("x_train:", x_train.shape, x_train.dtype, " y_train:", y_train.shape)
assert x_train.shape[1:] == (32, 32, 3), f"expected 32x32 colour images, got {x_train.shape}"

# %% [markdown]
# ## From `ImageDataGenerator` to preprocessing layers
#
# Report 002 wrote its augmentation the Keras 2 way (this no longer runs on Keras 3):
#
# ```python
# datagen = ImageDataGenerator(horizontal_flip=True, width_shift_range=0.1,
#                              height_shift_range=0.1, rotation_range=10, zoom_range=0.2)
# model.fit_generator(datagen.flow(x_train, y_train, batch_size=64), ...)
# ```
#
# In Keras 3 each argument becomes a layer:
#
# | `ImageDataGenerator` | Keras 3 layer | note |
# |---|---|---|
# | `horizontal_flip=True` | `RandomFlip("horizontal")` | mirror, probability 1/2 |
# | `vertical_flip=True` | `RandomFlip("vertical")` | upside down: not for photos |
# | `width_shift_range=0.1` | `RandomTranslation(0.1, 0.1)` | height first, |
# | `height_shift_range=0.1` | (the same layer) | as fractions |
# | `rotation_range=10` | `RandomRotation(10 / 360)` | degrees become turns |
# | `zoom_range=0.2` | `RandomZoom((-0.2, 0.2), (-0.2, 0.2))` | scale 0.8-1.2 per axis |
# | `fill_mode="nearest"` | `fill_mode="nearest"` | layers' default: `"reflect"` |
#
# Written out by hand, report 002's model8 augmentation is:

# %%
by_hand = keras.Sequential(
    [
        keras.layers.RandomFlip("horizontal"),
        keras.layers.RandomTranslation(0.1, 0.1, fill_mode="nearest"),
        keras.layers.RandomRotation(10 / 360, fill_mode="nearest"),
        keras.layers.RandomZoom((-0.2, 0.2), (-0.2, 0.2), fill_mode="nearest"),
    ],
    name="augmentation",
)

# %% [markdown]
# `augment.layers_from_generator_args` builds the same layers from the old arguments, so you
# can translate a Keras 2 script line by line. The check below compares the two, layer by
# layer and setting by setting.

# %%
model8_augmentation = augment.layers_from_generator_args(**AUGMENTATION_MODEL8, seed=SEED)
for mine, theirs in zip(by_hand.layers, model8_augmentation.layers, strict=True):
    settings = {k: v for k, v in mine.get_config().items() if k not in ("name", "seed")}
    other = {k: v for k, v in theirs.get_config().items() if k not in ("name", "seed")}
    assert type(mine) is type(theirs), f"{mine.name} is not a {type(theirs).__name__}"
    assert settings == other, f"{mine.name} has other settings than {theirs.name}"
    print(f"{type(mine).__name__:18s} same settings ✓")

# %% [markdown]
# ## One image, augmented several ways
#
# Each row starts from the same training image. Look for what changes (position,
# orientation, size, the mirrored side) and what does not: the object is still the same
# class. That is the rule for choosing augmentations: **only transformations that keep the
# label true**. The layers are active only when called with `training=True`, as they are
# inside `fit`; at prediction time they pass images through unchanged.

# %%
image = x_train[:1].astype("float32")
ways = {
    "flip": {"horizontal_flip": True},
    "shift 10 %": {"width_shift_range": 0.1, "height_shift_range": 0.1},
    "rotate 10°": {"rotation_range": 10},
    "zoom 20 %": {"zoom_range": 0.2},
    "all four (model8)": AUGMENTATION_MODEL8,
}
rows = []
for row, arguments in enumerate(ways.values()):
    layers = augment.layers_from_generator_args(**arguments, seed=SEED + row)
    versions = [np.asarray(layers(image, training=True))[0] for _ in range(N_VERSIONS)]
    rows += [image[0], *versions]
grid = np.clip(np.stack(rows), 0, 255)
plots.image_grid(grid, ncols=N_VERSIONS + 1, row_labels=list(ways))
plt.title(f"one {class_names[int(y_train[0, 0])]} image: the original,\n"
          f"then {N_VERSIONS} random versions per row")
plt.show()

# %% [markdown]
# ### Why not upside down?
#
# Report 002 left out vertical flips on purpose: "an upside down ship or truck makes no
# sense". A flip is a good augmentation only if the flipped image could appear in the test
# set with the same label. Photos have a top: the sky is up, wheels are down. A network
# trained on upside-down trucks spends capacity on images it will never see, and can learn
# that "sky at the bottom" is fine. (For satellite images or cells under a microscope,
# which have no "up", vertical flips are fine; for digits even the horizontal flip changes
# the label, and a 6 upside down is a 9.) Compare:

# %%
few = x_train[:6]
flipped = np.concatenate([few, few[:, :, ::-1], few[:, ::-1]])
plots.image_grid(flipped, ncols=6, row_labels=["original", "mirrored", "upside down"])
plt.title("mirrored: plausible; upside down: not")
plt.show()

# %% [markdown]
# ## Where the augmentation runs: in the model or in `tf.data`
#
# **Inside the model** (used below): the `Random*` layers come right after the input. They
# run on the same device as the model (the GPU, if you have one), are active only during
# `fit`, and are saved with the model, so `predict` on a loaded `.keras` file needs no
# extra code.
#
# **In a `tf.data` pipeline**: `map` the layers over the batches; the work runs on the CPU
# in parallel with training (`num_parallel_calls`), which helps when the GPU waits for data.
# The model then contains no augmentation. Here is that pipeline, and one batch from it:

# %%
augmentation = augment.layers_from_generator_args(**AUGMENTATION, seed=SEED)
pipeline = (
    tf.data.Dataset.from_tensor_slices((x_train.astype("float32"), y_train))
    .shuffle(len(x_train), seed=SEED)
    .batch(BATCH_SIZE)
    .map(lambda x, y: (augmentation(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    .prefetch(tf.data.AUTOTUNE)
)
batch_images, batch_labels = next(iter(pipeline))
print("one augmented batch:", batch_images.shape, batch_labels.shape)
assert batch_images.shape == (BATCH_SIZE, 32, 32, 3), "the pipeline changed the image shape"
# `model.fit(pipeline, epochs=...)` would train on it: a new random version every epoch.

# %% [markdown]
# ## The same model, with and without augmentation
#
# A small CNN (three convolution blocks, then a dense layer): small so that full mode
# stays within minutes on a CPU, big enough to over-fit 6,400 training images. The only
# difference between the two runs is the augmentation block at the start. We hold out the
# last 20 % of the training images for validation.

# %%
def build_model(augmentation_arguments=None):
    """A small CNN for 32x32x3 images; with augmentation layers first if arguments are given."""
    layers = [keras.Input(shape=(32, 32, 3)), keras.layers.Rescaling(1 / 255)]
    if augmentation_arguments is not None:
        layers.append(augment.layers_from_generator_args(**augmentation_arguments, seed=SEED))
    for filters in (16, 32, 64):
        layers += [
            keras.layers.Conv2D(filters, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
        ]
    layers += [
        keras.layers.Flatten(),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
    model = keras.Sequential(layers, name="augmented" if augmentation_arguments else "plain")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=0.001),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


build_model(AUGMENTATION).summary()

# %% [markdown]
# The augmentation layers have no weights: both models have exactly the same parameters.
# Now train both (the longest cell of the chapter). Watch the `accuracy` and
# `val_accuracy` columns drift apart for the plain model.

# %%
histories, models, seconds, epoch_seconds = {}, {}, {}, {}
for label, arguments in (("without augmentation", None), ("with augmentation", AUGMENTATION)):
    device.set_seed(SEED)
    models[label] = build_model(arguments)
    per_epoch = device.epoch_timer()  # records the wall time of every epoch
    with device.timer() as clock:
        histories[label] = models[label].fit(
            x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
            validation_split=VALIDATION_SPLIT, callbacks=[per_epoch], verbose=2,
        )
    seconds[label], epoch_seconds[label] = clock.seconds, per_epoch.seconds
    print(f"{label}: {seconds[label]:.0f} s\n")

# %% [markdown]
# ### Check: both models learned

# %%
counts = {label: model.count_params() for label, model in models.items()}
assert len(set(counts.values())) == 1, f"augmentation layers should add no parameters: {counts}"
evaluate.check_loss_fell(histories)
print("✅ same parameter count")

# %% [markdown]
# ## Reading the curves
#
# Solid lines are training, dashed lines validation, one colour per model. Without
# augmentation the training accuracy keeps climbing while the validation accuracy stalls:
# the network learns the 6,400 training images by heart. With augmentation the two lines
# stay close.

# %%
plots.training_curves(histories)
plt.show()

# %% [markdown]
# The same story in one line per model: the **gap**, training accuracy minus validation
# accuracy, epoch by epoch. A gap that grows is over-fitting growing.

# %%
augment.plot_generalization_gaps(histories)
plt.show()
gaps = {label: augment.generalization_gap(history) for label, history in histories.items()}
for label, gap in gaps.items():
    print(f"{label:22s} gap at the last epoch: {gap[-1]:+.3f}")

# %% [markdown]
# ### A trap in these curves: the training accuracy of the augmented model
#
# Report 002 saw its augmented model's validation accuracy *above* its training accuracy
# and read it as "the model is underfitting". The reason is simpler: `fit` measures the
# training accuracy on the **augmented** images (shifted, mirrored, their borders filled
# in), which are harder than the untouched validation images. To compare like with like,
# evaluate on the untouched training images: at `evaluate` time the layers are off.
# (Chapter 3 met the same trap with dropout, which is also active only in training.)
#
# A second, smaller effect touches both models: the training accuracy in `fit`'s log is a
# running mean over the epoch, while the weights were still changing; the validation
# accuracy is measured once, at the end. The plain model's row shows this effect alone,
# the augmented model's row both.

# %%
n_fit = int(len(x_train) * (1 - VALIDATION_SPLIT))  # validation_split keeps the last 20 %
rows = []
for label, model in models.items():
    clean = model.evaluate(x_train[:n_fit], y_train[:n_fit], verbose=0, return_dict=True)
    rows.append({
        "model": label,
        "train acc. (in fit)": histories[label].history["accuracy"][-1],
        "train acc. (untouched images)": clean["accuracy"],
        "validation acc.": histories[label].history["val_accuracy"][-1],
    })
pd.DataFrame(rows).round(3)

# %% [markdown]
# ## Results
#
# On the test images, never seen in training or validation. `evaluate.model_report` gives
# one row per model: parameters, test loss, accuracy, macro-F1 and training time.

# %%
results = pd.DataFrame(
    [evaluate.model_report(model, x_test, y_test, name=label, train_seconds=seconds[label])
     for label, model in models.items()]
)
results.round(3)

# %% [markdown]
# ### Check: accuracy and gap (full mode, real CIFAR-10)
#
# Quick mode's two epochs are too short for over-fitting to show, so the bars are checked
# only in a full run on the real data.

# %%
assert np.all(np.isfinite(results["test_loss"])), "a test loss is not finite"
accuracy = dict(zip(results["name"], results["accuracy"], strict=True))
device.band("test accuracy with augmentation",
            accuracy["with augmentation"], cifar)
if not device.is_quick() and cifar.is_real:
    assert accuracy["with augmentation"] >= 0.5, (
        f"the augmented model reached only {accuracy['with augmentation']:.1%}: check the data "
        "scaling and the number of epochs"
    )
    assert gaps["with augmentation"][-1] < gaps["without augmentation"][-1], (
        "augmentation should leave a smaller train-validation gap at the last epoch"
    )
    print("✅ full-mode bars passed")
print({label: f"{value:.1%}" for label, value in accuracy.items()})

# %% [markdown]
# ### Flipped test images
#
# What did the augmented model learn about flips? Predict the test images mirrored and
# upside down. It saw mirrored images in training, so mirrored test images should score
# about as well as the originals; upside-down ones are new to it (and to every photo in
# CIFAR-10). On real CIFAR-10 the upside-down accuracy drops clearly; the stand-in's drawn
# scenes have an "up" too (sky above, ground below), but a quick run is short: its numbers
# mean little.

# %%
flip_scores = {}
for name, images in (("original", x_test), ("mirrored", x_test[:, :, ::-1]),
                     ("upside down", x_test[:, ::-1])):
    predictions = models["with augmentation"].predict(images, verbose=0)
    flip_scores[name] = evaluate.scores(y_test, predictions)["accuracy"]
pd.Series(flip_scores, name="test accuracy, augmented model").round(3)

# %% [markdown]
# ## Run time
#
# How long would full mode take? We scale the time of the **last** epoch of each model
# (the first also includes building the computation graph) to the full-mode settings:
# 8,000 images, 12 epochs, two models. This is an **estimate**: it assumes time grows with
# the number of images, which holds for these small models, and it was measured on
# whatever data this run has (the stand-in has CIFAR-10's shape, so the same cost per
# image).

# %%
FULL_IMAGES, FULL_EPOCHS = 8_000, 12  # the full-mode values of N_TRAIN and EPOCHS
estimate = sum(times[-1] * FULL_IMAGES / len(x_train) * FULL_EPOCHS
               for times in epoch_seconds.values())
for label, times in epoch_seconds.items():
    print(f"{label:22s} last epoch: {times[-1]:.1f} s for {len(x_train):,} images")
print(f"estimated full mode: {estimate / 60:.1f} min for the two trainings (an estimate)")

# %% [markdown]
# The random transformations cost CPU time, so an augmented epoch usually takes longer
# (compare the two lines above). A run on all 50,000 images for 100 epochs, as report
# 002's model10, takes about 50 times longer than full mode: that is where its 76.3 %
# comes from. Expect this small model on 8,000 images to stay well below that.

# %% [markdown]
# ## Your turn
#
# A Keras 2 script you found online uses `ImageDataGenerator(rotation_range=18)`. Which `factor`
# must you give `keras.layers.RandomRotation` for the same rotations? (Give the number,
# e.g. `0.1`.)

# %% tags=["exercise"]
my_factor = None  # your answer, a number
translated = augment.layers_from_generator_args(rotation_range=18).layers[0]  # the book's layer
exercises.check(
    my_factor,
    translated.get_config()["factor"][1],
    what="the RandomRotation factor",
    hint="ImageDataGenerator counts degrees; RandomRotation counts fractions of a full turn.",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# my_factor = 18 / 360  # = 0.05 of a turn
# ```
#
# </details>

# %% [markdown]
# The chapter's main result in one line, which the book's benchmark (`benchmarks/run.py`)
# collects for every chapter:

# %%
headline = {
    "metric": 'test accuracy with augmentation',
    "value": float(results.set_index("name").loc["with augmentation", "accuracy"]),
    "dataset": cifar.describe(),
    "report_best": 0.772,
}
headline

# %% [markdown]
# ## Summary
#
# - Keras 3 augments with preprocessing layers: `RandomFlip("horizontal")`,
#   `RandomTranslation`, `RandomRotation` (fractions of a turn, not degrees), `RandomZoom`.
#   They replace `ImageDataGenerator` argument by argument and are active only in training.
# - Put them first in the model (simple, saved with the model) or `map` them in a `tf.data`
#   pipeline (runs on the CPU in parallel with a GPU).
# - Augmentation shrinks the gap between training and validation accuracy. The training
#   accuracy that `fit` reports is measured on augmented images: evaluate on the untouched
#   images before calling the model "underfitting".
# - Augment only with transformations that keep the label true: mirrored photos yes,
#   upside-down photos no. Report 002 reached 76.3 % after 100 epochs with flips and shifts.
#
# ## Exercises
#
# 1. Train with report 002's model8 settings (`AUGMENTATION_MODEL8`: flips, shifts,
#    rotation and zoom). Is the gap smaller still? Is the test accuracy higher?
# 2. Add `vertical_flip=True` to the augmentation and train again. What happens to the test
#    accuracy, and to the accuracy on upside-down test images?
# 3. Set `N_TRAIN = 2_000`. Which model suffers more from the smaller training set?
#
# <details><summary>Solutions (open them once you have tried)</summary>
#
# 1. The gap shrinks further (the training images are harder still), but within 12 epochs
#    the test accuracy is usually no better and can be worse: report 002 saw the same
#    (69.8 % for model8 against 72.1 % for model9). Stronger augmentation needs more epochs.
# 2. The test accuracy on upright images drops a little (capacity spent on images that never
#    occur), while the accuracy on upside-down test images rises: the network learns what
#    you show it, useful or not.
# 3. The plain model: it over-fits 1,600 images within a few epochs (a large gap), while the
#    augmented model sees new versions every epoch and loses less accuracy.
#
# </details>

# %% [markdown]
# ### Exercise 9.4: a shift in NumPy
#
# `RandomTranslation(0.1, 0.1, fill_mode="nearest")` moves each image by up to 10 % of its
# height and width, and fills the strip it uncovers by repeating the edge pixels. Write the
# same shift without randomness: `shift(images, dx, dy)` moves the images of shape
# (n, h, w, c) by `dx` pixels to the right and `dy` pixels down (negative: left, up), and
# fills the uncovered pixels with the nearest edge pixel. The check gives Keras's layer a
# range of exactly one value, `dy / h` and `dx / w`, so that it shifts by these pixels.

# %% tags=["exercise"]
def shift(images, dx, dy):
    """(n, h, w, c) -> (n, h, w, c): dx pixels to the right, dy down, the edges repeated."""
    ...  # your code here


rng = np.random.default_rng(0)
shift_images = rng.uniform(size=(3, 6, 8, 2)).astype("float32")
exercises.check_function(
    shift,
    reference=lambda images, dx, dy: np.asarray(keras.layers.RandomTranslation(
        (dy / images.shape[1],) * 2, (dx / images.shape[2],) * 2,
        fill_mode="nearest", interpolation="nearest",
    )(images, training=True)),
    inputs=[(shift_images, 2, 0), (shift_images, 0, 1), (shift_images, -3, 2),
            (shift_images, 1, -2), (shift_images, 0, 0)],
    what="your shift",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def shift(images, dx, dy):
#     """(n, h, w, c) -> (n, h, w, c): dx pixels to the right, dy down, the edges repeated."""
#     h, w = images.shape[1:3]
#     rows = np.clip(np.arange(h) - dy, 0, h - 1)  # output row r reads input row r - dy
#     cols = np.clip(np.arange(w) - dx, 0, w - 1)  # clipping repeats the edge pixels
#     return images[:, rows][:, :, cols]
# ```
#
# Think of it as "where does each output pixel come from": output column `j` reads input
# column `j - dx`, and a column outside the image reads the nearest one inside. The
# Keras layer works the same way, with a transformation applied to output coordinates.
#
# </details>

# %% [markdown]
# ### Exercise 9.5: flip the images, keep the labels
#
# Before augmentation layers, a common trick was to double the training set once, before
# training: `double_with_flips(images, labels)` returns the images followed by their
# left-right mirror images, (2n, h, w, c), and the labels that go with them, (2n,). A
# mirrored cat is still a cat, so each mirror image keeps its image's label; mirror along
# the width (axis 2), not the height. The check compares with
# `tf.image.flip_left_right`.

# %% tags=["exercise"]
def double_with_flips(images, labels):
    """(n, h, w, c), (n,) -> the images then their mirror images (2n, h, w, c), and (2n,) labels."""
    ...  # your code here


rng = np.random.default_rng(1)
flip_inputs = [
    (rng.uniform(size=(n, 5, 6, 3)).astype("float32"), rng.integers(0, 10, size=n))
    for n in (1, 4)
]
exercises.check_function(
    double_with_flips,
    reference=lambda images, labels: (
        np.concatenate([images, np.asarray(tf.image.flip_left_right(images))]),
        np.concatenate([labels, labels]),
    ),
    inputs=flip_inputs,
    what="your doubled training set",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def double_with_flips(images, labels):
#     """(n, h, w, c), (n,) -> the images then their mirror images, and the labels twice."""
#     mirrored = images[:, :, ::-1]  # axis 2 is the width: left becomes right
#     return np.concatenate([images, mirrored]), np.concatenate([labels, labels])
# ```
#
# Two mistakes the check catches: `images[:, ::-1]` turns the images upside down (axis 1
# is the height), and `np.repeat(labels, 2)` pairs the labels in another order than the
# images. Compared with `RandomFlip` in the model, this doubles the memory and shows the
# network the same two versions every epoch, instead of a fresh draw each time.
#
# </details>

# %% tags=["hide-input"] jupyter={"source_hidden": true}
device.about_this_run(cifar)
