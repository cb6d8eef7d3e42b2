"""helpers.parallel: one step of DistributedDataParallel over two gloo processes equals one process on the whole
batch (loss and every gradient, float64); a batch that does not split evenly is refused."""

import pytest
import torch
import torch.nn.functional as F

from helpers.models import GPT
from helpers.parallel import data_parallel_step

CONFIG = {"vocab_size": 11, "n_positions": 8, "width": 16, "layers": 2, "heads": 2}


def test_two_workers_take_exactly_the_one_process_step():
    torch.manual_seed(0)
    model = GPT(**CONFIG).double()
    ids = torch.randint(0, 11, (6, 8))
    loss, grads = data_parallel_step(CONFIG, model.state_dict(), ids, world=2)
    one = F.cross_entropy(model(ids[:, :-1]).flatten(0, 1), ids[:, 1:].flatten())
    one.backward()
    assert loss == pytest.approx(one.item(), rel=1e-13)
    assert set(grads) == {name for name, _ in model.named_parameters()}
    for name, p in model.named_parameters():
        torch.testing.assert_close(grads[name], p.grad, rtol=1e-12, atol=1e-14)
    # and a single worker's half alone is NOT the step (the all-reduce matters)
    model.zero_grad()
    F.cross_entropy(model(ids[:3, :-1]).flatten(0, 1), ids[:3, 1:].flatten()).backward()
    assert not torch.allclose(grads["transformer.wte.weight"], model.transformer["wte"].weight.grad)


def test_a_batch_that_does_not_split_evenly_is_refused():
    model = GPT(**CONFIG)
    with pytest.raises(ValueError, match="divisible by world = 2"):
        data_parallel_step(CONFIG, model.state_dict(), torch.zeros(3, 8, dtype=torch.long))
