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
# # The learning algorithm and the cost function
#
# > How RMSprop moves the weights, which loss it minimises, and how it compares with SGD,
# > momentum and Adam.
#
# **You will learn**
#
# - RMSprop's update rule, each of its five arguments and what it changes;
# - to write RMSprop in NumPy and check it, step by step, against `keras.optimizers.RMSprop`;
# - categorical versus binary cross-entropy, and which one belongs after a softmax;
# - how SGD, momentum, RMSprop and Adam walk down the same loss surface.
# - where the gradient comes from: `tf.GradientTape`, checked against finite differences
#   and the gradient of softmax + cross-entropy derived by hand.
#
# **Prerequisites:** chapter 0; derivatives and the chain rule. **Run time:** on a 2-core
# CPU, Setup prints the time the benchmark recorded in full mode and in quick mode (which
# trains the small comparison network on fewer images); on a GPU about the same (an
# estimate: the chapter barely trains).

# %% [markdown]
# ## The lab question
#
# Reports 001 and 003 answer the same first question of their lab:
#
# > Question 1: What is the learning algorithm being used to optimize the weights of the
# > neural networks? What are the parameters (arguments) being used by that algorithm? What
# > cost function is being used? please, give the equation(s)
#
# Both answer *RMSprop* with its default arguments, and *categorical cross-entropy*. Report
# 003 writes the categorical formula; report 001 names the categorical loss but writes the
# **binary** cross-entropy formula. This chapter gives the equations, checks each against
# Keras, and shows why the difference matters.

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

import inspect
import warnings

import keras
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import tensorflow as tf

from labhelpers import data, device, evaluate, exercises, plots

# %% tags=["parameters"]
SEED = 42
N_CHECK_STEPS = 20  # optimizer steps compared between NumPy and Keras (both modes)
N_PATH_STEPS = 60  # steps on the 2-D loss surface (both modes)
N_TRAIN = device.pick(full=None, quick=2000)  # images for the optimizer comparison; None: all
EPOCHS = device.pick(full=5, quick=3)
BATCH_SIZE = 128
N_GRAD_IMAGES = 64  # images in the batch whose gradient the tape computes (both modes)
N_FD_WEIGHTS = 20  # kernel weights checked by finite differences (both modes)
N_TAPE_STEPS = 5  # RMSprop steps written with the tape, compared with Keras (both modes)

# %%
device.set_seed(SEED)
plots.use_book_style()
summary = device.summary(chapter="01_learning_algorithm")

# %% [markdown]
# ## RMSprop: the update rule
#
# Training computes, for every weight $w$, the gradient $g_t = \partial L / \partial w$ of
# the loss on the current batch, and moves $w$ against it. Plain gradient descent takes the
# step $\eta\, g_t$: one learning rate $\eta$ for every weight, whatever the size of its
# gradients. **RMSprop** (Hinton, 2012) divides each weight's step by a running estimate of
# the size of that weight's gradients, so weights with large gradients take cautious
# steps and weights with tiny gradients are not stuck.
#
# Keras 3 (`keras/src/optimizers/rmsprop.py`) does exactly this, per weight, at step $t$:
#
# $$v_t = \rho\, v_{t-1} + (1-\rho)\, g_t^2$$
#
# (the running mean of the squared gradients, starting at $v_0 = 0$), then
#
# $$\Delta_t = \frac{\eta\, g_t}{\sqrt{v_t + \epsilon}}$$
#
# $$w_t = w_{t-1} - \Delta_t$$
#
# With `momentum` $= \mu > 0$ the increments pile up in a velocity $s_t$ (start $s_0 = 0$):
#
# $$s_t = \mu\, s_{t-1} + \Delta_t, \qquad w_t = w_{t-1} - s_t$$
#
# With `centered=True` it also keeps the running mean of the gradients,
# $\bar g_t = \rho\, \bar g_{t-1} + (1-\rho)\, g_t$, and divides by an estimate of their
# **variance** instead of their mean square:
#
# $$\Delta_t = \frac{\eta\, g_t}{\sqrt{v_t - \bar g_t^{\,2} + \epsilon}}$$
#
# Two details that textbooks write differently: Keras puts $\epsilon$ **inside** the square
# root (many texts write $\sqrt{v_t} + \epsilon$), and it applies no bias correction, so the
# first step is large: $v_1 = (1-\rho) g_1^2$, hence $\Delta_1 = \eta / \sqrt{1-\rho}
# \approx 3.16\,\eta$ in the direction of $g_1$, whatever the gradient's size.

# %% [markdown]
# ### The five arguments
#
# - **`learning_rate`** ($\eta$), default `0.001`: scales every step. Larger: faster
#   progress, and past some value the loss diverges.
# - **`rho`** ($\rho$), default `0.9`: the share of the **old** average $v_{t-1}$ kept at
#   each step, a memory of about $1/(1-\rho) = 10$ steps. Larger: a smoother estimate of
#   the gradients' size that follows changes more slowly.
# - **`momentum`** ($\mu$), default `0.0` (off): keeps a fraction $\mu$ of the previous
#   step. Larger: steps along a consistent direction grow (up to $1/(1-\mu)$ times), and
#   oscillations die out more slowly.
# - **`epsilon`** ($\epsilon$), default `1e-7`: keeps the division finite when
#   $v_t \approx 0$. Larger: weights with tiny gradients take smaller steps; a very large
#   $\epsilon$ turns RMSprop back into plain gradient descent with rate
#   $\eta / \sqrt{\epsilon}$.
# - **`centered`**, default `False`: when `True`, divide by the gradients' variance
#   instead of their mean square. Steps grow where the gradient is consistent (small
#   variance); costs one more array per weight.
#
# Report 001 reads `rho` as a "discount factor for the upcoming gradient": it is the weight
# of the **past** average; the new gradient gets $1-\rho$. Report 001 also lists `name`,
# which is only a label. Keras 3 adds arguments every optimizer shares (`weight_decay`,
# `clipnorm`, `clipvalue`, `global_clipnorm`, `use_ema`, ...), all off by default.
#
# The defaults above are checked against the installed Keras, so a future version that
# changes one stops this cell:

# %%
signature = inspect.signature(keras.optimizers.RMSprop.__init__)
defaults = {
    name: signature.parameters[name].default
    for name in ("learning_rate", "rho", "momentum", "epsilon", "centered")
}
print(defaults)
documented = {
    "learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False,
}
assert defaults == documented, "keras.optimizers.RMSprop's defaults changed: update the list"

# %% [markdown]
# ## RMSprop in NumPy
#
# The rule above, line for line, for a whole array of weights at once. `gradients` is a
# list of arrays, one per step; the function returns the weights after every step (the
# start included), so that we can compare whole trajectories.

