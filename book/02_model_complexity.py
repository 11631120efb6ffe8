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
# # Model complexity: counting a network's parameters
#
# > Every weight and bias of the lab's models, counted by formula and checked against Keras;
# > and whether deeper means bigger.
#
# **You will learn**
#
# - the parameter count of a `Dense` and a `Conv2D` layer, and why a convolution's count
#   does not depend on the image size;
# - the output shape of convolution and pooling layers with `'same'` and `'valid'` padding;
# - to count every model of the lab reports by hand, and to check the count with Keras;
# - what "capacity" means, and why a deep network can do more with fewer weights.
#
# **Prerequisites:** chapter 1 (what the weights are for). **Run time:** seconds on a
# 2-core CPU or a GPU, in full and in quick mode alike: this chapter builds models and
# trains none.

# %% [markdown]
# ## The lab questions
#
# Reports 001 and 003 answer these two questions of their lab:
#
# > Question 2: Model complexity: for each experiment (shallow network learning from raw
# > data, shallow network learning from features, CNN, and Fashion MNIST), select a neural
# > network topology and describe the inputs, indicate how many are they, and how many
# > outputs. Compute the number of weights of each model (e.g., how many weights between
# > the input and the hidden layer, how many weights between each pair of layers, biases,
# > etc..) and explain how do you get to the total number of weights.
# >
# > Question 3: Do the deep neural networks have much more "capacity" (i.e., do they have
# > more weights?) than the shallow ones? explain with one example
#
# Both reports get most counts right, and both slip somewhere: report 001 in its
# arithmetic, report 003 by leaving out biases and whole layers when it compares models.
# This chapter counts every model of the reports, shows the slips, and answers Question 3
# with a worked example.

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
from IPython.display import display
from skimage import feature

from labhelpers import data, device, evaluate, exercises, plots

layers = keras.layers

# %% tags=["parameters"]
SEED = 42
PLOT_DEPTH = 4  # hidden layers of the deep "sawtooth" network drawn in Question 3
MAX_DEPTH = device.pick(full=10, quick=10)  # deepest sawtooth counted (the same in both modes)

# %%
device.set_seed(SEED)
plots.use_book_style()
summary = device.summary()

# %% [markdown]
# ## Counting a Dense layer
#
# A `Dense` layer with $n_\text{in}$ inputs and $n_\text{out}$ units computes
# $y = f(xW + b)$: a weight matrix $W$ of shape $n_\text{in} \times n_\text{out}$ (one
# weight per input for each unit) and a bias vector $b$ of length $n_\text{out}$ (one per
# unit). So
#
# $$\text{Dense parameters} = n_\text{in} \times n_\text{out} + n_\text{out}.$$
#
# Keras stores exactly these two arrays. A layer of 3 units on 4 inputs:

# %%
def dense_params(n_in, units):
    """Dense(units) on n_in inputs: one weight per input and unit, one bias per unit."""
    return n_in * units + units


small = keras.Sequential([keras.Input(shape=(4,)), layers.Dense(3)])
kernel, bias = small.layers[0].get_weights()
print("kernel", kernel.shape, " bias", bias.shape, " count_params()", small.count_params())
assert small.count_params() == 4 * 3 + 3 == dense_params(4, 3), "Dense(3) on 4 inputs: 15"

# %% [markdown]
# `dense_params(n_in, n_out)` is this formula as code; the chapter uses it below, next to
# the arithmetic written out, so that you can follow every number.
#
# ## Counting a Conv2D layer
#
# A `Conv2D` layer with `filters` kernels of size $k_h \times k_w$ on an input with
# $c_\text{in}$ channels holds one kernel of $k_h \times k_w \times c_\text{in}$ weights per
# filter, plus one bias per filter:
#
# $$\text{Conv2D parameters} = k_h \times k_w \times c_\text{in} \times \text{filters}
#   + \text{filters}.$$
#
# The image's width and height do not appear: the same small kernel slides over every
# position. The same layer on a 28 × 28 image and on a 280 × 280 image:

# %%
def conv2d_params(kernel_size, in_channels, filters):
    """Conv2D(filters, kernel_size) on in_channels channels: no image size appears."""
    k_h, k_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return k_h * k_w * in_channels * filters + filters


for size in (28, 280):
    conv_model = keras.Sequential([keras.Input(shape=(size, size, 1)), layers.Conv2D(9, (5, 5))])
    print(f"{size} × {size} image: kernel {conv_model.layers[0].kernel.shape}, "
          f"{conv_model.count_params()} parameters")
    assert conv_model.count_params() == conv2d_params(5, 1, 9) == 234, "Conv2D(9, 5x5), 1 channel"

