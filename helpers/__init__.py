"""Shared helpers for the course notebooks. Two halves:

**The course's tooling** (one module per job; notebooks use it, never teach it):

- ``helpers.data``      load the shipped datasets (checksummed), minibatches, a PyTorch loader
- ``helpers.compare``   NumPy-vs-PyTorch comparison with a one-line verdict, finite-difference gradients
- ``helpers.repro``     ``seed_everything`` and ``get_device`` (CUDA when there is one)
- ``helpers.timing``    ``fastest_in_turns``: how the notebooks and ``dev.py bench`` time code (never asserted)
- ``helpers.plots``     every figure of the course: curves, decision boundaries, image grids, heatmaps...
- ``helpers.progress``  a progress bar and a training log that plots its loss curve
- ``helpers.widgets``   sliders that redraw one figure in place (ipywidgets 7.7 and 8.x)
- ``helpers.sweep``     every control tried at both ends: ``every_control_works(ui)`` ends each widget cell
- ``helpers.exercises`` automatic feedback for the exercises (solutions live in ``exercises/solutions``)
- ``helpers.models``    the PyTorch models behind the shipped checkpoints (taught in 05, 10, 12 and 13, trained by
                        ``helpers.training``'s recipes), so a checkpoint always fits its notebook's model
- ``helpers.parallel``  13: one data-parallel training step with ``torch.distributed`` (gloo) and DDP
- ``helpers.training``  training recipes: 13's GPT (a recipe dataclass, one loop for any budget) and the four
                        shipped checkpoints (``python3 dev.py train NAME`` runs them through data/checkpoints.py)

**The from-scratch NumPy library** the notebooks grow one topic at a time, ``helpers.scratch``: each
module is taught verbatim in its notebook (a test guards it) and imported by the notebooks after it.

- ``helpers.scratch.engine``    04: the scalar autograd engine (``Value``), one rule per operation
- ``helpers.scratch.layers``    04: Linear, ReLU/Sigmoid/Tanh, Sequential, softmax cross-entropy, SGD
- ``helpers.scratch.conv``      05: conv2d and pooling, forward and backward; Conv2d/MaxPool2d/AvgPool2d layers
- ``helpers.scratch.deconv``    07: transposed convolution (three ways), upsampling; ConvTranspose2d/Upsample layers
- ``helpers.scratch.rnn``       08: the RNN cell and sequence, forward and backpropagation through time
- ``helpers.scratch.lstm``      09: the LSTM (fused gates: step, sequence, BPTT) and the GRU's forward pass
- ``helpers.scratch.optim``     04: Adam, for the layers above (10 imports it)
- ``helpers.scratch.attention`` 11: attention and multi-head attention (forward and backward), masks, layer norm,
                                positional encodings, the feed-forward block, the encoder and decoder layers
- ``helpers.scratch.gelu``      12: GELU, exact and tanh, with backward (NumPy has no erf)
- ``helpers.scratch.bert``      12: BERT's input (vocabulary, masking, sentence pairs) and encoder on HF's weights
- ``helpers.scratch.gpt``       13: GPT-2 forward and backward on GPT2LMHeadModel's weights, the KV cache, sampling
- ``helpers.scratch.validate``  the input checks of conv, deconv and attention (shapes, dtypes, masks: clear errors)
"""

__version__ = "0.1.0"
