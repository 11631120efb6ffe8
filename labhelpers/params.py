"""Counting a model's parameters by formula, layer by layer, next to what Keras counts.

The formulas (chapter 2)::

    Dense:   n_inputs × units + units                       (one weight per input, one bias)
    Conv:    k_h × k_w × in_channels × filters + filters     (the image size does not appear)
    pooling, Flatten, Dropout, Activation, Random* layers:  0

and the length of one spatial axis after a convolution or a pooling window::

    'valid':  floor((n - k) / s) + 1        'same':  ceil(n / s)

>>> dense_params(784, 300)
235500
>>> conv2d_params((5, 5), 1, 9)
234
>>> conv_output_length(7, 2, stride=2)
3

TensorFlow is imported by none of these functions; ``parameter_table`` only reads the layers
of a model you built.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import pandas as pd

PADDINGS = ("valid", "same")

# Layers without parameters, by class name (Keras 3).
_PARAMETER_FREE = {
    "Flatten", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
    "GaussianNoise", "GaussianDropout", "AlphaDropout", "Activation", "ReLU", "Softmax",
    "LeakyReLU", "ELU", "Reshape", "Permute", "RepeatVector", "Rescaling", "Identity",
    "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D",
    "UpSampling1D", "UpSampling2D", "UpSampling3D", "Concatenate", "Add", "Subtract",
    "Multiply", "Average", "Maximum", "Minimum",
    "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomContrast",
    "RandomBrightness", "RandomCrop",
}


def _positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return int(value)


def _kernel(kernel_size, name: str = "kernel_size") -> tuple[int, ...]:
    if isinstance(kernel_size, numbers.Integral) and not isinstance(kernel_size, bool):
        kernel_size = (kernel_size, kernel_size)
    if not isinstance(kernel_size, Sequence) or isinstance(kernel_size, str) or not kernel_size:
        raise TypeError(
            f"{name} must be an int or a non-empty tuple of ints, got {kernel_size!r}"
        )
    return tuple(_positive_int(k, name) for k in kernel_size)


def dense_params(n_inputs: int, units: int, use_bias: bool = True) -> int:
    """Parameters of a Dense layer: ``n_inputs × units`` weights plus ``units`` biases.

    Parameters
    ----------
    n_inputs : int
        Length of the input vector (the last axis of the layer's input).
    units : int
        Number of units (outputs) of the layer.
    use_bias : bool
        Whether the layer has one bias per unit (Keras' default).
    """
    n_inputs = _positive_int(n_inputs, "n_inputs")
    units = _positive_int(units, "units")
    return n_inputs * units + (units if use_bias else 0)


def conv2d_params(kernel_size, in_channels: int, filters: int, use_bias: bool = True) -> int:
    """Parameters of a convolution: ``k_h × k_w × in_channels × filters + filters``.

    Works for Conv1D/2D/3D (give a kernel tuple of length 1, 2 or 3) and for the transposed
    convolutions, which have the same count. The image size does not appear: one small
    kernel slides over the whole image.

    Parameters
    ----------
    kernel_size : int or tuple of int
        The kernel's size; an int ``k`` means ``(k, k)``.
    in_channels : int
        Channels of the input (1 for a grey image, 3 for RGB, the previous layer's filters).
    filters : int
        Number of kernels, i.e. channels of the output.
    use_bias : bool
        Whether each filter has a bias (Keras' default).
    """
    kernel = _kernel(kernel_size)
    in_channels = _positive_int(in_channels, "in_channels")
    filters = _positive_int(filters, "filters")
    return math.prod(kernel) * in_channels * filters + (filters if use_bias else 0)


def conv_output_length(
    length: int, kernel: int, stride: int = 1, padding: str = "valid", dilation: int = 1
) -> int:
    """Length of one spatial axis after a convolution (or a pooling window).

    ``'valid'`` keeps only the positions where the window fits: ``floor((n - k) / s) + 1``;
    ``'same'`` pads with zeros so that ``ceil(n / s)`` positions remain.

    Parameters
    ----------
    length : int
        Input length along the axis (e.g. 28).
    kernel : int
        Window size along the axis.
    stride : int
        Step between windows.
    padding : {'valid', 'same'}
        Keras' padding argument.
    dilation : int
        Dilation rate; the window then covers ``(kernel - 1) × dilation + 1`` pixels.
    """
    length = _positive_int(length, "length")
    kernel = _positive_int(kernel, "kernel")
    stride = _positive_int(stride, "stride")
    dilation = _positive_int(dilation, "dilation")
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}, got {padding!r}")
    if padding == "same":
        return -(-length // stride)
    span = (kernel - 1) * dilation + 1
    if span > length:
        raise ValueError(
            f"a window of {span} does not fit in length {length} with padding='valid'"
        )
    return (length - span) // stride + 1


def pool_output_length(
    length: int, pool_size: int = 2, stride: int | None = None, padding: str = "valid"
) -> int:
    """Length of one axis after pooling; Keras' stride defaults to the pool size."""
    pool_size = _positive_int(pool_size, "pool_size")
    stride = pool_size if stride is None else stride
    return conv_output_length(length, pool_size, stride=stride, padding=padding)


def _shape(tensor_shape) -> tuple:
    return tuple(None if d is None else int(d) for d in tensor_shape)


def _input_shape(layer) -> tuple | None:
    try:
        inputs = layer.input
    except (AttributeError, ValueError):
        return None
    if isinstance(inputs, (list, tuple)):
        return None
    return _shape(inputs.shape)


def _output_shape(layer) -> tuple | str:
    try:
        outputs = layer.output
    except (AttributeError, ValueError):
        return "multiple"
    if isinstance(outputs, (list, tuple)):
        return "multiple"
    return _shape(outputs.shape)


def _channels(layer, shape: tuple) -> int:
    axis = 1 if getattr(layer, "data_format", "channels_last") == "channels_first" else -1
    return shape[axis]


def _layer_formula(layer) -> tuple[str, int | None]:
    """The formula (as text) and the count it gives; count None when it is not one we know."""
    kind = type(layer).__name__
    config = layer.get_config()
    in_shape = _input_shape(layer)
    if kind == "Dense" and in_shape is not None:
        n_in, units, bias = in_shape[-1], config["units"], config["use_bias"]
        text = f"{n_in} × {units}" + (f" + {units}" if bias else "")
        return text, dense_params(n_in, units, bias)
    if kind.startswith("Conv") and "filters" in config and in_shape is not None:
        kernel, filters, bias = tuple(config["kernel_size"]), config["filters"], config["use_bias"]
        in_channels = _channels(layer, in_shape) // config.get("groups", 1)
        text = "×".join(str(k) for k in kernel) + f"×{in_channels} × {filters}"
        text += f" + {filters}" if bias else ""
        return text, conv2d_params(kernel, in_channels, filters, bias)
    if kind == "BatchNormalization" and in_shape is not None:
        channels = in_shape[config["axis"] if isinstance(config["axis"], int) else -1]
        n = sum(bool(config.get(k, True)) for k in ("center", "scale")) + 2
        return f"{n} × {channels} (2 × {channels} not trained)", n * channels
    if kind in _PARAMETER_FREE or "Pooling" in kind:
        return "0", 0
    return "(no formula here: Keras' count)", None


def parameter_table(model) -> pd.DataFrame:
    """One row per layer: name, type, output shape, formula, count by formula, Keras' count.

    Parameters
    ----------
    model : keras.Model
        A built model (a Sequential starting with ``keras.Input``, or a functional model).
        Input layers are left out. Layers this module has no formula for (e.g. a nested
        model) show Keras' count and the text "(no formula here ...)".

    Returns
    -------
    pandas.DataFrame
        Columns ``layer``, ``type``, ``output shape``, ``formula``, ``parameters`` (by the
        formula) and ``count_params()`` (by Keras); ``df.attrs["total"]`` is the model's
        ``count_params()``.
    """
    if not (hasattr(model, "layers") and hasattr(model, "count_params")):
        raise TypeError(f"model must be a keras Model, got {type(model).__name__}")
    if not getattr(model, "built", False):
        raise ValueError(
            "model is not built: start a Sequential model with keras.Input(shape=...) "
            "or call model.build(input_shape) first"
        )
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        formula, count = _layer_formula(layer)
        keras_count = int(layer.count_params())
        rows.append({
            "layer": layer.name, "type": kind, "output shape": _output_shape(layer),
            "formula": formula, "parameters": keras_count if count is None else count,
            "count_params()": keras_count,
        })
    table = pd.DataFrame(
        rows, columns=["layer", "type", "output shape", "formula", "parameters", "count_params()"]
    )
    table.attrs["total"] = int(model.count_params())
    return table


def print_parameter_table(model) -> pd.DataFrame:
    """Print :func:`parameter_table` with a total line and return the table.

    The total line says whether the formulas add up to Keras' ``count_params()``.
    """
    table = parameter_table(model)
    print(table.to_string(index=False, formatters={
        "parameters": "{:,}".format, "count_params()": "{:,}".format,
    }))
    by_formula, by_keras = int(table["parameters"].sum()), table.attrs["total"]
    verdict = "the same" if by_formula == by_keras else "DIFFERENT"
    print(f"total by formula {by_formula:,}; model.count_params() {by_keras:,}: {verdict}")
    return table
