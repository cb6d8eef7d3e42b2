"""PyTorch models that a notebook teaches and a shipped checkpoint was trained with, one file per model.

Each is defined, line for line, in the notebook named below (its test fails if the two drift apart); the
checkpoint recipes in ``data/checkpoints.py`` import them from here, so a shipped state dict always fits the
notebook's model. ``from helpers.models import GPT`` and ``helpers.models.make_cnn()`` work as they always did.

- ``cnn.py``    ``make_cnn``: 05's MNIST CNN (conv → batch norm → ReLU → pool, twice; a dense head); 10 uses it,
                trained by ``python3 dev.py train mnist_cnn``, to judge generated digits
- ``dcgan.py``  ``Z_DIM``, ``Generator``, ``make_discriminator``: 10's DCGAN for 28×28 digits
                (``python3 dev.py train dcgan_generator``)
- ``bert.py``   ``Bert``, ``BertLayer``: 12's BERT encoder with Hugging Face ``BertModel``'s parameter names (its
                state_dict loads as it is; ``helpers.scratch.bert.bert_forward`` reads the same dict);
                ``BertPretraining``: the encoder with its masked-LM and next-sentence heads, pre-trained on the
                shipped plays by ``python3 dev.py train bert_pretrained``
- ``gpt.py``    ``GPT``, ``GPTBlock``, ``Conv1D``: 13's GPT-2 with Hugging Face ``GPT2LMHeadModel``'s parameter names
                and layout (its state_dict loads as it is; ``helpers.scratch.gpt`` reads the same dict)
"""

from helpers.models.bert import Bert, BertLayer, BertPretraining
from helpers.models.cnn import make_cnn
from helpers.models.dcgan import Z_DIM, Generator, make_discriminator
from helpers.models.gpt import GPT, Conv1D, GPTBlock

__all__ = ["make_cnn", "Z_DIM", "Generator", "make_discriminator", "BertLayer", "Bert", "BertPretraining", "Conv1D",
           "GPTBlock", "GPT"]