# %%
def rmsprop_numpy(start, gradients, learning_rate=0.001, rho=0.9, momentum=0.0,
                  epsilon=1e-7, centered=False):
    """The weights after each RMSprop step, as Keras 3 computes them (float32)."""
    w = np.array(start, dtype=np.float32)
    v = np.zeros_like(w)  # running mean of g²
    mean_g = np.zeros_like(w)  # running mean of g (centered only)
    s = np.zeros_like(w)  # velocity (momentum only)
    path = [w.copy()]
    for g in gradients:
        v = rho * v + (1 - rho) * g**2
        if centered:
            mean_g = rho * mean_g + (1 - rho) * g
            step = learning_rate * g / np.sqrt(v - mean_g**2 + epsilon)
        else:
            step = learning_rate * g / np.sqrt(v + epsilon)
        if momentum > 0:
            s = momentum * s + step
            w = w - s
        else:
            w = w - step
        path.append(w.copy())
    return np.array(path)


# %% [markdown]
# The same thing with Keras: a `keras.Variable` holds the weights, and
# `optimizer.apply_gradients` takes one step with the gradient we give it.

# %%
def optimizer_path(optimizer, start, gradients):
    """The weights after each step of a Keras optimizer fed the given gradients."""
    w = keras.Variable(np.array(start, dtype="float32"))
    path = [keras.ops.convert_to_numpy(w).copy()]
    for g in gradients:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g), w)])
        path.append(keras.ops.convert_to_numpy(w).copy())
    return np.array(path)


# %% [markdown]
# A first check, against the example in Keras' own documentation: minimising
# $w^2/2$ (gradient $w$) from $w = 10$ with `learning_rate=0.1`, one step lands on
# 9.683772, that is $10 - 0.1/\sqrt{0.1}$.

# %%
one_step = rmsprop_numpy(10.0, [np.float32(10.0)], learning_rate=0.1)[-1]
print(f"NumPy RMSprop after one step: {one_step:.6f}")
assert np.isclose(one_step, 9.683772, atol=1e-6), "the NumPy RMSprop misses Keras' example"

# %% [markdown]
# Now the real test: the same start weights (a 3 × 4 array) and the same
# `N_CHECK_STEPS` gradients, fed to both implementations, with four settings. The
# gradients are random, with a mean different from 0 so that the weights drift
# somewhere; the check compares every weight after every step.

# %%
rng = np.random.default_rng(SEED)
start = rng.normal(size=(3, 4)).astype("float32")
gradients = rng.normal(0.3, 1.0, size=(N_CHECK_STEPS, 3, 4)).astype("float32")

settings = {
    "defaults": {},
    "momentum=0.9": {"momentum": 0.9},
    "centered=True": {"centered": True},
    "all changed": {"learning_rate": 0.01, "rho": 0.8, "momentum": 0.5, "epsilon": 1e-4,
                    "centered": True},
}
paths, rows = {}, []
for label, kwargs in settings.items():
    ours = rmsprop_numpy(start, gradients, **kwargs)
    theirs = optimizer_path(keras.optimizers.RMSprop(**kwargs), start, gradients)
    paths[label] = (ours, theirs)
    rows.append({"setting": label, "steps": N_CHECK_STEPS,
                 "largest |NumPy - Keras|": np.abs(ours - theirs).max(),
                 "distance travelled": np.abs(ours[-1] - ours[0]).max()})
pd.DataFrame(rows)

# %% [markdown]
# The two agree: the differences are zero or at the level of float32 rounding (about
# $10^{-7}$ of the values), far below the distance the weights travel. The assertion
# makes that precise: relative tolerance $10^{-5}$, the usual float32 tolerance for a
# chain of operations.

# %%
for label, (ours, theirs) in paths.items():
    np.testing.assert_allclose(
        ours, theirs, rtol=1e-5, atol=1e-6,
        err_msg=f"NumPy and Keras RMSprop disagree with setting {label!r}",
    )
    assert np.abs(ours[-1] - ours[0]).max() > 1e-3, f"the weights did not move ({label})"
print(f"✅ NumPy and Keras agree on all {N_CHECK_STEPS} steps for all {len(paths)} settings")

# %% [markdown]
# One weight's trajectory under each setting: lines are NumPy, dots are Keras. Look at how
# momentum lets the steps grow while the gradient keeps its sign, and how the first step
# is about the same size ($\approx 3.16\,\eta$) with the default learning rate whatever the
# setting (the default and centered curves almost coincide: with consistent gradients,
# centering changes little).

# %%
fig, ax = plt.subplots(figsize=(5, 4.4), layout="constrained")  # phone-legible
for index, (label, (ours, theirs)) in enumerate(paths.items()):
    steps = np.arange(N_CHECK_STEPS + 1)
    ax.plot(steps, ours[:, 0, 0] - start[0, 0], "-", color=f"C{index}", label=f"{label} (NumPy)")
    ax.plot(steps, theirs[:, 0, 0] - start[0, 0], "o", color=f"C{index}", markersize=4)
ax.set_xlabel("step")
ax.set_ylabel("change of weight [0, 0]")
ax.set_title("NumPy (lines) and Keras (dots)")
fig.legend(loc="outside lower center", ncol=2, fontsize="small")
plt.show()

# %% [markdown]
# ## The cost function
#
# The lab's networks end with a **softmax**: for the $K = 10$ classes they output
# probabilities $\hat y_1, \dots, \hat y_K$ that are positive and **sum to 1**, one
# distribution over mutually exclusive classes. The label is one-hot: $y_c = 1$ for the
# true class $c$, 0 elsewhere. The loss that goes with it, `categorical_crossentropy`, is
# the negative log-probability of the true class, averaged over the $N$ images of a batch:
#
# $$L_\text{CCE} = -\frac{1}{N}\sum_{n=1}^{N} \sum_{k=1}^{K} y_{nk} \log \hat y_{nk}
#   = -\frac{1}{N}\sum_{n=1}^{N} \log \hat y_{n,c_n}$$
#
# This is report 003's formula. Report 001 writes instead
#
# $$L_\text{BCE} = -\frac{1}{N}\sum_{n=1}^{N} \frac{1}{K}\sum_{k=1}^{K}
#   \Big[y_{nk} \log \hat y_{nk} + (1-y_{nk}) \log (1-\hat y_{nk})\Big],$$
#
# the **binary** cross-entropy, Keras' `binary_crossentropy`. Both by hand, and both
# checked against `keras.losses`, on a batch of 6 random softmax outputs:

# %%
n_classes, n_images = 10, 6
logits = rng.normal(0.0, 2.0, size=(n_images, n_classes)).astype("float32")
probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)  # softmax
labels = rng.integers(0, n_classes, size=n_images)
one_hot = np.eye(n_classes, dtype="float32")[labels]

cce_by_hand = np.mean(-np.sum(one_hot * np.log(probabilities), axis=1))
bce_by_hand = np.mean(-np.mean(one_hot * np.log(probabilities)
                               + (1 - one_hot) * np.log(1 - probabilities), axis=1))
