"""Chapter 8: a Keras model as a text diagram, every layer with its inputs.

``keras.utils.plot_model`` draws a model as a picture but needs pydot and Graphviz;
:func:`text_diagram` shows the same graph as text, which is enough to see where a
functional model branches (one layer feeding several) and where it merges (one layer
with several inputs). It prints ``evaluate.layer_table``. Keras is never imported here.
"""

from __future__ import annotations

from labhelpers.evaluate import layer_table


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
