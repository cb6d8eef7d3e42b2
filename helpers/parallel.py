"""Data parallelism on a real engine (notebook 13): ``torch.distributed`` with the gloo backend, one process per
worker on this machine, ``DistributedDataParallel`` around the GPT.

Each worker holds a full copy of the model and takes its own slice of the global batch; after its backward pass
DDP averages the gradients of all workers (an all-reduce), so every copy takes the same step: the gradient of the
mean loss over the whole global batch. ``data_parallel_step`` runs one such step in `world` fresh processes and
returns what worker 0 saw, to compare with one process on the whole batch.

On a cluster the same worker runs under ``torchrun --nproc_per_node=8 ...`` (which sets RANK, WORLD_SIZE and
MASTER_ADDR/PORT for every process) with the "nccl" backend, one GPU per process.
"""

import os
import socket
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

__all__ = ["data_parallel_step"]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _worker(rank, world, port, config, state, ids, out):
    """One process: join the group, wrap the model in DDP, forward/backward on this rank's slice of `ids`."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    from helpers.models import GPT

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)  # one core per worker
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        model = GPT(**config).double()
        model.load_state_dict(state)
        ddp = DDP(model)
        mine = ids.chunk(world)[rank]  # this worker's slice of the global batch
        logits = ddp(mine[:, :-1])
        loss = F.cross_entropy(logits.flatten(0, 1), mine[:, 1:].flatten())
        loss.backward()  # DDP's hooks all-reduce each gradient, averaged over the workers, during the backward pass
        mean_loss = loss.detach().clone()
        dist.all_reduce(mean_loss)  # the sum over workers, for the report (the step itself does not need it)
        if rank == 0:
            grads = {name: p.grad for name, p in model.named_parameters()}
            torch.save({"loss": mean_loss / world, "grads": grads}, out)
    finally:
        dist.destroy_process_group()


def data_parallel_step(config, state, ids, world=2):
    """One training step's loss and gradients, computed by `world` processes with DistributedDataParallel.

    config: keyword arguments of ``helpers.models.GPT``; state: its state dict (float64 is used, to compare to
    rounding); ids: (B, L + 1) token ids, B divisible by `world`: inputs ids[:, :-1], targets ids[:, 1:].
    Returns (loss, {parameter name: gradient}) as worker 0 holds them after the backward pass.
    """
    if ids.dim() != 2 or len(ids) % world:
        raise ValueError(f"data_parallel_step expects ids (B, L + 1) with B divisible by world = {world}, got "
                         f"{tuple(ids.shape)}")
    state = {k: v.double() for k, v in state.items()}
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rank0.pt"
        mp.spawn(_worker, args=(world, _free_port(), config, state, ids, str(out)), nprocs=world, join=True)
        result = torch.load(out, weights_only=True)
    return result["loss"].item(), result["grads"]