cce_keras = float(keras.losses.CategoricalCrossentropy()(one_hot, probabilities))
bce_keras = float(keras.losses.BinaryCrossentropy()(one_hot, probabilities))
print(f"categorical: by hand {cce_by_hand:.6f}   keras {cce_keras:.6f}")
print(f"binary:      by hand {bce_by_hand:.6f}   keras {bce_keras:.6f}")
print(f"ratio categorical / binary: {cce_keras / bce_keras:.1f}")

# %%
assert np.isclose(cce_by_hand, cce_keras, rtol=1e-5), "the categorical formula misses Keras"
assert np.isclose(bce_by_hand, bce_keras, rtol=1e-5), "the binary formula misses Keras"
assert not np.isclose(cce_keras, bce_keras, rtol=0.1), "the two losses should differ"
print("✅ both formulas match keras.losses, and they give different numbers")

# %% [markdown]
# So report 001's formula is a real loss, but not the one its network was trained with:
# the lab compiles with `loss="categorical_crossentropy"`, and the number Keras prints is
# $L_\text{CCE}$, several times the value of 001's formula (the ratio printed above).
#
# ### Why the binary formula is the wrong model for a softmax
#
# Binary cross-entropy is the negative log-likelihood of $K$ **independent** yes/no
# questions ("is it a 3?", "is it a 7?", ...), each answered by its own sigmoid: the right
# loss for multi-label outputs, where an image may belong to several classes. A softmax
# answers **one** question, "which class?", with a distribution whose entries compete: the
# likelihood of the label is just $\hat y_c$, and its negative log is $L_\text{CCE}$.
#
# The difference shows in the gradient each formula sends back. With a softmax and
# $L_\text{CCE}$, the gradient of the loss with respect to the logits $z$ (the inputs of
# the softmax) is simply $\hat y - y$: push the true class up, the others down, in
# proportion to their probabilities. TensorFlow computes it for us:

