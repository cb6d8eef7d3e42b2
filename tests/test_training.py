"""helpers.training: the GPT recipe's schedule, nanoGPT's split, the validation loss over every window, and the train
loop for a budget of seconds (on a fake clock: nothing here depends on the machine's speed) or of steps."""

import math

import pytest

from helpers import training


def test_gpt_schedule_warms_up_then_follows_a_cosine_to_the_floor():
    r = training.Recipe(lr=1e-3, min_lr=1e-4, warmup=10)
    assert training.learning_rate(0, 0.0, r) == pytest.approx(1e-4)
    assert training.learning_rate(9, 0.1, r) == pytest.approx(1e-3)
    assert training.learning_rate(60, 0.0, r) == pytest.approx(1e-3)
    assert training.learning_rate(60, 0.5, r) == pytest.approx(5.5e-4)  # half the budget used: half-way down the cosine
    assert training.learning_rate(500, 1.0, r) == pytest.approx(1e-4)
    assert training.learning_rate(500, 1.2, r) == pytest.approx(1e-4)


def test_gpt_split_is_nanogpts_and_the_validation_loss_scores_every_window():
    import torch

    chars, train, val = training.char_split("abcabcabca" * 10)
    assert chars == ["a", "b", "c"] and len(train) == 90 and len(val) == 10

    class Uniform(torch.nn.Module):
        def forward(self, x):
            return torch.zeros(*x.shape, 3)

    assert training.validation_loss(Uniform(), val, block=4) == pytest.approx(math.log(3))


def test_gpt_training_runs_for_its_budget_and_learns():
    """The loop stops when its budget of seconds is spent, and the schedule follows the budget's clock. A fake
    clock that moves 0.02 s each time it is read: the run must take exactly 2 / 0.02 - 1 = 99 steps, whatever
    the machine's speed (the clock is read once at the start, then once before each step)."""
    text = "to be or not to be, that is the question. " * 200
    r = training.Recipe(layers=1, width=16, heads=2, block=16, batch=8, lr=3e-3, warmup=5)
    ticks = iter(range(10_000))
    losses = []
    _, loss, steps = training.train(r, seconds=2, text=text, losses=losses, clock=lambda: next(ticks) * 0.02)
    assert steps == 99 and len(losses) == 99
    assert loss < math.log(len(set(text))) - 0.5  # well below a uniform guess over the characters


def test_gpt_training_for_a_number_of_steps_logs_every_loss():
    text = "to be or not to be, that is the question. " * 200
    r = training.Recipe(layers=1, width=16, heads=2, block=16, batch=8, lr=3e-3, warmup=5)
    losses = []
    _, _, steps = training.train(r, text, steps=30, losses=losses)
    assert steps == 30 and len(losses) == 30
    with pytest.raises(ValueError, match="seconds or steps"):
        training.train(r, text)
    with pytest.raises(ValueError, match="seconds or steps"):
        training.train(r, text, seconds=1, steps=1)


def test_gpt_training_logs_the_validation_loss_without_changing_the_run():
    """val_losses gets (step, validation loss) every val_every steps, the last equal to the returned loss; measuring
    it draws no random numbers, so the training losses are those of the same run without it."""
    text = "to be or not to be, that is the question. " * 200
    r = training.Recipe(layers=1, width=16, heads=2, block=16, batch=8, lr=3e-3, warmup=5)
    plain, logged, val_losses = [], [], []
    training.train(r, text, steps=30, losses=plain)
    _, loss, _ = training.train(r, text, steps=30, losses=logged, val_losses=val_losses, val_every=10)
    assert [step for step, _ in val_losses] == [10, 20, 30] and val_losses[-1][1] == loss
    assert logged == plain and val_losses[0][1] > val_losses[-1][1]