# %% [markdown]
# ## Output shapes: 'valid' and 'same' padding
#
# The number of parameters of a `Dense` layer that follows convolutions depends on how
# many values reach it, so we need the shape of every feature map. Along each axis, a
# window of size $k$ moved with stride $s$ over $n$ pixels gives
#
# $$\text{'valid'} \;(\text{no padding}):\; \left\lfloor \frac{n-k}{s} \right\rfloor + 1
# \qquad\qquad \text{'same'} \;(\text{zero padding}):\; \left\lceil \frac{n}{s} \right\rceil.$$
#
# Convolutions default to stride 1, so `'same'` keeps the size and `'valid'` loses
# $k-1$ pixels. Pooling layers default to a stride equal to the pool size and to
# `'valid'`: a 2 × 2 pool halves the size, rounding down (7 → 3). The formula against
# Keras' own shape computation, for a few cases:

# %%
def output_length(n, k, stride, padding):
    """Length of one axis after a window of size k moved with this stride over n pixels."""
    return (n - k) // stride + 1 if padding == "valid" else -(-n // stride)  # -(-a // b): ceil


cases = [("Conv2D", 28, 5, 1, "same"), ("Conv2D", 28, 5, 1, "valid"),
         ("Conv2D", 28, 3, 2, "same"), ("Conv2D", 28, 3, 2, "valid"),
         ("MaxPooling2D", 28, 2, 2, "valid"), ("MaxPooling2D", 7, 2, 2, "valid"),
         ("MaxPooling2D", 7, 2, 2, "same")]
rows = []
for kind, n, k, s, padding in cases:
    layer = (layers.Conv2D(1, k, strides=s, padding=padding) if kind == "Conv2D"
             else layers.MaxPooling2D(k, strides=s, padding=padding))
    by_keras = layer.compute_output_shape((None, n, n, 1))[1]
    by_formula = output_length(n, k, s, padding)
    rows.append({"layer": kind, "n": n, "k": k, "stride": s, "padding": padding,
                 "formula": by_formula, "keras": by_keras})
shapes = pd.DataFrame(rows)
assert (shapes["formula"] == shapes["keras"]).all(), "an output-length formula disagrees with Keras"
display(shapes)

# %% [markdown]
# Padding changes the parameter count of what follows. The lab CNN uses `'same'`; here
# it is with `'valid'` convolutions too. Watch the feature maps shrink, and the first
# `Dense` layer with them. `print_parameter_table` puts each layer's formula next to the
# count Keras gives (`evaluate.layer_table`, the book's one per-layer table).

# %%
def formula(layer):
    """A layer's parameter count as a formula (text) and the number it gives."""
    kind, config, n_in = type(layer).__name__, layer.get_config(), layer.input.shape[-1]
    if kind == "Dense":
        units = config["units"]
        return f"{n_in} × {units} + {units}", dense_params(n_in, units)
    if kind == "Conv2D":
        (k_h, k_w), filters = config["kernel_size"], config["filters"]
        return f"{k_h}×{k_w}×{n_in} × {filters} + {filters}", conv2d_params((k_h, k_w), n_in,
                                                                          filters)
    return "0", 0  # pooling, Flatten, Dropout: nothing to learn


def print_parameter_table(model):
    """Print every layer's count by formula and by Keras, check the total, return the table."""
    table = evaluate.layer_table(model).query("type != 'InputLayer'").drop(columns="inputs")
    layer = {one.name: one for one in model.layers}
    table["formula"], table["by formula"] = zip(*(formula(layer[name]) for name in table["layer"]))
    print(table.to_string(index=False))
    by_formula, by_keras = int(table["by formula"].sum()), model.count_params()
    assert by_formula == by_keras, f"formulas give {by_formula:,}, Keras {by_keras:,}"
    print(f"total by formula {by_formula:,} = model.count_params()")
    return table