# %%
def logit_gradient(loss_fn, z, y):
    z = tf.constant(z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = loss_fn(y, tf.nn.softmax(z))
    return tape.gradient(loss, z).numpy()


grad_cce = logit_gradient(keras.losses.CategoricalCrossentropy(), logits[:1], one_hot[:1])
grad_bce = logit_gradient(keras.losses.BinaryCrossentropy(), logits[:1], one_hot[:1])
print("ŷ - y            :", np.round(probabilities[0] - one_hot[0], 3))
print("CCE gradient     :", np.round(grad_cce[0], 3))
print("BCE gradient     :", np.round(grad_bce[0], 3))
assert np.allclose(grad_cce, probabilities[:1] - one_hot[:1], atol=1e-5), (
    "the categorical cross-entropy gradient should be ŷ - y"
)

# %% [markdown]
# The BCE gradient is several times weaker (the $1/K$ factor, partly offset by the extra
# terms) and no longer proportional to the error $\hat y - y$. The curve below shows the
# loss of one image as the probability of its true class grows from 0.01 to 1 (the rest
# spread evenly over the other 9 classes). Both are
# 0 at the right answer, but binary cross-entropy punishes a confident wrong answer far
# less: at $\hat y_c = 0.01$, CCE is 4.6, BCE only 0.57.

# %%
q = np.linspace(0.01, 0.999, 200)
rest = (1 - q) / (n_classes - 1)
cce_curve = -np.log(q)
bce_curve = -(np.log(q) + (n_classes - 1) * np.log(1 - rest)) / n_classes
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(q, cce_curve, label="categorical cross-entropy (003)")
ax.plot(q, bce_curve, "--", label="binary cross-entropy (001's formula)")
ax.set_xlabel("probability given to the true class")
ax.set_ylabel("loss of one image")
ax.set_title("Two losses for the same softmax output, 10 classes")
ax.legend()
plt.show()

# %% [markdown]
# ### What `fit` computes on TensorFlow
#
# One more trap. Hand a Keras loss the output of a Keras softmax (the last layer of the
# lab's models), and on the TensorFlow backend it does not use the probabilities. The
# softmax keeps the logits $z$ it received on its output, and the loss starts from them,
# which is numerically safer. For `categorical_crossentropy` the number is the same. For
# `binary_crossentropy` it is **another loss**: each logit goes through its own
# **sigmoid** $\sigma(z_k) = 1/(1+e^{-z_k})$, and the binary formula is applied to those
# ten numbers, not to the softmax probabilities. The cell passes the same logits through a
# softmax layer and compares:

# %%
softmax_output = keras.layers.Activation("softmax")(logits)  # a lab model's last layer
sigmoids = 1 / (1 + np.exp(-logits))
bce_of_sigmoids = np.mean(-np.mean(one_hot * np.log(sigmoids)
                                   + (1 - one_hot) * np.log(1 - sigmoids), axis=1))
bce_in_fit = float(keras.losses.BinaryCrossentropy()(one_hot, softmax_output))
cce_in_fit = float(keras.losses.CategoricalCrossentropy()(one_hot, softmax_output))
print(f"binary, 001's formula on the softmax probabilities: {bce_by_hand:.4f}")
print(f"binary, the same formula on the sigmoids of z     : {bce_of_sigmoids:.4f}")
print(f"keras binary_crossentropy on the softmax layer    : {bce_in_fit:.4f}")
print(f"keras categorical_crossentropy on the same layer  : {cce_in_fit:.4f}"
      f"   (by hand {cce_by_hand:.4f})")

# %%
assert np.isclose(bce_in_fit, bce_of_sigmoids, rtol=1e-5), "expected sigmoids of the logits"
assert not np.isclose(bce_in_fit, bce_by_hand, rtol=0.01), "expected another loss than 001's"
assert np.isclose(cce_in_fit, cce_by_hand, rtol=1e-5), "the categorical loss should not change"
print("✅ on a softmax layer, binary_crossentropy is the sigmoid cross-entropy of the logits")

# %% [markdown]
# So a model compiled with `loss="binary_crossentropy"` after a softmax trains ten
# independent sigmoids on its logits, while `predict` still returns the softmax. Neither
# is report 001's formula. The JAX and PyTorch backends keep no logits: there the loss is
# 001's formula on the probabilities. Exercise 3 trains such a model.

# %% [markdown]
# ## Four optimizers on one loss surface
#
# A picture of what the update rules do. The loss $L(w_1, w_2) = 0.02\,w_1^2 + w_2^2$ is a
# long, narrow valley: steep across ($w_2$), almost flat along ($w_1$). That is the shape
# that makes training hard, because one learning rate cannot suit both directions. Each
# optimizer is the real Keras one, stepping a `keras.Variable` from $(-4.5, 1.5)$ with the
# exact gradient.

# %%
def valley_loss(w1, w2):
    return 0.02 * w1**2 + w2**2


def valley_gradient(w):
    return np.array([0.04 * w[0], 2.0 * w[1]], dtype="float32")


def descend(optimizer, start_point, steps):
    """Positions of a Keras optimizer descending the valley."""
    w = keras.Variable(np.array(start_point, dtype="float32"))
    path = [keras.ops.convert_to_numpy(w).copy()]
    for _ in range(steps):
        optimizer.apply_gradients([(valley_gradient(path[-1]), w)])
        path.append(keras.ops.convert_to_numpy(w).copy())
    return np.array(path)


optimizers = {
    "SGD, lr 0.9": keras.optimizers.SGD(learning_rate=0.9),
    "SGD + momentum 0.9, lr 0.1": keras.optimizers.SGD(learning_rate=0.1, momentum=0.9),
    "RMSprop, lr 0.1": keras.optimizers.RMSprop(learning_rate=0.1),
    "Adam, lr 0.3": keras.optimizers.Adam(learning_rate=0.3),
}
valley_paths = {name: descend(opt, (-4.5, 1.5), N_PATH_STEPS) for name, opt in optimizers.items()}

# %% [markdown]
# Look for: plain SGD bouncing from wall to wall across the valley while it crawls along
# it; momentum building speed along the valley and overshooting; RMSprop taking steps of
# about the same size in both directions (it divides each coordinate by its own gradient
# size), so it heads diagonally and then along the valley floor; Adam, which combines
# momentum with RMSprop's scaling.

# %%
w1, w2 = np.meshgrid(np.linspace(-5, 2, 200), np.linspace(-2, 2, 200))
fig, (ax_map, ax_loss) = plt.subplots(2, 1, figsize=(5, 8), layout="constrained")
ax_map.contour(w1, w2, valley_loss(w1, w2), levels=np.geomspace(0.01, 4, 12), cmap="viridis")
for index, (name, path) in enumerate(valley_paths.items()):
    ax_map.plot(path[:, 0], path[:, 1], "o-", color=f"C{index}", markersize=2.5, label=name)
    ax_loss.semilogy(valley_loss(path[:, 0], path[:, 1]), color=f"C{index}", label=name)
ax_map.plot(0, 0, "k*", markersize=12)
ax_map.set(xlabel="$w_1$", ylabel="$w_2$", title=f"{N_PATH_STEPS} steps from (-4.5, 1.5)")
ax_loss.set(xlabel="step", ylabel="loss (log scale)", title="loss along each path")
fig.legend(*ax_map.get_legend_handles_labels(), loc="outside lower center", ncol=2,
           fontsize="small")
plt.show()

# %%
final = {name: float(valley_loss(*path[-1])) for name, path in valley_paths.items()}
print({name: f"{value:.2g}" for name, value in final.items()})
start_loss = float(valley_loss(-4.5, 1.5))
assert all(np.isfinite(v) and v < start_loss for v in final.values()), "an optimizer diverged"

# %% [markdown]
# None of them is "the best" in general: the learning rates were picked by hand for this
# surface, and with other values the ranking changes. What the picture shows is the
# mechanism. Per-coordinate scaling (RMSprop, Adam) is what makes a single learning rate
# workable when some weights see gradients a hundred times larger than others, which is
# the normal situation in a deep network.

# %% [markdown]
# ## Report 004's choice of Adam
#
# Report 004 trains a softmax classifier on images of shapes and writes:
#
# > Here we choose the Adam method instead of the Stochastic Gradient Descent since the
# > loss decreases faster with the Adam optimizer.
#
# Adam (Kingma and Ba, 2015) keeps a running mean $m_t$ of the gradients (momentum) and a
# running mean $v_t$ of their squares (RMSprop), corrects both for their start at 0, and
# steps by $\eta\, \hat m_t / (\sqrt{\hat v_t} + \epsilon)$. Its defaults
# (`learning_rate=0.001, beta_1=0.9, beta_2=0.999`) work on most problems, which is why it
# is the usual first choice. The reason 004 gives is an observation, which is fine; we can
# check it on a model of the same kind (one softmax `Dense` layer, here on MNIST digits)
# with each optimizer at its Keras default learning rate.
#
# The loader prints where the digits come from. Without the real MNIST files, quick mode
# uses scikit-learn's real 8x8 digits resized to 28 x 28 and says so; the numbers are then
# those of that small set, not of MNIST.

# %%
mnist = data.load_mnist(n_train=N_TRAIN)
(x_train, y_train), (x_test, y_test) = mnist
x_train = x_train.reshape(len(x_train), -1).astype("float32") / 255.0
x_test = x_test.reshape(len(x_test), -1).astype("float32") / 255.0
print("training images:", x_train.shape, " test images:", x_test.shape)

# %% [markdown]
# Each optimizer starts from the same initial weights (same seed) and sees the same
# batches; we compare the training loss, epoch by epoch, and the test accuracy.

# %%
def softmax_classifier():
    keras.utils.set_random_seed(SEED)
    return keras.Sequential([keras.Input(shape=(784,)),
                             keras.layers.Dense(10, activation="softmax")])


choices = {
    "SGD (lr 0.01)": lambda: keras.optimizers.SGD(),
    "RMSprop (lr 0.001)": lambda: keras.optimizers.RMSprop(),
    "Adam (lr 0.001)": lambda: keras.optimizers.Adam(),
}
histories, results = {}, []
for name, make_optimizer in choices.items():
    model = softmax_classifier()
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    keras.utils.set_random_seed(SEED)
    histories[name] = model.fit(x_train, y_train, epochs=EPOCHS, batch_size=BATCH_SIZE,
                                verbose=0)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    results.append({"optimizer": name, "final training loss": histories[name].history["loss"][-1],
                    "test accuracy": accuracy})
pd.DataFrame(results)

# %% [markdown]
# Each optimizer's test accuracy next to its expected-result band (chapter 0): the lowest
# and highest of three seeds in this mode on this kind of machine, measured by the book's
# benchmark. Just outside a band is likely seed noise; far outside, a parameter probably
# changed.

# %%
for row in results:
    device.band(f"test accuracy, {row['optimizer']}", row["test accuracy"], mnist)

# %%
plots.training_curves(histories, metrics="loss")
plt.show()

# %%
evaluate.check_loss_fell(histories)
final_loss = {row["optimizer"]: row["final training loss"] for row in results}
if not device.is_quick() and mnist.is_real:
    assert final_loss["Adam (lr 0.001)"] < final_loss["SGD (lr 0.01)"], (
        "Adam should end below SGD at their default learning rates"
    )
    adam_accuracy = results[2]["test accuracy"]
    assert adam_accuracy > 0.85, f"Adam: {adam_accuracy:.1%}; a linear model should pass 85 %"
print("✅ every loss went down")

# %% [markdown]
# The table holds this run's figures, and the band lines what three seeds give. In a
# quick run (2,000 images, 3 epochs) as in a full one (the 8,000 real MNIST training
# digits available here, 5 epochs, where the check above asserts Adam's lead), RMSprop
# and Adam end with a lower training loss than SGD and a higher test accuracy: 004's
# observation holds for SGD at its default learning rate. It is not a law: SGD with
# momentum and a tuned learning rate often matches Adam in the end, and generalises as
# well or better on large image models.
#
# ### 004's code does not run on Keras 3
#
# Report 004 creates its optimizers like this (Keras 2):
#
# ```python
# from keras.optimizers import SGD, adam
# sgd = SGD(lr=0.01, decay=1e-6, momentum=0.9, nesterov=True)
# adam = adam(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False)
# ```
#
# Each Keras 2 name fails on Keras 3, some loudly, some silently. The cell below tries them
# one by one and prints what happens.

# %%
attempts = {
    "keras.optimizers.adam": lambda: keras.optimizers.adam,
    "Adam(lr=0.001)": lambda: keras.optimizers.Adam(lr=0.001),
    "SGD(learning_rate=0.01, decay=1e-6)": lambda: keras.optimizers.SGD(
        learning_rate=0.01, decay=1e-6),
}
for code, attempt in attempts.items():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            attempt()
            outcome = "runs, " + ("warns: " + str(caught[0].message) if caught else "no warning")
        except (AttributeError, ValueError) as error:
            outcome = f"{type(error).__name__}: {error}"
    print(f"{code:38s} -> {outcome}")

# %% [markdown]
# `epsilon=None` is accepted when the optimizer is made, and fails only at the first
# training step:

# %%
try:
    optimizer_path(keras.optimizers.Adam(learning_rate=0.001, epsilon=None), [1.0], [[1.0]])
    print("epsilon=None ran")
except ValueError as error:
    print("epsilon=None -> ValueError at the first step:", str(error)[:80])

# %% [markdown]
# The Keras 3 spelling: class names with a capital (`keras.optimizers.Adam`),
# `learning_rate=`, a number for `epsilon` (default `1e-7`), and a learning-rate
# **schedule** instead of `decay`. Note also that 004 later compiles with
# `optimizer='adam'` (a string): that makes a fresh Adam with default arguments, not the
# object it configured. Its plots read `history.history['acc']`: with
# `metrics=["accuracy"]`, as in this book, the key is `"accuracy"`.

# %%
schedule = keras.optimizers.schedules.InverseTimeDecay(
    initial_learning_rate=0.01, decay_steps=1, decay_rate=1e-6
)  # what Keras 2's decay=1e-6 did: lr / (1 + 1e-6 * step)
sgd = keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, nesterov=True)
adam = keras.optimizers.Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                             amsgrad=False)
print(type(sgd).__name__, type(adam).__name__, "created with Keras", keras.__version__)

