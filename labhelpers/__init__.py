"""Helpers shared by the notebooks of the deep-learning lab book.

Import the module you need; nothing heavy (TensorFlow, Matplotlib) loads until you do::

    from labhelpers import data, device, evaluate, exercises, plots, quick
"""

__version__ = "0.1.0"
