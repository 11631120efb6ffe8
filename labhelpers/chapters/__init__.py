"""Code that serves exactly one chapter, one module per chapter, named after it.

``ch04_hog`` (book/04_mlp_hog_features), ``ch06_gradcam`` (book/06_fashion_mnist),
``ch08_architecture`` (book/08_functional_api),
``ch09_augment`` (book/09_data_augmentation), ``ch10_transfer`` (book/10_transfer_learning),
``ch12_shapes`` (book/12_shapes_lab), ``ch13_backends`` (book/13_backends_pytorch). Each is
imported by its chapter alone; the core modules of ``labhelpers`` never import from here.
"""