# %% [markdown]
# ## Where the gradient comes from: automatic differentiation
#
# Every step above took the gradient $g_t$ as given. In `fit`, Keras gets it from
# TensorFlow's **automatic differentiation**: while the forward pass runs inside a
# `tf.GradientTape`, the tape records each operation (the matrix product, the bias, the
# softmax, the log, the mean); `tape.gradient` then walks that record backwards and
# multiplies the local derivatives of the operations by the chain rule. Done backwards,
# from the single number $L$ to every weight, this is **backpropagation**: one backward
# pass costs about as much as the forward pass, whatever the number of weights.
#
# Here it is on the lab's cost: the softmax classifier above, on a batch of
# `N_GRAD_IMAGES` digits, with the categorical cross-entropy on one-hot labels.

# %%
x_batch = x_train[:N_GRAD_IMAGES]
y_batch = keras.utils.to_categorical(y_train[:N_GRAD_IMAGES], n_classes)
cost = keras.losses.CategoricalCrossentropy()
tape_model = softmax_classifier()

with tf.GradientTape() as tape:
    loss = cost(y_batch, tape_model(x_batch))  # the forward pass, recorded
grad_kernel, grad_bias = (g.numpy() for g in tape.gradient(loss, tape_model.trainable_variables))
print(f"loss {float(loss):.4f}; gradients of the kernel {grad_kernel.shape} "
      f"and of the bias {grad_bias.shape}")

# %% [markdown]
# ### Check 1: central finite differences
#
# The definition of a derivative gives an independent check that needs no calculus:
# nudge one weight by $\pm h$ and measure the loss,
# $\partial L / \partial w \approx \big(L(w + h) - L(w - h)\big) / 2h$, with an error of
# order $h^2$. It costs two forward passes **per weight** (15,700 for this small model;
# millions for a real network), which is why training uses the tape and finite differences
# serve only as a test. The cell checks every bias and `N_FD_WEIGHTS` kernel weights drawn
# among the pixels that are not blank in the batch (a weight on a blank pixel has gradient 0
# on both sides). The loss is recomputed in NumPy, in float64: in float32, the rounding
# error of the loss, divided by $2h$, makes the estimate far less precise (the last line
# shows by how much).

# %%
kernel, bias = (keras.ops.convert_to_numpy(w) for w in tape_model.trainable_variables)


def cost_numpy(kernel, bias, dtype="float64"):
    """The categorical cross-entropy of the softmax classifier on the batch, in NumPy."""
    z = x_batch.astype(dtype) @ kernel.astype(dtype) + bias.astype(dtype)
    z = z - z.max(axis=1, keepdims=True)  # the same softmax, safe from overflow
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return -np.mean(np.sum(y_batch * log_p, axis=1))


def central_difference(kernel, bias, index, h, dtype="float64"):
    """(L(w + h) - L(w - h)) / 2h for one weight: ("kernel", i, k) or ("bias", k)."""
    losses = []
    for sign in (1, -1):
        moved = {"kernel": kernel.astype(dtype), "bias": bias.astype(dtype)}
        moved[index[0]][index[1:]] += sign * h
        losses.append(cost_numpy(moved["kernel"], moved["bias"], dtype))
    return (losses[0] - losses[1]) / (2 * h)


fd_rng = np.random.default_rng(SEED)
pixels = fd_rng.choice(np.flatnonzero(x_batch.any(axis=0)), size=N_FD_WEIGHTS, replace=False)
checked = [("kernel", i, k) for i, k in zip(pixels, fd_rng.integers(0, n_classes, N_FD_WEIGHTS))]
checked += [("bias", k) for k in range(n_classes)]
taped = np.array([(grad_kernel if w[0] == "kernel" else grad_bias)[w[1:]] for w in checked])
finite = np.array([central_difference(kernel, bias, w, h=1e-5) for w in checked])
finite32 = np.array([central_difference(kernel, bias, w, h=1e-3, dtype="float32")
                     for w in checked])
fd_difference = np.abs(taped - finite).max()
print(f"{len(checked)} weights; largest |gradient| {np.abs(taped).max():.4f}")
print(f"largest |tape - finite difference|, float64, h = 1e-5: {fd_difference:.2e}")
print(f"the same in float32, h = 1e-3 (for comparison):       "
      f"{np.abs(taped - finite32).max():.2e}")

# %%
assert abs(cost_numpy(kernel, bias) - float(loss)) < 1e-6, "NumPy and Keras losses differ"
np.testing.assert_allclose(taped, finite, rtol=1e-4, atol=1e-6,
                           err_msg="the tape and the finite differences disagree")
print("✅ the tape's gradient matches the finite differences")