def lab_cnn(padding="same", hidden=25, filters=(9, 9, 16)):
    """The lab CNN of reports 001 and 003 (28 × 28 × 1 in, 10 classes out)."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(filters[0], (5, 5), padding=padding, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(filters[1], (5, 5), padding=padding, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(filters[2], (3, 3), padding=padding, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


same_table = print_parameter_table(lab_cnn("same"))
print()
valid_table = print_parameter_table(lab_cnn("valid"))

# %% [markdown]
# The convolutions have the same counts with both paddings; only the flattened length
# changes (144 with `'same'`, 16 with `'valid'`), and the first `Dense` layer with it
# (3,625 against 425). The picture shows the side of the feature maps layer by layer.

# %%
def map_sides(model):
    return [layer.output.shape[1] for layer in model.layers if len(layer.output.shape) == 4]


fig, ax = plt.subplots(figsize=(6, 3.4))
stages = ["input", "conv 1", "pool 1", "conv 2", "pool 2", "conv 3", "pool 3"]
positions = np.arange(len(stages))
ax.plot(positions, [28, *map_sides(lab_cnn("same"))], "o-", label="padding='same'")
ax.plot(positions, [28, *map_sides(lab_cnn("valid"))], "s--", label="padding='valid'")
ax.set_xticks(positions, stages)
ax.set_ylabel("feature map side (pixels)")
ax.set_title("The lab CNN: feature map sizes, layer by layer")
ax.legend()
plt.show()

# %% [markdown]
# ## Every model of the reports
#
# The figures below come from the reports' `model.summary()` outputs (BOOK_SPEC's table).
# Each model is built in Keras; its count is computed twice, by the formula written out
# and by `count_params()`, and both must equal the report's figure.

# %%
EXPECTED = {
    "001: Dense(300) on 784 pixels": 238_510,
    "003: Dense(250) on 784 pixels": 198_760,
    "001/003: Dense(200) on 392 HOG features": 80_610,
    "001/003: lab CNN": 7_465,
    "003: final Fashion-MNIST CNN, Conv 9@3x3": 177_600,
    "003: Fashion-MNIST CNN, Conv 64@3x3": 1_256_150,
    "000: CIFAR-10 CNN, 3 x Conv 32@3x3": 39_882,
    "004: linear classifier on 72x72 shapes": 15_555,
}

# %% [markdown]
# The models. The MLPs take flattened inputs; the CNNs take images. Activations and
# dropout do not change the counts, but they are here as in the reports.

# %%
def mlp(n_inputs, hidden, dropout=0.0):
    stack = [keras.Input(shape=(n_inputs,)), layers.Dense(hidden, activation="relu")]
    stack += [layers.Dropout(dropout)] if dropout else []
    return keras.Sequential([*stack, layers.Dense(10, activation="softmax")])


def one_conv_cnn(filters):
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(filters, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D(2), layers.Flatten(),
        layers.Dense(100, activation="relu"), layers.Dense(10, activation="softmax"),
    ])


def cifar_cnn():
    return keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
        layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, (3, 3), padding="same", activation="relu"),
        layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax"),
    ])


models = {
    "001: Dense(300) on 784 pixels": mlp(784, 300, dropout=0.5),
    "003: Dense(250) on 784 pixels": mlp(784, 250, dropout=0.5),
    "001/003: Dense(200) on 392 HOG features": mlp(392, 200),
    "001/003: lab CNN": lab_cnn(),
    "003: final Fashion-MNIST CNN, Conv 9@3x3": one_conv_cnn(9),
    "003: Fashion-MNIST CNN, Conv 64@3x3": one_conv_cnn(64),
    "000: CIFAR-10 CNN, 3 x Conv 32@3x3": cifar_cnn(),
    "004: linear classifier on 72x72 shapes": keras.Sequential(
        [keras.Input(shape=(72 * 72,)), layers.Dense(3, activation="softmax")]),
}

# %% [markdown]
# The counts by formula, layer by layer. For the CNNs, the input of the first `Dense`
# layer is the flattened last feature map: $3 \times 3 \times 16 = 144$ for the lab CNN
# ($28 \to 14 \to 7 \to 3$), $14 \times 14 \times 9 = 1764$ and $14 \times 14 \times 64 =
# 12544$ for the one-convolution CNNs, $8 \times 8 \times 32 = 2048$ for the CIFAR-10 CNN
# ($32 \to 16 \to 8$).

# %%
dense, conv = dense_params, conv2d_params
by_formula = {
    "001: Dense(300) on 784 pixels": dense(784, 300) + dense(300, 10),
    "003: Dense(250) on 784 pixels": dense(784, 250) + dense(250, 10),
    "001/003: Dense(200) on 392 HOG features": dense(392, 200) + dense(200, 10),
    "001/003: lab CNN": conv(5, 1, 9) + conv(5, 9, 9) + conv(3, 9, 16)
    + dense(3 * 3 * 16, 25) + dense(25, 10),
    "003: final Fashion-MNIST CNN, Conv 9@3x3": conv(3, 1, 9) + dense(14 * 14 * 9, 100)
    + dense(100, 10),
    "003: Fashion-MNIST CNN, Conv 64@3x3": conv(3, 1, 64) + dense(14 * 14 * 64, 100)
    + dense(100, 10),
    "000: CIFAR-10 CNN, 3 x Conv 32@3x3": conv(3, 3, 32) + conv(3, 32, 32) + conv(3, 32, 32)
    + dense(8 * 8 * 32, 10),
    "004: linear classifier on 72x72 shapes": dense(72 * 72, 3),
}
print(f"lab CNN: {conv(5, 1, 9)} + {conv(5, 9, 9)} + {conv(3, 9, 16)} + "
      f"{dense(144, 25)} + {dense(25, 10)} = {by_formula['001/003: lab CNN']:,}")

# %% [markdown]
# The three numbers side by side, and the check. If any formula, any model or any expected
# figure is wrong, the assertion stops here and names the model.

# %%
counts = pd.DataFrame(
    [{"model": name, "by formula": by_formula[name], "count_params()": models[name].count_params(),
      "report": EXPECTED[name]} for name in EXPECTED]
)
for row in counts.itertuples():
    assert row[2] == row[3] == row[4], (
        f"{row.model}: formula {row[2]:,}, count_params() {row[3]:,}, report {row[4]:,}"
    )
print(f"✅ all {len(counts)} models: formula = count_params() = the report's figure")
counts.style.format(thousands=",", subset=["by formula", "count_params()", "report"])

# %% [markdown]
# The per-layer table of any model comes from `print_parameter_table(model)`; the CIFAR-10
# model of report 000, for example:

# %%
cifar_table = print_parameter_table(models["000: CIFAR-10 CNN, 3 x Conv 32@3x3"])

# %% [markdown]
# Where do the parameters sit? Above, each model's total (log scale: the models span
# three orders of magnitude); below, the share held by convolution and by dense layers.
# Look at the one-convolution CNNs: their single `Dense(100)` on 12,544 inputs holds
# 99.9 % of 1.26 million parameters.

# %%
def share_of(model, kind):
    table = evaluate.layer_table(model)
    return table.loc[table["type"] == kind, "parameters"].sum() / model.count_params()


conv_share = np.array([share_of(models[name], "Conv2D") for name in EXPECTED])
fig, (ax_total, ax_share) = plt.subplots(2, 1, figsize=(5, 9), layout="tight")
y = np.arange(len(EXPECTED))
ax_total.barh(y, counts["count_params()"], height=0.45, color="C0")
ax_total.set(xscale="log", xlabel="parameters (log scale)", title="total parameters")
ax_share.barh(y, conv_share, height=0.45, color="C1", label="Conv2D layers")
ax_share.barh(y, 1 - conv_share, left=conv_share, height=0.45, color="C2", label="Dense layers")
ax_share.set(xlabel="share of the parameters", title="where they sit", xlim=(0, 1))
ax_share.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2)
for ax in (ax_total, ax_share):  # each model's name above its bar, the full width free
    ax.set_yticks([])
    ax.set_ylim(len(EXPECTED) - 0.5, -0.9)
    for position, name in zip(y, EXPECTED):
        ax.text(0.01, position - 0.27, name, transform=ax.get_yaxis_transform(), fontsize=11)
plt.show()

# %% [markdown]
# ## The HOG features: 392 numbers
#
# Reports 001 and 003 feed a `Dense(200)` layer with 392 HOG features (chapter 4 explains
# HOG). The length follows from the settings: a 28 × 28 image cut into cells of
# 4 × 4 pixels gives $7 \times 7 = 49$ cells; each cell gives a histogram of 8 orientations;
# with one cell per block, nothing is repeated:
# $49 \times 8 = 392$. scikit-image agrees, on a digit (a real one when MNIST is found;
# without it, quick mode uses scikit-learn's real 8x8 digits resized to 28 x 28, and the
# loader says so: the length is the same):

# %%
mnist = data.load_mnist(n_train=10, n_test=10)
(x_digits, y_digits), _ = mnist
hog_vector = feature.hog(x_digits[0], orientations=8, pixels_per_cell=(4, 4),
                         cells_per_block=(1, 1))
hog_by_formula = (28 // 4) * (28 // 4) * 8 * 1
print(f"HOG length: scikit-image {hog_vector.shape[0]}, formula {hog_by_formula}")
assert hog_vector.shape == (392,) and hog_by_formula == 392, "the HOG length should be 392"

# %% [markdown]
# ## Report 001's arithmetic
#
# Report 001 writes its counts as formulas, and two of them are not the numbers it
# prints. For the raw-pixel MLP it writes $768 \times 300 + 300 = 235{,}500$: an image has
# $28 \times 28 = 784$ pixels, not 768, and $768 \times 300 + 300$ is 230,700. For the HOG
# MLP it writes $200 \times 392 + 300 = 78{,}600$: a layer of 200 units has 200 biases, not
# 300, and that expression gives 78,700. The printed totals (copied from Keras) are right;
# the formulas are not.

# %%
slips = pd.DataFrame([
    {"layer": "Dense(300) on the pixels", "001 writes": "768 × 300 + 300",
     "which gives": 768 * 300 + 300, "correct": "784 × 300 + 300", "gives": 784 * 300 + 300,
     "Keras": models["001: Dense(300) on 784 pixels"].layers[0].count_params()},
    {"layer": "Dense(200) on HOG", "001 writes": "200 × 392 + 300",
     "which gives": 200 * 392 + 300, "correct": "392 × 200 + 200", "gives": 392 * 200 + 200,
     "Keras": models["001/003: Dense(200) on 392 HOG features"].layers[0].count_params()},
])
assert (slips["gives"] == slips["Keras"]).all(), "the corrected formulas should match Keras"
assert (slips["which gives"] != slips["Keras"]).all(), "001's expressions differ from Keras"
display(slips)

# %% [markdown]
# ## Report 003: weights only, and the dense part only
#
# Report 003 gives, for each model, "the number of weights" and then the biases
# separately: for the MLPs that is right (198,500 weights + 260 biases = 198,760). For the
# CNNs it counts only the fully connected part: the CNN with a `Dense(5)` hidden layer
# gets $770 + 15 = 785$, and its Fashion-MNIST model $177{,}400 + 110 = 177{,}510$; the
# convolution layers are left out. The totals, with Keras:

# %%
report_003 = {
    "MLP, Dense(250)": (198_500 + 260, models["003: Dense(250) on 784 pixels"]),
    "MLP on HOG, Dense(200)": (80_400 + 210, models["001/003: Dense(200) on 392 HOG features"]),
    "lab CNN with Dense(5)": (770 + 15, lab_cnn(hidden=5)),
    "Fashion-MNIST CNN, Conv 9@3x3": (
        177_400 + 110, models["003: final Fashion-MNIST CNN, Conv 9@3x3"]),
}
rows = []
for name, (reported, model) in report_003.items():
    conv_part = int(evaluate.layer_table(model).query("type == 'Conv2D'")["parameters"].sum())
    rows.append({"model": name, "003's weights + biases": reported,
                 "count_params()": model.count_params(), "left out (convolutions)": conv_part})
report_003_table = pd.DataFrame(rows)
recounted = report_003_table["003's weights + biases"] + report_003_table["left out (convolutions)"]
assert (recounted == report_003_table["count_params()"]).all(), (
    "003's figures plus the convolution layers should make the total"
)
display(report_003_table)

# %% [markdown]
# For the lab CNN with `Dense(5)`, the left-out convolutions hold 3,580 of its 4,365
# parameters: most of the model. That matters for Question 3, where 003 compares "the
# weights" of shallow and deep networks.

# %% [markdown]
# ## Question 3: do deep networks have more capacity?
#
# ### Depth is not size
#
# The lab's own models answer the literal question ("do they have more weights?") with a
# no. The lab CNN has five layers with weights; the raw-pixel MLP has two. Yet:

# %%
cnn_count = models["001/003: lab CNN"].count_params()
mlp_count = models["001: Dense(300) on 784 pixels"].count_params()
doubled_count = lab_cnn(filters=(18, 18, 32)).count_params()  # report 001's best CNN
print(f"lab CNN (deep): {cnn_count:,} parameters;  MLP (shallow): {mlp_count:,} parameters;"
      f"  ratio {mlp_count / cnn_count:.0f}×")
print(f"lab CNN with its filters doubled (18, 18, 32): {doubled_count:,} parameters, "
      f"{doubled_count / mlp_count:.0%} of the MLP's")
assert cnn_count < doubled_count < mlp_count, "both CNNs should be smaller than the MLP"
assert doubled_count == 21_287, f"the doubled-filter CNN has {doubled_count:,} parameters"

# %% [markdown]
# and the deeper network can be the more accurate one. Report 001's best CNN is the lab
# CNN with its filters doubled: it reached 99.06 % on MNIST, against 98.12 % for the
# Dense(300) MLP and 98.31 % for the report's best MLP (900 hidden units). For the lab CNN
# itself, report 001 gives only per-class F1 scores (0.975 to 0.996). Chapter 5 trains
# the lab CNN, its doubled version and this MLP side by side. Convolutions share one
# small kernel over the whole image, so depth costs few parameters.
#
# ### Report 003's example, counted in full
#
# Report 003 compares a network with 2 inputs, one hidden layer of 6 units and 2 outputs
# ($2 \times 6 + 6 \times 2 = 24$ weights) with "the same model but with 3 hidden layers"
# of 2 units, for which it writes $2 \times 2 + 2 \times 2 + 2 \times 2 = 16$. Three
# products of 4 make 12, not 16: three hidden layers have **four** weight matrices
# (input → 1 → 2 → 3 → output), which do make 16. With the biases (6 + 2 and 3 × 2 + 2):

# %%
shallow_003 = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(6), layers.Dense(2)])
deep_003 = keras.Sequential([keras.Input(shape=(2,)), layers.Dense(2), layers.Dense(2),
                             layers.Dense(2), layers.Dense(2)])
example = pd.DataFrame([
    {"network": "2-6-2 (shallow)", "weights": 2 * 6 + 6 * 2, "biases": 6 + 2,
     "count_params()": shallow_003.count_params()},
    {"network": "2-2-2-2-2 (deep)", "weights": 4 * (2 * 2), "biases": 3 * 2 + 2,
     "count_params()": deep_003.count_params()},
])
assert (example["weights"] + example["biases"] == example["count_params()"]).all()
assert example["count_params()"].tolist() == [32, 24], "2-6-2 has 32, 2-2-2-2-2 has 24"
display(example)

# %% [markdown]
# So 003's conclusion holds for its example (32 against 24 parameters), once counted in
# full. But "more weights" is only one reading of "capacity". The more useful one is:
# **which functions can the network represent?** There, depth wins, and the next example
# shows by how much.
#
# ### A worked example: the sawtooth
#
# Take one input $x \in [0, 1]$ and the "tent" $t(x) = 2x$ for $x \le 1/2$,
# $2 - 2x$ after. With ReLUs, $t(x) = 2\,\mathrm{relu}(x) - 4\,\mathrm{relu}(x - 1/2)$:
# **one layer of 2 units**. Stacking $L$ such layers computes $t(t(\dots t(x)))$, a
# sawtooth with $2^L$ straight pieces, for $6L + 1$ parameters. A network with **one**
# hidden layer of $n$ ReLU units on one input bends at most $n$ times, so it needs about
# $2^L$ units, $3 \cdot 2^L + 1$ parameters, for the same function. We build both in Keras
# with the weights set by hand (no training) and check that they compute the same thing.

# %%
def deep_sawtooth(depth):
    """L hidden layers of 2 ReLU units computing the tent map L times."""
    stack = [keras.Input(shape=(1,))]
    stack += [layers.Dense(2, activation="relu") for _ in range(depth)]
    model = keras.Sequential([*stack, layers.Dense(1)])
    first = [np.array([[1.0, 1.0]]), np.array([0.0, -0.5])]
    middle = [np.array([[2.0, 2.0], [-4.0, -4.0]]), np.array([0.0, -0.5])]
    last = [np.array([[2.0], [-4.0]]), np.array([0.0])]
    for index, layer in enumerate(model.layers):
        layer.set_weights(last if index == depth else first if index == 0 else middle)
    return model


def shallow_sawtooth(depth):
    """One hidden layer of 2**L ReLU units, one bend per unit, for the same sawtooth."""
    n = 2**depth
    model = keras.Sequential([keras.Input(shape=(1,)), layers.Dense(n, activation="relu"),
                              layers.Dense(1)])
    bends = np.arange(n) / n  # unit k is relu(x - k/n)
    slopes = np.where(np.arange(n) % 2 == 0, 2.0 * n, -2.0 * n)  # change of slope at k/n
    slopes[0] = n  # the first piece rises with slope n
    model.layers[0].set_weights([np.ones((1, n)), -bends])
    model.layers[1].set_weights([slopes.reshape(n, 1), np.array([0.0])])
    return model


def sawtooth(x, depth):
    for _ in range(depth):
        x = np.where(x <= 0.5, 2 * x, 2 - 2 * x)
    return x

# %% [markdown]
# The check: both networks equal the sawtooth on a fine grid, and the number of straight
# pieces (counted from the changes of slope) is $2^L$.

# %%
x_grid = np.linspace(0, 1, 2**12 + 1, dtype="float32").reshape(-1, 1)
deep_net, shallow_net = deep_sawtooth(PLOT_DEPTH), shallow_sawtooth(PLOT_DEPTH)
deep_out = deep_net.predict(x_grid, verbose=0).ravel()
shallow_out = shallow_net.predict(x_grid, verbose=0).ravel()
target = sawtooth(x_grid.ravel(), PLOT_DEPTH)
slopes_sign = np.sign(np.round(np.diff(deep_out) / np.diff(x_grid.ravel())))
pieces = 1 + int(np.count_nonzero(np.diff(slopes_sign)))
print(f"depth {PLOT_DEPTH}: {pieces} pieces; deep net {deep_net.count_params()} parameters, "
      f"shallow net {shallow_net.count_params()} parameters")
assert np.allclose(deep_out, target, atol=1e-4), "the deep network does not compute the sawtooth"
assert np.allclose(shallow_out, target, atol=1e-4), "the shallow network misses the sawtooth"
assert pieces == 2**PLOT_DEPTH, f"expected {2**PLOT_DEPTH} pieces, counted {pieces}"

# %% [markdown]
# Now the parameter counts for depths 1 to `MAX_DEPTH`, from `count_params()` on the
# built networks, checked against $6L + 1$ and $3 \cdot 2^L + 1$:

# %%
depths = np.arange(1, MAX_DEPTH + 1)
deep_counts = np.array([deep_sawtooth(int(d)).count_params() for d in depths])
shallow_counts = np.array([shallow_sawtooth(int(d)).count_params() for d in depths])
assert (deep_counts == 6 * depths + 1).all(), "deep sawtooth counts should be 6L + 1"
assert (shallow_counts == 3 * 2**depths + 1).all(), "shallow sawtooth counts should be 3·2^L + 1"
print(f"{2**MAX_DEPTH:,} pieces: deep {deep_counts[-1]:,} parameters, "
      f"shallow {shallow_counts[-1]:,} parameters")

# %% [markdown]
# Left: the two networks at depth `PLOT_DEPTH` draw the same sawtooth. Right: the price
# of more pieces. The deep network's count grows by 6 per doubling of the pieces; the
# shallow one's doubles with them.

# %%
fig, (ax_f, ax_p) = plt.subplots(2, 1, figsize=(5.2, 7.4), layout="tight")
ax_f.plot(x_grid, deep_out, lw=3, label=f"deep: {PLOT_DEPTH} layers × 2 units "
          f"({deep_net.count_params()} parameters)")
ax_f.plot(x_grid, shallow_out, "--", color="C1", label=f"shallow: 1 layer × {2**PLOT_DEPTH} "
          f"units ({shallow_net.count_params()} parameters)")
ax_f.set(xlabel="input x", ylabel="network output", ylim=(-0.05, 1.3),
         title=f"the same function, {2**PLOT_DEPTH} straight pieces")
ax_f.legend(fontsize="small", loc="upper right")
ax_p.loglog(2**depths, deep_counts, "o-", base=2, label="deep (2 units per layer)")
ax_p.loglog(2**depths, shallow_counts, "s--", base=2, label="shallow (one hidden layer)")
ax_p.set(xlabel="straight pieces of the function", ylabel="parameters needed",
         title="cost of a sawtooth")
ax_p.legend()
plt.show()

# %% [markdown]
# ### The answer to Question 3
#
# - **In weights, not necessarily.** Depth and size are separate choices: the lab's deep
#   CNN has 7,465 parameters, its shallow MLP 238,510; report 003's 2-2-2-2-2 network has
#   24 against 32 for 2-6-2. Count every layer and every bias before comparing (003's
#   dense-only counts left out most of the CNN).
# - **In what they can represent, yes.** With the same number of parameters, a deep
#   network can compute functions that a shallow one needs exponentially many units for:
#   61 parameters in 10 layers make a 1,024-piece sawtooth that one hidden layer needs
#   3,073 parameters for. Depth composes features; convolutions, in addition, reuse a
#   few weights across the image. This is why the small deep CNN beats the large MLP.
# - Capacity as "how many functions, how wiggly" is what matters for over-fitting and
#   for what can be learned; the parameter count is only a rough proxy for it.

# %% [markdown]
# ## Your turn
#
# A CNN for 28 × 28 grey images: `Conv2D(16, (3, 3))` with the default `'valid'` padding,
# `MaxPooling2D(2)`, `Flatten`, `Dense(10)`. How many parameters does it have? Work out
# the feature-map sizes first (26, then 13), then count.

# %% tags=["exercise"]
your_turn_model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(16, (3, 3), activation="relu"),
    keras.layers.MaxPooling2D(2), keras.layers.Flatten(),
    keras.layers.Dense(10, activation="softmax"),
])

my_count = None  # your answer, e.g. 12345
exercises.check(
    my_count,
    your_turn_model.count_params(),
    what="the number of parameters",
    hint="Conv2D: 3×3×1×16 + 16. Then 13×13×16 values reach Dense(10): that × 10 + 10.",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# side = 13  # 28 - 3 + 1 = 26 after the convolution, 26 // 2 = 13 after pooling
# my_count = (3 * 3 * 1 * 16 + 16) + (side * side * 16 * 10 + 10)
# ```
#
# </details>

# %% [markdown]
# The chapter's main result in one line, which the book's benchmark (`benchmarks/run.py`)
# collects for every chapter:

# %%
headline = {
    "metric": 'parameter counts of BOOK_SPEC asserted exact (of 9)',
    "value": float(9),
    "dataset": "none (models are built, not trained)",
    "report_best": 9,
}
headline

# %% [markdown]
# ## Summary
#
# - Dense: $n_\text{in} \times n_\text{out} + n_\text{out}$. Conv2D:
#   $k_h \times k_w \times c_\text{in} \times \text{filters} + \text{filters}$, whatever the
#   image size. Pooling, `Flatten` and `Dropout` have none.
# - Along each axis, `'valid'` gives $\lfloor (n-k)/s \rfloor + 1$ and `'same'` gives
#   $\lceil n/s \rceil$; pooling strides default to the pool size. Padding changes the
#   count of the `Dense` layer after the convolutions, not of the convolutions.
# - All eight models of the reports (238,510 · 198,760 · 80,610 · 7,465 · 177,600 ·
#   1,256,150 · 39,882 · 15,555 parameters) and the HOG length 392 are reproduced, by
#   formula and by Keras. Report 001's formulas $768 \times 300 + 300$ and
#   $200 \times 392 + 300$ do not give its (right) totals; report 003's CNN counts leave
#   out the convolutions.
# - Deep is not bigger: the deep lab CNN has 32 times fewer parameters than the MLP, and
#   a deep ReLU network makes a $2^L$-piece sawtooth with $6L + 1$ parameters where one
#   hidden layer needs $3 \cdot 2^L + 1$.
#
# ## Exercises
#
# 1. Report 003's Fashion-MNIST CNN with 64 filters has 1,256,150 parameters. Add a second
#    `MaxPooling2D(2)` before `Flatten`. Predict the new count, then check it with
#    `print_parameter_table`.
# 2. Change the lab CNN's first convolution from 9 to 18 filters. Which layers' counts
#    change, and by how much? Why does the `Dense(25)` layer not change?
# 3. With `PLOT_DEPTH = 6`, how many parameters do the deep and the shallow sawtooth
#    networks have? How many units would a shallow network need for the depth-20 sawtooth?
#
# <details><summary>Solutions (open them once you have tried)</summary>
#
# 1. The feature maps go from 14 × 14 to 7 × 7, so the `Dense(100)` sees
#    $7 \times 7 \times 64 = 3136$ inputs: $3136 \times 100 + 100 = 313{,}700$. The total
#    becomes $640 + 313{,}700 + 1{,}010 = 315{,}350$: three quarters of the parameters gone.
# 2. The first convolution goes from 234 to $5 \times 5 \times 1 \times 18 + 18 = 468$; the
#    second sees 18 channels: $5 \times 5 \times 18 \times 9 + 9 = 4{,}059$ instead of
#    2,034. The rest is unchanged: the second convolution still outputs 9 channels, so
#    everything after it has the same shapes. Total 9,724 instead of 7,465.
# 3. Deep: $6 \times 6 + 1 = 37$; shallow: $3 \times 64 + 1 = 193$. For depth 20 the
#    sawtooth has $2^{20} = 1{,}048{,}576$ pieces: a shallow network needs about a million
#    units (3.1 million parameters), the deep one 121 parameters.
#
# </details>


# %% [markdown]
# ### Exercise 2.1: the parameters of a whole MLP
#
# Put the chapter's Dense formula to work on a whole network. An MLP is given by its
# widths: `[784, 300, 10]` means 784 inputs, a hidden layer of 300 units and 10 outputs.
# Write `mlp_params(widths)`, the number of weights and biases of all its Dense layers. The
# check builds each MLP in Keras and compares your count with `count_params()`.

# %% tags=["exercise"]
def mlp_params(widths):
    """widths [n_inputs, units_1, ..., units_k] -> the parameters of the k Dense layers."""
    ...  # your code here


def keras_mlp_params(widths):
    layers_ = [keras.Input(shape=(widths[0],))]
    layers_ += [keras.layers.Dense(units) for units in widths[1:]]
    return keras.Sequential(layers_).count_params()


exercises.check_function(
    mlp_params,
    reference=keras_mlp_params,
    inputs=[[784, 300, 10], [784, 900, 10], [392, 100, 50, 10], [3, 1]],
    what="your MLP count",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def mlp_params(widths):
#     return sum((n_in + 1) * units for n_in, units in zip(widths[:-1], widths[1:]))
# ```
#
# </details>


# %% [markdown]
# ### Exercise 2.2: a cheaper convolution
#
# A `SeparableConv2D(filters, kernel_size)` splits a convolution in two: first one
# `kh × kw` kernel per input channel (a *depthwise* step, no mixing of channels, no bias),
# then a 1 × 1 convolution that mixes the `channels` maps into `filters` maps, with one bias
# per filter. Write its parameter count; the check compares it with Keras' layer, and the
# solution compares it with `Conv2D`'s.

# %% tags=["exercise"]
def separable_conv2d_params(kernel_size, channels, filters):
    """kernel_size (kh, kw), channels in, filters out -> the parameters of SeparableConv2D."""
    ...  # your code here


def keras_separable_params(kernel_size, channels, filters):
    layer = keras.layers.SeparableConv2D(filters, kernel_size)
    return keras.Sequential([keras.Input(shape=(16, 16, channels)), layer]).count_params()


exercises.check_function(
    separable_conv2d_params,
    reference=keras_separable_params,
    inputs=[((3, 3), 1, 16), ((5, 5), 9, 9), ((3, 3), 16, 32), ((3, 3), 64, 128)],
    what="your SeparableConv2D count",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def separable_conv2d_params(kernel_size, channels, filters):
#     kh, kw = kernel_size
#     return kh * kw * channels + (channels + 1) * filters
#
#
# # Conv2D has (kh * kw * channels + 1) * filters: about kh * kw times more when filters is large
# ```
#
# </details>

# %% tags=["hide-input"] jupyter={"source_hidden": true}
device.about_this_run(mnist)
