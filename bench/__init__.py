"""Benchmarks and sweeps of the course, one module per benchmark; ``python3 dev.py bench|sweep`` only dispatches.

    machine.py       what a measurement ran on (cores, CPU model, torch and numpy versions, GPU) and the check
                     that ``--readme`` only writes numbers measured on the machine the README's table describes
    notebooks.py     wall time and peak memory of each notebook in a fresh kernel -> README's notebook table
    conv.py          our NumPy conv2d (helpers.scratch.conv) against PyTorch's F.conv2d; target: within 5x
    lstm.py          our NumPy LSTM forward (helpers.scratch.lstm) against nn.LSTM, one core each; target: within 3x
    attention.py     our NumPy multi-head attention against nn.MultiheadAttention, one core each; target: within 1.5x
    timing.py        the one-core process the two above time in (the timing itself is helpers.timing's, as in the
                     notebooks)
    gpt.py           our GPT recipe against nanoGPT's for 30, 60 and 120 s of training
    gpt_scaling.py   notebook 13's five model sizes trained for the same tokens -> data/gpt_scaling.json
    resnet_depth.py  notebook 06's plain and residual MLPs on five seeds -> data/resnet_depth.json
    ddp_repeat.py    notebook 13's data-parallel cell run 30 times in one kernel (``--busy``: on a busy machine)
    slide_heights.py every slide of every notebook's core path measured in RISE at 1280x720 (present mode's
                     environment; ``.venv/bin/python -m bench.slide_heights``) -> results/slide_heights.json
    run.py           ``dev.py bench [NAME ...] [--readme] [--busy] [NOTEBOOK ...]``: picks and runs the benchmarks
    seeds.py         ``dev.py sweep [NOTEBOOK ...]``: every notebook run with several seeds; every asserted training
                     result recorded -> results/seed_sweep.json and results/seed_sweep.md (the floors follow them)
    results/         what the benchmarks and the sweep measured, kept in the repository (tests/test_floors.py checks
                     the notebooks against the sweep)

The speed targets live here, never in a notebook: a notebook prints its timings, ``dev.py bench`` enforces them.
"""
