"""The from-scratch NumPy library that the notebooks grow, one topic at a time.

Each module is taught, line for line, in the notebook named below (a test in ``tests/scratch`` or
``tests/test_nbNN_*.py`` fails if the notebook and the module drift apart); later notebooks import it.

- ``helpers.scratch.layers``    04: Linear, ReLU/Sigmoid/Tanh, Sequential, softmax cross-entropy, SGD; the Value engine
- ``helpers.scratch.conv``      05: conv2d and pooling, forward and backward; Conv2d/MaxPool2d/AvgPool2d layers
- ``helpers.scratch.deconv``    07: transposed convolution (three ways), upsampling; ConvTranspose2d/Upsample layers
- ``helpers.scratch.rnn``       08: the RNN cell and sequence, forward and backpropagation through time
- ``helpers.scratch.lstm``      09: the LSTM (fused gates: step, sequence, BPTT) and the GRU's forward pass
- ``helpers.scratch.optim``     04: Adam, for the layers above, imported by 10 (SGD lives in ``layers``)
- ``helpers.scratch.attention`` 11: attention and multi-head attention (forward and backward), masks, layer norm,
                                positional encodings, the feed-forward block, the encoder and decoder layers
- ``helpers.scratch.gelu``      12: GELU, exact and tanh, with backward (NumPy has no erf; the tanh form is taught)
- ``helpers.scratch.bert``      12: the plays as speeches and lines, words and WordPiece, the masking rule,
                                next-sentence pairs, BERT's embeddings and encoder on Hugging Face's weights
- ``helpers.scratch.gpt``       13 (ahead of it): GPT-2 forward and backward on Hugging Face's GPT2LMHeadModel
                                weights, the next-token loss, GPT-2's parameter count
- ``helpers.scratch.validate``  the input checks of conv, deconv and attention (shapes, dtypes, masks: clear errors)
"""
