"""Text diagrams of Keras models: every layer with its output shape, parameters and inputs.

``keras.utils.plot_model`` draws a model as a picture but needs pydot and Graphviz; these
helpers show the same graph as text, which is enough to see where a functional model
branches (one layer feeding several) and where it merges (one layer with several inputs)::

    print(architecture.text_diagram(model))
    architecture.layer_table(model)          # the same, as a DataFrame

They read the model's own description (``model.get_config()``), so they work for
Sequential and functional models alike. Keras is never imported here.
"""

from __future__ import annotations

import pandas as pd

COLUMNS = ["layer", "type", "output_shape", "parameters", "inputs"]


def _history_names(node) -> list[str]:
    """Names of the layers whose outputs appear in one serialized inbound node, in order."""
    names: list[str] = []
    if isinstance(node, dict):
        history = node.get("config", {}).get("keras_history") if "config" in node else None
        if node.get("class_name") == "__keras_tensor__" and history:
            return [str(history[0])]
        for value in node.values():
            names += _history_names(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            names += _history_names(value)
    return names


def _graph(model) -> list[tuple[str, str, list[str]]]:
    """(name, class name, input layer names) for every layer, inputs first, from get_config."""
    if not (hasattr(model, "get_config") and hasattr(model, "layers")):
        raise TypeError(f"model must be a Keras model, got {type(model).__name__}")
    config = model.get_config()
    layers = config.get("layers") if isinstance(config, dict) else None
    if not layers:
        raise ValueError("model has no layers to draw")
    sequential = "input_layers" not in config
    graph = []
    previous: list[str] = []
    for entry in layers:
        name = entry.get("config", {}).get("name") or entry.get("name")
        if sequential:
            inputs = previous
        else:
            inputs = []
            for node in entry.get("inbound_nodes", []):
                inputs += [n for n in _history_names(node) if n not in inputs]
        graph.append((str(name), str(entry.get("class_name")), list(inputs)))
        previous = [str(name)]
    if sequential and graph[0][1] != "InputLayer":
        raise ValueError(
            "model is not built: start a Sequential model with keras.Input(shape=...) so "
            "that every layer has an output shape"
        )
    return graph


def _shape_text(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def layer_table(model) -> pd.DataFrame:
    """One row per layer: name, type, output shape, parameters and the layers feeding it.

    Parameters
    ----------
    model : keras.Model
        A built Sequential or functional model (a Sequential model must start with
        ``keras.Input``).

    Returns
    -------
    DataFrame
        Columns ``layer``, ``type``, ``output_shape``, ``parameters`` and ``inputs`` (the
        names of the input layers, comma-separated; "-" for an input). The parameters add
        up to ``model.count_params()``.

    Raises
    ------
    TypeError
        ``model`` is not a Keras model.
    ValueError
        The model is not built.
    """
    graph = _graph(model)
    by_name = {layer.name: layer for layer in model.layers}
    input_shapes = {}
    for tensor in getattr(model, "inputs", None) or []:
        history = getattr(tensor, "_keras_history", None)
        if history is not None:
            input_shapes[history[0].name] = tensor.shape
    rows = []
    for name, class_name, inputs in graph:
        layer = by_name.get(name)
        if layer is not None and class_name != "InputLayer":
            try:
                shape = layer.output.shape
            except (AttributeError, ValueError) as error:
                raise ValueError(
                    f"layer {name!r} has no output shape: build the model first ({error})"
                ) from error
            parameters = int(layer.count_params())
        else:  # an input: its shape is the model's input shape
            shape = input_shapes.get(name)
            if shape is None and len(input_shapes) == 1:
                shape = next(iter(input_shapes.values()))
            if shape is None:
                raise ValueError(f"input {name!r} has no known shape: build the model first")
            parameters = 0
        rows.append(
            {"layer": name, "type": class_name, "output_shape": _shape_text(shape),
             "parameters": parameters, "inputs": ", ".join(inputs) or "-"}
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def text_diagram(model) -> str:
    """The model as text: one line per layer, ``<- inputs`` on each, merges and splits marked.

    A layer with several inputs is a merge (``<- a + b``); a layer feeding several layers
    is a split (``-> 2 branches``). The first line names the model and its parameter count,
    which matches ``model.count_params()``.
    """
    table = layer_table(model)
    feeds: dict[str, int] = {}
    for inputs in table["inputs"]:
        for name in inputs.split(", "):
            if name != "-":
                feeds[name] = feeds.get(name, 0) + 1
    widths = {
        column: max(len(column), *(len(str(v)) for v in table[column]))
        for column in ("layer", "type", "output_shape")
    }
    width_params = max(len("parameters"), *(len(f"{v:,}") for v in table["parameters"]))
    header = (
        f"{'layer':<{widths['layer']}}  {'type':<{widths['type']}}  "
        f"{'output shape':<{widths['output_shape']}}  {'parameters':>{width_params}}  inputs"
    )
    lines = [
        f'model "{getattr(model, "name", "model")}": {int(table["parameters"].sum()):,} '
        f"parameters, {len(table)} layers",
        header,
        "-" * len(header),
    ]
    for row in table.itertuples(index=False):
        arrow = "" if row.inputs == "-" else "<- " + row.inputs.replace(", ", " + ")
        if feeds.get(row.layer, 0) > 1:
            arrow += ("  " if arrow else "") + f"-> {feeds[row.layer]} branches"
        lines.append(
            f"{row.layer:<{widths['layer']}}  {row.type:<{widths['type']}}  "
            f"{row.output_shape:<{widths['output_shape']}}  {row.parameters:>{width_params},}  "
            f"{arrow}".rstrip()
        )
    return "\n".join(lines)
