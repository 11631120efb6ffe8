"""Chapter 6: where a trained CNN looks, Grad-CAM heatmaps and their picture.

:func:`grad_cam` computes, with ``tf.GradientTape``, how much each place of an image adds
to a class score (Selvaraju et al., 2017); :func:`grad_cam_grid` lays the heatmaps over
the images. Used by book/06_fashion_mnist alone.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np

from labhelpers import plots


def _last_conv2d(model):
    """The last Conv2D layer of ``model`` (searching nested models too), or a clear error."""
    import keras

    found = None
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):  # SeparableConv2D is a Conv2D too
            found = layer
    if found is None:
        kinds = ", ".join(type(layer).__name__ for layer in model.layers) or "none"
        raise ValueError(
            f"Grad-CAM needs a Conv2D layer, and model {model.name!r} has none (its layers: "
            f"{kinds}); pass layer_name= to use another layer with (h, w, channels) outputs"
        )
    return found


def _score_source(model):
    """Where Grad-CAM reads the class scores: the last layer's input or output, and a function
    turning that tensor into class scores.

    A model that ends in a softmax gives probabilities near 1 for confident predictions,
    whose gradient vanishes; Grad-CAM uses the scores before the softmax (the logits), as in
    the paper. For a final ``Dense(..., activation="softmax")`` those are its input times its
    kernel plus its bias; for a final ``Softmax`` or ``Activation("softmax")`` layer, its input.
    """
    import keras

    last = model.layers[-1]
    activation = getattr(last, "activation", None)
    is_softmax = activation is keras.activations.softmax or getattr(
        activation, "__name__", "") == "softmax"
    if isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and is_softmax
    ):
        return "input", lambda values: values
    if isinstance(last, keras.layers.Dense) and is_softmax:
        def logits(values):
            import tensorflow as tf

            kernel = tf.cast(last.kernel, values.dtype)
            return tf.matmul(values, kernel) + tf.cast(last.bias, values.dtype) \
                if last.use_bias else tf.matmul(values, kernel)
        return "input", logits
    return "output", lambda values: values


def _probe(model, layer, source: str):
    """A function: images -> (the feature maps of ``layer``, the tensor the scores come from).

    A Sequential model is replayed layer by layer (its graph may hold several calls of a
    layer, e.g. after ``keras.models.load_model``, so ``layer.output`` need not lead to
    ``model.output``); a functional model is cut with ``keras.Model``.
    """
    import keras

    last = model.layers[-1]
    if isinstance(model, keras.Sequential):
        def replay(batch):
            values, maps = batch, None
            for current in model.layers:
                if current is last and source == "input":
                    break
                values = current(values, training=False)
                if current is layer:
                    maps = values
            return maps, values
        return replay
    end = last.input if source == "input" else last.output
    try:
        cut = keras.Model(model.inputs, [layer.output, end])
    except ValueError as error:  # a layer shared with another model: its first call is there
        raise ValueError(f"layer {layer.name!r} of model {model.name!r} was first called in "
                         f"another graph ({error}); Grad-CAM needs a model whose layers "
                         "were called once") from error
    return lambda batch: cut(batch, training=False)


def grad_cam(model, images, class_indices=None, layer_name: str | None = None,
             batch_size: int = 128) -> np.ndarray:
    """Grad-CAM heatmaps: where in each image the model found evidence for a class.

    For each image, the gradient of the class score with respect to the feature maps of a
    convolution layer, averaged over the map, weights each channel; the weighted sum of the
    channels, with negative values set to 0, is the heatmap (Selvaraju et al., 2017). The
    class score is the logit (the score before the softmax).

    ``model``: a Sequential or functional classifier (TensorFlow backend); ``images``:
    (n, h, w) or (n, h, w, channels); ``class_indices``: the class to explain per image (an
    int, n ints, or None for the predicted class); ``layer_name``: the layer whose feature
    maps are used, the last Conv2D by default. Returns float32 heatmaps (n, h, w), resized
    to the image and scaled to a peak of 1 (a map that is 0 everywhere stays 0). ValueError
    for a model without such a layer, a class index out of range, or images that do not fit.
    """
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ValueError(f"grad_cam needs the TensorFlow backend, not {keras.backend.backend()}")
    import tensorflow as tf

    x = np.asarray(images, dtype=np.float32)
    if x.ndim == 3:
        x = x[..., np.newaxis]
    if x.ndim != 4 or len(x) == 0:
        raise ValueError(f"images must have shape (n, h, w) or (n, h, w, channels), got "
                         f"{np.asarray(images).shape}")
    try:
        model.inputs  # noqa: B018  (a Sequential model that was never called has none)
        has_inputs = bool(model.inputs)
    except (AttributeError, ValueError):
        has_inputs = False
    if not has_inputs:
        model(x[:1])  # builds a Sequential model's graph, so that layer outputs exist
    layer = model.get_layer(layer_name) if layer_name is not None else _last_conv2d(model)
    if len(layer.output.shape) != 4:
        raise ValueError(f"layer {layer.name!r} has outputs of shape {layer.output.shape}; "
                         "Grad-CAM needs (batch, h, w, channels) feature maps")
    source, to_scores = _score_source(model)
    probe = _probe(model, layer, source)
    n = len(x)
    n_classes = int(model.outputs[0].shape[-1])
    if class_indices is None:
        wanted = None
    else:
        wanted = np.broadcast_to(np.asarray(class_indices), (n,)).astype(np.int64)
        if wanted.min() < 0 or wanted.max() >= n_classes:
            raise ValueError(f"class_indices must lie in 0..{n_classes - 1}, got "
                             f"{wanted.min()}..{wanted.max()}")
    heatmaps = []
    for start in range(0, n, batch_size):
        batch = tf.constant(x[start:start + batch_size])
        with tf.GradientTape() as tape:
            raw_maps, values = probe(batch)
            scores = to_scores(tf.cast(values, tf.float32))
            classes = (tf.argmax(scores, axis=1) if wanted is None
                       else tf.constant(wanted[start:start + batch_size]))
            chosen = tf.gather(scores, classes, axis=1, batch_dims=1)
        gradients = None if raw_maps is None else tape.gradient(chosen, raw_maps)
        if gradients is None:
            raise ValueError(f"the class score does not depend on layer {layer.name!r}")
        gradients, maps = tf.cast(gradients, tf.float32), tf.cast(raw_maps, tf.float32)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * maps, axis=-1))[..., tf.newaxis]
        cam = tf.image.resize(cam, x.shape[1:3], method="bilinear")[..., 0]
        heatmaps.append(cam.numpy())
    cams = np.concatenate(heatmaps).astype(np.float32)
    peaks = cams.reshape(n, -1).max(axis=1)[:, None, None]
    return np.where(peaks > 0, cams / np.where(peaks > 0, peaks, 1), 0).clip(0, 1)


def grad_cam_grid(images, heatmaps, titles: Sequence[str] | None = None,
                  colours: Sequence[str] | None = None, ncols: int | None = None,
                  alpha: float = 0.5, ax=None):
    """Each grey image (n, h, w) with its heatmap (n, h, w, values in [0, 1], e.g. from
    :func:`grad_cam`) laid over it in colour (red: hot); ``alpha``: 0
    shows the image alone, 1 the heatmap alone; ``colours``: one per title (e.g. red for a
    mistake). Returns the Axes of :func:`image_grid`.
    """
    pictures = plots.as_images(images)
    if pictures.ndim != 3:
        raise ValueError(f"images must be grey (n, h, w) or (n, h, w, 1), got {pictures.shape}")
    maps = np.asarray(heatmaps, dtype=np.float32)
    if maps.shape != pictures.shape:
        raise ValueError(f"heatmaps has shape {maps.shape} but images has {pictures.shape}: "
                         "one heatmap of the image's size per image")
    if not np.all(np.isfinite(maps)) or maps.min() < 0 or maps.max() > 1:
        raise ValueError("heatmaps must hold values in [0, 1] (grad_cam returns them so)")
    if not 0 <= alpha <= 1:
        raise ValueError(f"alpha must lie in [0, 1], got {alpha}")
    if colours is not None and len(colours) != len(pictures):
        raise ValueError(f"colours has {len(colours)} entries for {len(pictures)} images")
    heat = plt.get_cmap("jet")(maps)[..., :3]
    blended = (1 - alpha) * pictures[..., np.newaxis] + alpha * heat
    ax = plots.image_grid(blended, titles=titles, ncols=ncols, ax=ax)
    for text, colour in zip(ax.texts, colours or []):
        text.set_color(colour)
    return ax