# %% [markdown]
# ### Check 2: the gradient by hand
#
# For this model the chain rule can be carried out on paper. The logits of image $n$ are
# $z_{nk} = \sum_i x_{ni} W_{ik} + b_k$, the probabilities $\hat y_n = \mathrm{softmax}(z_n)$,
# and $L$ is the mean of $-\log \hat y_{n,c_n}$ over the $N$ images. The derivative of
# softmax + cross-entropy with respect to the logits is the $\hat y - y$ that the section
# "Why the binary formula is the wrong model" checked for one image, divided by $N$ for
# the mean:
#
# $$\frac{\partial L}{\partial z_{nk}} = \frac{\hat y_{nk} - y_{nk}}{N}.$$
#
# Each $z_{nk}$ depends on $W_{ik}$ through the factor $x_{ni}$ and on $b_k$ with
# factor 1, so, summing over the images,
#
# $$\frac{\partial L}{\partial W} = \frac{1}{N} X^\top (\hat Y - Y), \qquad
#   \frac{\partial L}{\partial b} = \frac{1}{N} \sum_{n} (\hat y_n - y_n),$$
#
# with $X$ the $N \times 784$ images, $\hat Y$ and $Y$ the $N \times 10$ probabilities and
# one-hot labels. Two lines of NumPy, compared with the tape on **all** 7,850 weights:

# %%
z = x_batch.astype("float64") @ kernel + bias
p = np.exp(z - z.max(axis=1, keepdims=True))
p /= p.sum(axis=1, keepdims=True)  # softmax
hand_kernel = x_batch.T.astype("float64") @ (p - y_batch) / N_GRAD_IMAGES
hand_bias = (p - y_batch).sum(axis=0) / N_GRAD_IMAGES
hand_difference = max(np.abs(hand_kernel - grad_kernel).max(),
                      np.abs(hand_bias - grad_bias).max())
print(f"largest |tape - by hand| over {grad_kernel.size + grad_bias.size:,} weights: "
      f"{hand_difference:.2e}")
np.testing.assert_allclose(grad_kernel, hand_kernel, rtol=1e-4, atol=1e-6)
np.testing.assert_allclose(grad_bias, hand_bias, rtol=1e-4, atol=1e-6)
print("✅ the tape computes X^T (ŷ - y) / N, the gradient derived by hand")

# %% [markdown]
# Both differences are at the level of float32 rounding: the tape (which worked in
# float32) computes the exact derivative, not an approximation. Note what the formula says
# about learning: a weight $W_{ik}$ moves only if pixel $i$ is lit in some image, and in
# proportion to the error $\hat y - y$ on class $k$; confident right answers
# ($\hat y \approx y$) contribute almost nothing.
#
# ### RMSprop with the tape
#
# Now the pieces of the chapter fit together. One training step is: the tape gives the
# gradient of the lab's cost, and RMSprop's two lines (those of `rmsprop_numpy`, in
# TensorFlow operations on the model's variables) update the weights. The same steps,
# on the same batches from the same starting weights, with `keras.optimizers.RMSprop`
# doing the update: after each of `N_TAPE_STEPS` steps, the table gives the loss and the
# largest difference between the two models' weights.

# %%
def rmsprop_tape_step(model, x, y, mean_squares, learning_rate=0.001, rho=0.9, epsilon=1e-7):
    """One RMSprop step on the cost of (x, y), written out; returns the loss, gradients."""
    with tf.GradientTape() as tape:
        loss = cost(y, model(x))
    gradients = tape.gradient(loss, model.trainable_variables)
    for w, v, g in zip(model.trainable_variables, mean_squares, gradients):
        v.assign(rho * v + (1 - rho) * g**2)
        w.assign(w - learning_rate * g / tf.sqrt(v + epsilon))
    return float(loss), [g.numpy() for g in gradients]


def keras_rmsprop_step(model, x, y, optimizer):
    """The same step, the update done by a Keras optimizer."""
    with tf.GradientTape() as tape:
        loss = cost(y, model(x))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return float(loss)


ours, theirs = softmax_classifier(), softmax_classifier()  # the same seed: the same weights
mean_squares = [tf.Variable(tf.zeros_like(w)) for w in ours.trainable_variables]
keras_rmsprop = keras.optimizers.RMSprop()
start_kernel = keras.ops.convert_to_numpy(ours.layers[0].kernel).copy()
kernel_gradients, step_rows = [], []
for step in range(N_TAPE_STEPS):
    batch = slice(step * N_GRAD_IMAGES, (step + 1) * N_GRAD_IMAGES)
    x_step = x_train[batch]
    y_step = keras.utils.to_categorical(y_train[batch], n_classes)
    loss_ours, step_gradients = rmsprop_tape_step(ours, x_step, y_step, mean_squares)
    loss_keras = keras_rmsprop_step(theirs, x_step, y_step, keras_rmsprop)
    kernel_gradients.append(step_gradients[0])
    step_rows.append({
        "step": step + 1, "loss (ours)": loss_ours, "loss (Keras)": loss_keras,
        "largest |ours - Keras|": max(
            np.abs(keras.ops.convert_to_numpy(a) - keras.ops.convert_to_numpy(b)).max()
            for a, b in zip(ours.trainable_variables, theirs.trainable_variables)),
        "distance travelled": np.abs(
            keras.ops.convert_to_numpy(ours.layers[0].kernel) - start_kernel).max(),
    })
pd.DataFrame(step_rows)

# %% [markdown]
# The largest difference is zero or of the order of one float32 rounding step of weights
# of this size (a few $10^{-9}$ for weights of a few hundredths), far below the distance travelled,
# and the two losses agree to the printed digits. One more tie: fed the kernel gradients
# the tape recorded, the chapter's `rmsprop_numpy` retraces the same path.

# %%
replayed = rmsprop_numpy(start_kernel, kernel_gradients)[-1]
final_kernel = keras.ops.convert_to_numpy(ours.layers[0].kernel)
for a, b in zip(ours.trainable_variables, theirs.trainable_variables):
    np.testing.assert_allclose(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b),
                               rtol=1e-5, atol=1e-7, err_msg="tape RMSprop and Keras differ")
np.testing.assert_allclose(replayed, final_kernel, rtol=1e-5, atol=1e-7)
assert step_rows[-1]["loss (ours)"] < step_rows[0]["loss (ours)"], "the loss did not go down"
print(f"largest |rmsprop_numpy - tape RMSprop| after {N_TAPE_STEPS} steps: "
      f"{np.abs(replayed - final_kernel).max():.2e}")
print(f"✅ tape + RMSprop's two lines = keras.optimizers.RMSprop, for {N_TAPE_STEPS} steps")

# %% [markdown]
# ## Your turn
#
# RMSprop's first step does not depend on the size of the gradient. With
# `learning_rate=0.01` and the default `rho=0.9`, by how much does a weight move on the
# first step (give a positive number)? Work it out from the update rule with pencil and
# paper, then check.

# %% tags=["exercise"]
weight = keras.Variable(np.array([10.0], dtype="float32"))  # Keras' first step from 10, gradient 4
keras.optimizers.RMSprop(learning_rate=0.01).apply_gradients(
    [(keras.ops.convert_to_tensor([4.0]), weight)]
)
expected_step = float(10.0 - keras.ops.convert_to_numpy(weight)[0])

