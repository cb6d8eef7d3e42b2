"""Data parallelism on a real engine (notebook 13): ``torch.distributed`` with the gloo backend, one process per
worker on this machine, ``DistributedDataParallel`` around the GPT.

Each worker holds a full copy of the model and takes its own slice of the global batch; after its backward pass
DDP averages the gradients of all workers (an all-reduce), so every copy takes the same step: the gradient of the
mean loss over the whole global batch. ``data_parallel_step`` runs one such step in `world` fresh processes and
returns what worker 0 saw, to compare with one process on the whole batch.

On a cluster the same worker runs under ``torchrun --nproc_per_node=8 ...`` (which sets RANK, WORLD_SIZE and
MASTER_ADDR/PORT for every process) with the "nccl" backend, one GPU per process.

Why it cannot crash a lesson (each a failure seen or possible on a shared or busy machine):
- the workers meet through a file in a private temporary folder, not a TCP port: no port is picked and then lost
  to another program before the workers bind it, and no worker hosts a store that the other still needs after
  it has left (with MASTER_PORT, rank 0 serves the store: if it exits first, a slower rank 1 loses it);
- gloo talks over the loopback interface, whatever this machine's host name resolves to;
- both workers pass a barrier before they tear the group down, so neither leaves while the other still talks;
- every wait has a time limit (a stuck worker fails in minutes instead of hanging the kernel for gloo's 30);
- a worker leaves with ``os._exit`` once its work is saved: no exit-time clean-up, where a thread of the
  distributed machinery still running made C++ abort the process (SIGABRT) on a busy machine (see ``_worker``);
- if a worker dies anyway, the step is tried once more in fresh processes, and a second failure raises
  ``WorkerFailed`` with a one-line message that says what happened and that rerunning the cell is safe.
"""

import datetime
import os
import socket
import sys
import tempfile
from pathlib import Path

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

__all__ = ["WorkerFailed", "data_parallel_step"]

TIMEOUT = datetime.timedelta(minutes=2)  # any collective (rendezvous, all-reduce, barrier) fails after this
TRIES = 2  # a worker that dies is rare: one fresh try before we give up
failed_tries: list[str] = []  # what went wrong in each try that failed (kept for bench/ddp_repeat.py)


class WorkerFailed(RuntimeError):
    """A worker process of the data-parallel step died (twice); the message is one line for the reader."""


def loopback_interface():
    """The name of this machine's loopback network interface ("lo" on Linux, "lo0" on macOS), or None."""
    try:
        names = [name for _, name in socket.if_nameindex()]
    except (OSError, AttributeError):  # no interface list on this system (Windows before Python 3.8's support)
        return None
    return next((name for name in ("lo", "lo0") if name in names), None)


def _worker(rank, world, rendezvous, config, state, ids, out):
    """One process: the step below, then leave at once.

    A worker that returns normally runs the interpreter's and PyTorch's exit-time clean-up, and there a
    background thread of the distributed machinery may still be running: C++ then aborts the process ("terminate
    called without an active exception", SIGABRT), after its work was done and saved. That is the crash seen on
    busy machines (it happens when that thread is slow to stop). Its work done, the worker has nothing left to
    clean up (its result is on disk, the group destroyed), so it exits without the clean-up.
    """
    _step(rank, world, rendezvous, config, state, ids, out)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _step(rank, world, rendezvous, config, state, ids, out):
    """Join the group, wrap the model in DDP, forward/backward on this rank's slice of `ids`."""
    from torch.nn.parallel import DistributedDataParallel as DDP

    from helpers.models import GPT

    torch.set_num_threads(1)  # one core per worker
    dist.init_process_group("gloo", init_method=f"file://{rendezvous}", rank=rank, world_size=world, timeout=TIMEOUT)
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
        dist.barrier()  # leave together: no worker tears down its connections while another still uses them
    finally:
        dist.destroy_process_group()


def _one_try(config, state, ids, world):
    """Run the step once in `world` fresh processes; (loss, grads) from worker 0."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rank0.pt"
        rendezvous = Path(folder) / "rendezvous"  # the workers find each other through this file
        mp.spawn(_worker, args=(world, str(rendezvous), config, state, ids, str(out)), nprocs=world, join=True)
        result = torch.load(out, weights_only=True)
    return result["loss"].item(), result["grads"]


def _in_words(error: Exception) -> str:
    """What went wrong with a worker, in a few words (the last line of its message)."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__


def data_parallel_step(config, state, ids, world=2):
    """One training step's loss and gradients, computed by `world` processes with DistributedDataParallel.

    config: keyword arguments of ``helpers.models.GPT``; state: its state dict (float64 is used, to compare to
    rounding); ids: (B, L + 1) token ids, B divisible by `world`: inputs ids[:, :-1], targets ids[:, 1:].
    Returns (loss, {parameter name: gradient}) as worker 0 holds them after the backward pass.
    Raises WorkerFailed if a worker process dies twice in a row.
    """
    if ids.dim() != 2 or len(ids) % world:
        raise ValueError(f"data_parallel_step expects ids (B, L + 1) with B divisible by world = {world}, got "
                         f"{tuple(ids.shape)}")
    state = {k: v.double() for k, v in state.items()}
    interface = loopback_interface()
    saved = os.environ.get("GLOO_SOCKET_IFNAME")
    if interface and saved is None:
        os.environ["GLOO_SOCKET_IFNAME"] = interface  # the spawned workers inherit it
    try:
        for attempt in range(1, TRIES + 1):
            try:
                return _one_try(config, state, ids, world)
            except (mp.ProcessRaisedException, mp.ProcessExitedException) as error:
                failed_tries.append(_in_words(error))
                if attempt == TRIES:
                    # killed by a signal: the machine (memory, a crash at exit); raised: its message says what
                    why = ("This is the machine, not your code: run the cell again."
                           if isinstance(error, mp.ProcessExitedException) else
                           "Run the cell again; if it stops the same way, the message in brackets is what to fix.")
                    raise WorkerFailed(f"The data-parallel step did not finish: a worker process stopped "
                                       f"({_in_words(error)}), {TRIES} times. {why}") from error
    finally:
        if interface and saved is None:
            os.environ.pop("GLOO_SOCKET_IFNAME", None)
