"""Benchmarks and sweeps of the course, one module per benchmark; ``python3 dev.py bench|sweep`` only dispatches.

    machine.py     what a measurement ran on (cores, CPU model, torch and numpy versions, GPU) and the check
                   that ``--readme`` only writes numbers measured on the machine the README's table describes
    notebooks.py   wall time and peak memory of each notebook in a fresh kernel -> README's notebook table
    conv.py        our NumPy conv2d (helpers.scratch.conv) against PyTorch's F.conv2d; target: within 5x
    lstm.py        our NumPy LSTM forward (helpers.scratch.lstm) against nn.LSTM, one core each; target: within 2.5x
                   (run.py does not dispatch it yet: ``python -c "from bench import lstm; lstm.run()"``)
    run.py         ``dev.py bench [notebooks] [conv] [--readme] [NOTEBOOK ...]``: picks and runs the benchmarks
    seeds.py       ``dev.py sweep [NOTEBOOK ...]``: every notebook run with several seeds; every asserted training
                   result recorded -> results/seed_sweep.json and results/seed_sweep.md (the floors follow them)
    results/       the sweep's table, kept in the repository (tests/test_floors.py checks the notebooks against it)

Later benchmarks (LSTM, attention, GPT) join as one module each, registered in run.BENCHMARKS.
"""