my_first_step = None  # your answer, e.g. 0.005
exercises.check(
    my_first_step,
    expected_step,
    what="the size of RMSprop's first step",
    rtol=1e-4,
    hint="v_1 = (1 - rho) g², so the step is learning_rate × g / sqrt((1 - rho) g²).",
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# my_first_step = 0.01 / np.sqrt(1 - 0.9)  # ≈ 0.0316, for any gradient g ≠ 0
# ```
#
# </details>

# %% [markdown]
# The chapter's main result in one line, which the book's benchmark (`benchmarks/run.py`)
# collects for every chapter:

# %%
headline = {
    "metric": 'test accuracy, softmax classifier trained with Adam',
    "value": float(results[2]["test accuracy"]),
    "dataset": mnist.describe(),
    "report_best": None,
}
headline

# %% [markdown]
# ## Summary
#
# - The lab trains with **RMSprop**: each weight's step is the learning rate times its
#   gradient, divided by the root of a running mean of its squared gradients
#   ($\rho = 0.9$, $\epsilon = 10^{-7}$ inside the root, no momentum, not centered, by
#   default). Our NumPy version matches `keras.optimizers.RMSprop` to float32 rounding for
#   20 steps, with momentum and centered too.
# - After a softmax the loss is the **categorical** cross-entropy, $-\log \hat y_c$
#   (report 003). Report 001's formula is the **binary** cross-entropy: a different number
#   (several times smaller), a model of independent yes/no outputs, and a weaker gradient.
#   On TensorFlow, `binary_crossentropy` after a softmax layer is neither: Keras applies
#   the binary formula to the sigmoids of the logits.
# - On a narrow valley, SGD zig-zags, momentum overshoots, RMSprop and Adam rescale each
#   direction. Adam beat plain SGD at default settings on a softmax classifier, as report
#   004 observed; 004's Keras 2 code (`adam`, `lr=`, `decay=`, `epsilon=None`) fails on
#   Keras 3.
# - The gradient comes from **automatic differentiation**: `tf.GradientTape` records the
#   forward pass and applies the chain rule backwards. On the lab's cost it agrees with
#   central finite differences and with the hand-derived $X^\top(\hat Y - Y)/N$ to float32
#   rounding, and a training step written as tape + RMSprop's two lines takes the same
#   steps as `keras.optimizers.RMSprop`.
#
# ## Exercises
#
# 1. Run the valley with RMSprop at `learning_rate=0.01` and `0.5`. What changes near the
#    minimum, and why does RMSprop not settle exactly at $(0, 0)$ with a constant learning
#    rate?
# 2. In `rmsprop_numpy`, move $\epsilon$ outside the square root
#    ($\sqrt{v_t} + \epsilon$) and run the check against Keras again. Which settings still
#    pass? What about `epsilon=1e-2`?
# 3. Train the softmax classifier with `loss="binary_crossentropy"` on one-hot labels
#    (`keras.utils.to_categorical(y_train, 10)`), with SGD and with Adam. Does it still
#    learn? Compare its loss values and test accuracy with the categorical run.
#
# <details><summary>Solutions (open them once you have tried)</summary>
#
# 1. With 0.01 the path is slow and smooth and has not reached the minimum after 60 steps;
#    with 0.5 it reaches the valley floor quickly and then jitters. Near the minimum $g$ and
#    $\sqrt{v}$ shrink together, so the step stays about $\eta$ in size: RMSprop oscillates
#    around the minimum with an amplitude set by the learning rate, which is why training
#    lowers the learning rate at the end (a schedule).
# 2. With $\epsilon = 10^{-7}$ the two forms differ by about $10^{-7}$ of a step, within
#    the tolerance: the three settings that keep the default $\epsilon$ still pass. The
#    setting "all changed" ($\epsilon = 10^{-4}$) fails (weights off by about $10^{-3}$),
#    and so does `epsilon=1e-2`: $\sqrt{v + 0.01}$ and $\sqrt{v} + 0.01$ differ clearly.
#    Where $\epsilon$ sits is part of the algorithm's definition, and the check sees it.
# 3. It learns (the loss is smallest at the right answer), but it is not report 001's
#    formula that `fit` minimises. On TensorFlow, as the section "What `fit` computes on
#    TensorFlow" showed, it trains ten independent sigmoids on the logits. The gradient on
#    logit $k$ is then $(\sigma(z_k) - y_k)/K$ instead of $\hat y_k - y_k$. With all
#    logits near 0, as at the start, the true class gets $-0.05$ instead of $-0.9$: plain
#    SGD, at the same learning rate, moves much more slowly, while Adam rescales every
#    gradient and hardly notices. The printed loss is this sigmoid cross-entropy: a third
#    formula, comparable neither with the categorical loss nor with 001's formula on the
#    probabilities. The hidden cell below runs the exercise with this run's data and
#    prints the numbers.
#
# </details>


# %% [markdown]
# ### Exercise 1.1: RMSprop in NumPy
#
# Write RMSprop's update for a vector of weights, several steps in a row. With a moving
# average `v` of the squared gradient (it starts at 0), each step does
# `v = rho * v + (1 - rho) * g**2`, then `w = w - learning_rate * g / sqrt(v + epsilon)`.
# Use `learning_rate=0.01`, `rho=0.9`, `epsilon=1e-7` (Keras' defaults but the rate). Return
# the weights after every step, an array of shape `(steps, n)`. The check feeds the same
# gradients to `keras.optimizers.RMSprop`.

# %% tags=["exercise"]
def rmsprop_path(w, gradients, learning_rate=0.01, rho=0.9, epsilon=1e-7):
    """w (n,) start, gradients (steps, n) -> weights after each step (steps, n)."""
    ...  # your code here


def keras_rmsprop_path(w, gradients):
    weight = keras.Variable(w.astype("float32"))
    optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
    path = []
    for g in gradients:
        optimizer.apply_gradients([(keras.ops.convert_to_tensor(g, "float32"), weight)])
        path.append(keras.ops.convert_to_numpy(weight).copy())
    return np.array(path)


rng = np.random.default_rng(1)
exercises.check_function(
    rmsprop_path,
    reference=keras_rmsprop_path,
    inputs=[(np.array([10.0, -3.0]), rng.normal(size=(5, 2))),
            (rng.normal(size=4), rng.normal(size=(8, 4)))],
    what="your RMSprop",
    atol=1e-5,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def rmsprop_path(w, gradients, learning_rate=0.01, rho=0.9, epsilon=1e-7):
#     w, v, path = w.astype(float), np.zeros_like(w, dtype=float), []
#     for g in gradients:
#         v = rho * v + (1 - rho) * g**2
#         w = w - learning_rate * g / np.sqrt(v + epsilon)
#         path.append(w)
#     return np.array(path)
# ```
#
# </details>


# %% [markdown]
# ### Exercise 1.2: categorical cross-entropy in NumPy
#
# The loss the chapter's networks minimise: for one example with one-hot label `y` and
# predicted probabilities `p`, it is `-sum_i y_i log(p_i)`, minus the log of the probability
# given to the right class. Write it for a batch: `y_true` and `p` of shape `(n, k)`, one loss
# per example, shape `(n,)`. Clip `p` to `[1e-7, 1 - 1e-7]` first, as Keras does, so that a
# probability of 0 gives a large loss instead of infinity. The check compares yours with
# `keras.losses.categorical_crossentropy`.

# %% tags=["exercise"]
def cross_entropy(y_true, p):
    """y_true (n, k) one-hot, p (n, k) probabilities -> losses (n,)."""
    ...  # your code here


rng = np.random.default_rng(2)
labels = rng.integers(0, 4, size=6)
y_true = np.eye(4, dtype="float32")[labels]
p = rng.dirichlet(np.ones(4), size=6).astype("float32")
confident_and_wrong = np.array([[1.0, 0.0, 0.0]], "float32"), np.array([[0.0, 1.0, 0.0]], "float32")
exercises.check_function(
    cross_entropy,
    reference=keras.losses.categorical_crossentropy,
    inputs=[(y_true, p), confident_and_wrong],
    what="your cross-entropy",
    rtol=1e-4,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def cross_entropy(y_true, p):
#     p = np.clip(p, 1e-7, 1 - 1e-7)
#     return -(y_true * np.log(p)).sum(axis=1)
# ```
#
# </details>

# %% [markdown]
# ### Exercise 1.3: backpropagation through a hidden layer
#
# The section on automatic differentiation derived the gradient of one softmax layer by
# hand. Go one layer deeper: a hidden ReLU layer, `a = x @ w1 + b1`, `h = relu(a)`, then
# the logits `z = h @ w2 + b2` and the categorical cross-entropy of `softmax(z)`, averaged
# over the `n` examples. Write the four gradients with NumPy by the chain rule, from the
# loss backwards: `dz = (softmax(z) - y) / n`; then `dw2`, `db2` as in the chapter (with
# `h` in place of `x`); then the gradient reaching `h`, `dh = dz @ w2.T`; through the ReLU
# (its derivative is 1 where `a > 0`, else 0); and finally `dw1`, `db1`. The check compares
# yours with what `tf.GradientTape` computes.

# %% tags=["exercise"]
def two_layer_gradients(x, y, w1, b1, w2, b2):
    """Gradients of the mean cross-entropy -> (dw1, db1, dw2, db2), shaped like w1, b1, ..."""
    ...  # your code here


def tape_gradients(x, y, w1, b1, w2, b2):
    weights = [tf.constant(w) for w in (w1, b1, w2, b2)]
    with tf.GradientTape() as tape:
        tape.watch(weights)
        logits = tf.nn.relu(x @ weights[0] + weights[1]) @ weights[2] + weights[3]
        loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y, logits, from_logits=True))
    return tuple(g.numpy() for g in tape.gradient(loss, weights))


rng = np.random.default_rng(3)
two_layer_inputs = [
    (rng.normal(size=(n, 5)), np.eye(3)[rng.integers(0, 3, size=n)], rng.normal(size=(5, 4)),
     rng.normal(size=4), rng.normal(size=(4, 3)), rng.normal(size=3))
    for n in (8, 20)
]
exercises.check_function(
    two_layer_gradients,
    reference=tape_gradients,
    inputs=two_layer_inputs,
    what="your gradients",
    rtol=1e-5,
    atol=1e-8,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def two_layer_gradients(x, y, w1, b1, w2, b2):
#     """Gradients of the mean cross-entropy -> (dw1, db1, dw2, db2), shaped like w1, b1, ..."""
#     a = x @ w1 + b1
#     h = np.maximum(a, 0)
#     z = h @ w2 + b2
#     p = np.exp(z - z.max(axis=1, keepdims=True))
#     p /= p.sum(axis=1, keepdims=True)
#     dz = (p - y) / len(x)  # softmax + cross-entropy, averaged
#     dw2, db2 = h.T @ dz, dz.sum(axis=0)
#     da = (dz @ w2.T) * (a > 0)  # back through w2, then through the ReLU
#     dw1, db1 = x.T @ da, da.sum(axis=0)
#     return dw1, db1, dw2, db2
# ```
#
# Each layer passes back the gradient with respect to its **input** (here `dz @ w2.T`)
# and keeps the one with respect to its weights: that is all backpropagation is, and what
# the tape does for any stack of operations. A ReLU stops the gradient wherever it was off.
#
# </details>


# %% tags=["hide-cell"] jupyter={"outputs_hidden": true, "source_hidden": true}
# Exercise 3: the softmax classifier trained with binary_crossentropy on one-hot labels
def binary_formula(y, q):
    """The binary cross-entropy formula (report 001's) applied to the numbers q."""
    q = np.clip(q, 1e-7, 1 - 1e-7)
    return np.mean(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q), axis=1))


