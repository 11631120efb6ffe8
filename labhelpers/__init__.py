"""Helpers shared by the notebooks of the deep-learning lab book.

The core, which every chapter may use::

    from labhelpers import data, device, evaluate, exercises, plots

- ``data``: the datasets, real or stand-in, and where they live;
- ``device``: quick mode (``is_quick``, ``pick``), the accelerator, seeding, the fingerprint;
- ``evaluate``: scores, confusions, worst-classified samples, noise and reconstruction error;
- ``plots``: every drawing the chapters share (curves, confusion matrix, image grids);
- ``exercises``: the checks of the "Your turn" cells;
- ``checks``: the argument checks the others use.

``labhelpers.chapters`` holds code that serves exactly one chapter, one module per chapter
named after it (``ch04_hog`` for chapter 4 ...). Nothing heavy (TensorFlow, Matplotlib)
loads until you import the module that needs it. Imports point one way: chapters import
``labhelpers``, and the core never imports ``labhelpers.chapters``.
"""

__version__ = "0.1.0"
