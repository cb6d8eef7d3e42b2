"""What a measurement ran on, and whether it is the machine the README's notebook table describes."""

import os
import platform
from dataclasses import dataclass

# The README's table describes this machine (its explanation line says so): numbers measured elsewhere
# would be honest about that machine but wrong in the table.
TABLE_CORES = 2
TABLE_ARCHS = ("x86_64", "AMD64")


@dataclass(frozen=True)
class Machine:
    cores: int
    cpu: str
    arch: str
    torch: str
    numpy: str
    gpu: str | None  # the GPU's name when PyTorch sees one, else None

    def line(self) -> str:
        """One line for the console and the README: cores, CPU model, versions, GPU or not."""
        return (f"{self.cores} cores, {self.cpu} ({self.arch}), torch {self.torch}, numpy {self.numpy}, "
                f"{'GPU: ' + self.gpu if self.gpu else 'no GPU'}")


def cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def describe() -> Machine:
    import numpy
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return Machine(cores=os.cpu_count() or 0, cpu=cpu_model(), arch=platform.machine(), torch=torch.__version__,
                   numpy=numpy.__version__, gpu=gpu)


def table_mismatch(machine: Machine) -> str | None:
    """Why `machine` is not the 2-core x86-64 CPU without a GPU that the README's table describes (None: it is)."""
    reasons = []
    if machine.cores != TABLE_CORES:
        reasons.append(f"it has {machine.cores} cores, the table describes {TABLE_CORES}")
    if machine.gpu:
        reasons.append(f"it has a GPU ({machine.gpu}), the table describes a CPU without one")
    if machine.arch not in TABLE_ARCHS:
        reasons.append(f"it is {machine.arch}, the table describes x86-64")
    return "; ".join(reasons) or None