y_train_one_hot = keras.utils.to_categorical(y_train, n_classes)
y_test_one_hot = keras.utils.to_categorical(y_test, n_classes)
categorical = {row["optimizer"]: row for row in results}
rows = []
for name in ("SGD (lr 0.01)", "Adam (lr 0.001)"):
    rows.append({"optimizer": name, "loss": "categorical",
                 "last training loss": categorical[name]["final training loss"],
                 "test accuracy": categorical[name]["test accuracy"]})
    model = softmax_classifier()
    model.compile(optimizer=choices[name](), loss="binary_crossentropy")
    keras.utils.set_random_seed(SEED)
    history = model.fit(x_train, y_train_one_hot, epochs=EPOCHS, batch_size=BATCH_SIZE,
                        verbose=0)
    test_probabilities = model.predict(x_test, verbose=0)
    accuracy = np.mean(test_probabilities.argmax(axis=1) == y_test)
    rows.append({"optimizer": name, "loss": "binary",
                 "last training loss": history.history["loss"][-1],
                 "test accuracy": accuracy})
print(pd.DataFrame(rows).to_string(index=False, float_format="{:.3f}".format))

keras_loss = model.evaluate(x_test, y_test_one_hot, verbose=0)  # the Adam model
kernel, bias = (keras.ops.convert_to_numpy(w) for w in model.layers[0].weights)
sigmoid_loss = binary_formula(y_test_one_hot, 1 / (1 + np.exp(-(x_test @ kernel + bias))))
formula_001 = binary_formula(y_test_one_hot, test_probabilities)
print(f"The Adam model on the test images: Keras reports a loss of {keras_loss:.4f}, the "
      f"sigmoid cross-entropy of its logits is {sigmoid_loss:.4f}, and 001's formula on "
      f"its softmax probabilities gives {formula_001:.4f}.")
assert np.isclose(keras_loss, sigmoid_loss, rtol=1e-3), "Keras should use the sigmoids"

# %% tags=["hide-input"] jupyter={"source_hidden": true}
device.about_this_run(mnist)
