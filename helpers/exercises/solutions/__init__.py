"""Reference solutions, one module per notebook (``nbNN.py``), each with a ``SOLUTIONS`` dict
mapping exercise key -> answer. Try the exercise first: the checker's hint is usually enough."""
