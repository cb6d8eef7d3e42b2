"""Reference solutions for notebook 11. Try the exercises first!"""

import numpy as np


def shift_matrix(k, E):
    """M_k (E, E) with PE_{p+k} = PE_p M_k for every p: pair i (columns 2i, 2i+1) turns by the angle k ω_i."""
    i = np.arange(0, E, 2)
    b = k / 10000.0 ** (i / E)  # k ω_i, one angle per (sin, cos) pair
    M = np.zeros((E, E))
    M[i, i] = M[i + 1, i + 1] = np.cos(b)
    M[i + 1, i] = np.sin(b)  # column 2i:   sin(a + b) = sin a cos b + cos a sin b
    M[i, i + 1] = -np.sin(b)  # column 2i+1: cos(a + b) = cos a cos b - sin a sin b
    return M


def score_scale(d, var_q, var_k):
    """s with Var(s q·k) = 1: q·k is a sum of d terms q_j k_j, each of variance var_q var_k."""
    return 1 / np.sqrt(d * var_q * var_k)


def decoder_pairs(sequences, T, START, END, PAD):
    """The decoder's input (START, sequence, PAD...) and target (sequence, END, PAD...): two int arrays (N, T)."""
    inp = np.full((len(sequences), T), PAD)
    tgt = np.full((len(sequences), T), PAD)
    for row, seq in enumerate(sequences):
        inp[row, :len(seq) + 1] = [START, *seq]  # position t reads the token before target t
        tgt[row, :len(seq) + 1] = [*seq, END]
    return inp, tgt


SOLUTIONS = {
    "11.pe_rotation": shift_matrix,
    "11.score_scale": score_scale,
    "11.teacher_forcing": decoder_pairs,
}
