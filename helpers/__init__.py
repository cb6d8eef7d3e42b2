"""Shared helpers for the course notebooks.

Where things live (one module per job):

- ``helpers.data``      load the shipped datasets (checksummed), minibatches, a PyTorch loader
- ``helpers.checks``    NumPy-vs-PyTorch comparison with a one-line verdict, finite-difference gradients
- ``helpers.repro``     ``seed_everything`` and ``get_device`` (CUDA when there is one)
- ``helpers.plots``     every figure of the course: curves, decision boundaries, image grids, heatmaps...
- ``helpers.progress``  a progress bar and a training log that plots its loss curve
- ``helpers.widgets``   sliders that redraw one figure in place (ipywidgets 7.7 and 8.x)
- ``helpers.exercises`` automatic feedback for the exercises (solutions live in ``exercises/solutions``)

From-scratch code that later notebooks reuse, taught verbatim in the notebook named (a test guards it):

- ``helpers.layers``    04: Linear, ReLU/Sigmoid/Tanh, Sequential, softmax cross-entropy, SGD; the Value engine
- ``helpers.conv``      05: conv2d and max-pool, forward and backward; Conv2d/MaxPool2d layers
- ``helpers.deconv``    07: transposed convolution (three ways), upsampling; ConvTranspose2d/Upsample layers
"""

__version__ = "0.1.0"
