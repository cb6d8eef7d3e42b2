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


def _exited(signal_name="SIGABRT"):
    import torch.multiprocessing as mp

    return mp.ProcessExitedException(f"process 1 terminated with signal {signal_name}", error_index=1, error_pid=1,
                                     exit_code=-6, signal_name=signal_name)


def test_a_worker_that_dies_once_is_retried_in_fresh_processes(monkeypatch):
    import helpers.parallel as parallel

    tries = []

    def one_try(config, state, ids, world):
        tries.append(world)
        if len(tries) == 1:
            raise _exited()
        return 1.5, {"w": torch.zeros(1)}

    monkeypatch.setattr(parallel, "_one_try", one_try)
    monkeypatch.setattr(parallel, "failed_tries", [])
    loss, grads = data_parallel_step(CONFIG, GPT(**CONFIG).state_dict(), torch.zeros(2, 8, dtype=torch.long))
    assert loss == 1.5 and len(tries) == 2
    assert parallel.failed_tries == ["process 1 terminated with signal SIGABRT"]


def test_a_worker_that_dies_twice_gives_one_line_that_says_what_to_do(monkeypatch):
    import helpers.parallel as parallel

    def one_try(*args):
        raise _exited()

    monkeypatch.setattr(parallel, "_one_try", one_try)
    monkeypatch.setattr(parallel, "failed_tries", [])
    with pytest.raises(parallel.WorkerFailed) as failure:
        data_parallel_step(CONFIG, GPT(**CONFIG).state_dict(), torch.zeros(2, 8, dtype=torch.long))
    message = str(failure.value)
    assert "\n" not in message and "SIGABRT" in message and "run the cell again" in message
    assert len(parallel.failed_tries) == parallel.TRIES


def test_gloo_is_told_to_use_the_loopback_interface_and_the_setting_is_restored(monkeypatch):
    import os
    import sys

    import helpers.parallel as parallel

    seen = []
    monkeypatch.delenv("GLOO_SOCKET_IFNAME", raising=False)
    monkeypatch.setattr(parallel, "_one_try", lambda *a: seen.append(os.environ.get("GLOO_SOCKET_IFNAME")) or (0, {}))
    data_parallel_step(CONFIG, GPT(**CONFIG).state_dict(), torch.zeros(2, 8, dtype=torch.long))
    if sys.platform.startswith("linux"):
        assert parallel.loopback_interface() == "lo" and seen == ["lo"]
    assert "GLOO_SOCKET_IFNAME" not in os.environ


def test_a_worker_that_raises_twice_is_not_blamed_on_the_machine(monkeypatch):
    import torch.multiprocessing as mp

    import helpers.parallel as parallel

    def one_try(*args):
        raise mp.ProcessRaisedException("Traceback ...\nRuntimeError: Error(s) in loading state_dict", 1, 1)

    monkeypatch.setattr(parallel, "_one_try", one_try)
    monkeypatch.setattr(parallel, "failed_tries", [])
    with pytest.raises(parallel.WorkerFailed) as failure:
        data_parallel_step(CONFIG, GPT(**CONFIG).state_dict(), torch.zeros(2, 8, dtype=torch.long))
    message = str(failure.value)
    assert "loading state_dict" in message and "not your code" not in message and "\n" not in message

