"""Seed sweep: run each notebook with several seeds and record every asserted training result.

``python3 dev.py sweep [NOTEBOOK ...]`` executes a temporary copy of each notebook once per sweep seed k. In the
copy every explicit seed in the code (``seed_everything(0)``, ``torch.manual_seed(0)``, ``default_rng(1)``,
``seed=0``) is offset by k, so k = 0 is the notebook as shipped. After each cell that asserts a declared result,
a cell is inserted that stores the result's value; the last cell prints them all. Cells run with
``allow_errors=True``: an assert that fails on some seed is recorded (a finding), and the run goes on.

The table (seed -> value of each metric, its worst seed, the margin, the floor) goes to
results/seed_sweep.json and, readable, to results/seed_sweep.md. The floor is the worst seed minus the margin
(for a result that must stay below a bound: the worst seed plus the margin); a notebook's asserted literal
must lie at or beyond it (tests/test_floors.py), so that it holds on every seed of the sweep with room to
spare for another machine's kernels (which change a float32 training run about as much as a new seed).

Margins (stated once, per kind of result):
    accuracy (a fraction)             0.01    one percentage point
    training loss (cross-entropy)     0.02
    per-pixel MSE of images in [0, 1] 0.001   (about 10 % of the autoencoders' values)
    ratios and counts                 stated with each metric
    log-scale results                 a factor of 10**margin
"""

import json
import math
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
RESULTS = Path(__file__).resolve().parent / "results"
SEEDS = (0, 1, 2, 3, 4)
ACCURACY, LOSS, PIXEL_MSE = 0.01, 0.02, 0.001
MARKER = "SWEEP-RESULT "


@dataclass(frozen=True)
class Metric:
    """A trained result a notebook asserts: `expr` (evaluated in the notebook) `direction` `literal`.

    pattern: a regex with one group, the asserted literal, found in the notebook's code (every match is
    checked; the first one's cell is where the value is read). direction: ">=" / ">" (higher is better) or
    "<" / "<=" (lower is better). scale "log": the margin is in powers of ten.
    """

    name: str
    expr: str
    direction: str
    pattern: str
    margin: float
    scale: str = "linear"

    @property
    def higher_is_better(self) -> bool:
        return self.direction.startswith(">")


@dataclass(frozen=True)
class Claim:
    """A comparison the text makes (e.g. residual beats plain): `expr` must be True on every seed.

    anchor: a regex found in the cell after which `expr` is evaluated.
    """

    name: str
    expr: str
    anchor: str


@dataclass(frozen=True)
class Sweep:
    metrics: tuple = ()
    claims: tuple = field(default_factory=tuple)


DECLARED = {
    "01_neuron": Sweep(
        metrics=(
            Metric("train loss", 'log.last("train_loss")', "<", r'log\.last\("train_loss"\) < ([0-9.e-]+)', LOSS),
            Metric("train accuracy", "train_acc", ">=", r"\btrain_acc >= ([0-9.]+)", ACCURACY),
            Metric("test accuracy (30 flowers)", "test_acc", ">=", r"\btest_acc >= ([0-9.]+)", ACCURACY),
        ),
    ),
    "02_perceptron": Sweep(
        metrics=(
            # updates needed on centimetres / on standardised features; counts of a deterministic run: margin 1
            Metric("updates in cm / standardised", "len(run_cm.corrected) / K", ">",
                   r"len\(run_cm\.corrected\) > ([0-9.]+) \* K", 1.0),
        ),
        claims=(
            Claim("converges on the shuffled flowers, training accuracy 1", "run.converged and train_acc == 1.0",
                  r"assert run\.converged and run\.mistakes"),
            Claim("mistakes within Novikoff's bound", "gamma > 0 and K <= bound", r"assert gamma > 0"),
            Claim("five shuffles: every line separates (margin > 0)", "min(margins) > 0", r"assert min\(margins\)"),
            Claim("every replay (start, learning rate) converges", "all(h.converged for h in replays.values())",
                  r"assert all\(h\.converged"),
        ),
    ),
    "03_feedforward": Sweep(
        metrics=(
            Metric("noisy XOR: training accuracy", "xor_acc", ">=", r"xor_acc >= ([0-9.]+)", ACCURACY),
            Metric("digits MLP: test accuracy", "test_accuracy", ">=", r"\btest_accuracy >= ([0-9.]+)", ACCURACY),
            Metric("spirals, width 32, depth 3: training accuracy", "ACC_SP[32, 3]", ">=",
                   r"ACC_SP\[32, 3\] >= ([0-9.]+)", ACCURACY),
            Metric("spirals, width 1, depth 1: training accuracy", "ACC_SP[1, 1]", "<=",
                   r"ACC_SP\[1, 1\] <= ([0-9.]+)", ACCURACY),
            # sin(3x) + noise of std 0.1: a good fit's MSE is near 0.01
            Metric("sine, width 32, depth 1: training MSE", "MSE_1D[32, 1]", "<", r"MSE_1D\[32, 1\] < ([0-9.]+)",
                   0.005),
            Metric("sine, width 1, depth 1: training MSE", "MSE_1D[1, 1]", ">", r"< ([0-9.]+) < MSE_1D\[1, 1\]",
                   0.005),
            # the mean train - validation accuracy of the spiral nets that fit their training points (>= 0.99)
            Metric("spirals: generalisation gap of the nets that fit", "gap_sp", ">", r"gap_sp > ([0-9.]+)", ACCURACY),
        ),
    ),
    "04_backprop": Sweep(
        metrics=(
            Metric("NumPy MLP: test accuracy", "numpy_acc", ">=", r"numpy_acc >= ([0-9.]+)", ACCURACY),
            Metric("PyTorch MLP: test accuracy", "torch_acc", ">=", r"torch_acc >= ([0-9.]+)", ACCURACY),
            # the two runs start from the same weights and see the same batches: they agree to float32 noise
            Metric("largest NumPy-PyTorch accuracy gap over epochs", "gap", "<", r"gap < ([0-9.]+)", 0.005),
            Metric("first-layer gradient, sigmoid / ReLU net", "ratio", "<", r"ratio < ([0-9.e-]+)", 1.0,
                   scale="log"),
            # 150 steps of SGD on the 15-layer nets: how far the first layer moved (relative), the last-20 loss
            Metric("deep sigmoid net: first layer's relative change", "sigmoid_moved", "<",
                   r"sigmoid_moved < ([0-9.e-]+)", 1.0, scale="log"),
            Metric("deep sigmoid net: training loss at the end", "sigmoid_end", ">", r"sigmoid_end > ([0-9.]+)", LOSS),
            Metric("deep ReLU net: first layer's relative change", "relu_moved", ">", r"relu_moved > ([0-9.]+)", 0.05),
            Metric("deep ReLU net: training loss at the end", "relu_end", "<", r"relu_end < ([0-9.]+)", 0.1),
            # the 17-weight ValueMLP, 40 steps of gradient descent with the scalar engine on 100 flowers (float64)
            Metric("ValueMLP on iris: training accuracy", "value_acc", ">=", r"value_acc >= ([0-9.]+)", ACCURACY),
            # minibatch gradient noise against the batch size on log-log axes: 1/sqrt(B) is a slope of -0.5
            Metric("minibatch noise: log-log slope (upper bound)", "slope", "<", r"< slope < (-[0-9.]+)", 0.05),
            Metric("minibatch noise: log-log slope (lower bound)", "slope", ">", r"(-[0-9.]+) < slope <", 0.05),
            # two epochs: the worse of momentum and Adam, its last-50-step loss over plain SGD's
            Metric("max(momentum, Adam) / SGD: training loss", "vs_sgd", "<", r"vs_sgd < ([0-9.]+)", 0.05),
            Metric("exploding / healthy gradient norm", "exploding_norm / healthy_norm", ">",
                   r"exploding_norm > ([0-9.]+) \* healthy_norm", 0.3, scale="log"),
            # 500 training digits, 40 epochs: validation loss at the end minus its lowest; and weight decay's gain
            Metric("overfitting: validation loss rise", "overfit", ">", r"overfit > ([0-9.]+)", LOSS),
            Metric("weight decay: validation loss gain", "decay_gain", ">", r"decay_gain > ([0-9.]+)", LOSS),
            Metric("chosen on validation: test accuracy", "chosen_acc", ">=", r"chosen_acc >= ([0-9.]+)", ACCURACY),
        ),
    ),
    "05_cnn": Sweep(
        metrics=(
            Metric("NumPy CNN: mean loss of the last 50 steps", "last", "<", r"last < ([0-9.]+) and", LOSS),
            Metric("NumPy CNN: first-20 / last-50 loss", "first / last", ">", r"last < first / ([0-9.]+)", 0.5),
            Metric("NumPy CNN: test accuracy (1000 images)", "np_test_acc", ">=", r"np_test_acc >= ([0-9.]+)",
                   ACCURACY),
            Metric("PyTorch CNN: test accuracy", "test_acc", ">=", r"\btest_acc >= ([0-9.]+)", ACCURACY),
        ),
    ),
    "06_resnet": Sweep(
        metrics=(
            Metric("plain MLP: loss(30 layers) - loss(2 layers)", "plain_loss[30] - plain_loss[2]", ">",
                   r"plain_loss\[30\] > plain_loss\[2\] \+ ([0-9.]+)", LOSS),
            Metric("30 layers: plain loss - residual loss", "plain_loss[30] - residual_loss[30]", ">",
                   r"residual_loss\[30\] < plain_loss\[30\] - ([0-9.]+)", LOSS),
            Metric("residual MLP: loss(30 layers) - loss(10 layers)", "residual_loss[30] - residual_loss[10]", "<",
                   r"residual_loss\[30\] < residual_loss\[10\] \+ ([0-9.]+)", LOSS),
            Metric("residual conv net: test accuracy", "resnet_acc", ">=", r"resnet_acc >= ([0-9.]+)", ACCURACY),
            Metric("pre-activation conv net with BN: test accuracy", "modern_acc", ">=", r"modern_acc >= ([0-9.]+)",
                   ACCURACY),
        ),
        claims=(
            Claim("plain MLP: deeper trains worse (2 < 10 < 20 < 30 layers)",
                  "plain_loss[2] < plain_loss[10] < plain_loss[20] < plain_loss[30]",
                  r"assert plain_loss\[2\] < plain_loss\[10\]"),
            Claim("residual 30 layers beats plain 2 layers (training loss)", "residual_loss[30] < plain_loss[2]",
                  r"assert residual_loss\[30\] < plain_loss\[2\]"),
            Claim("residual conv net beats plain conv net (test accuracy)",
                  'resnet_acc > test_acc["plain"]', r"assert resnet_acc > test_acc\["),
            Claim("pre-activation conv net trains lower than the plain one (training loss)",
                  'conv_logs["pre-activation + BN"].last("train_loss") < conv_logs["plain"].last("train_loss")',
                  r"assert modern_acc >= "),
        ),
    ),
    "07_deconvolution": Sweep(
        metrics=(
            # a float64 NumPy fit of 16 weights to the bilinear kernel
            Metric("learned upsampling: final loss", "np.mean(err**2)", "<", r"np\.mean\(err\*\*2\) < ([0-9.e-]+)",
                   0.5, scale="log"),
            Metric("learned upsampling: max |kernel - bilinear|", "np.abs(learned - bilinear_kernel).max()", "<",
                   r"np\.abs\(learned - bilinear_kernel\)\.max\(\) < ([0-9.]+)", 0.002),
            Metric("autoencoder: test MSE per pixel", "ae_mse", "<", r"\bae_mse < ([0-9.]+)", PIXEL_MSE),
            Metric("denoiser: test MSE per pixel (noisy inputs)", "dae_mse", "<", r"dae_mse < ([0-9.]+)", PIXEL_MSE),
            Metric("noisy inputs: plain autoencoder MSE / denoiser MSE", "plain_mse / dae_mse", ">",
                   r"dae_mse < plain_mse / ([0-9.]+)", 0.2),
            # ratios of two MSEs on the same noisy test set: margin 0.03 (a few percent of the ratio)
            Metric("U-Net MSE / MSE with the skips cut", "unet_mse / cut_mse", "<",
                   r"unet_mse < ([0-9.]+) \* cut_mse", 0.03),
            Metric("U-Net MSE / denoising autoencoder MSE", "unet_mse / dae_mse", "<",
                   r"unet_mse < ([0-9.]+) \* dae_mse", 0.03),
        ),
    ),
    "08_rnn": Sweep(
        metrics=(
            # held-out cross-entropies in nats/char: the LOSS margin
            Metric("names: bigram - PyTorch RNN, held-out nats/char", "names_bigram - names_rnn", ">=",
                   r"names_rnn <= names_bigram - ([0-9.]+)", LOSS),
            Metric("Shakespeare: bigram - PyTorch RNN, held-out nats/char", "text_bigram - text_rnn", ">=",
                   r"text_rnn <= text_bigram - ([0-9.]+)", LOSS),
            Metric("NumPy RNN: training loss, first 20 - last 20 steps", "np_first - np_last", ">",
                   r"np_last < np_first - ([0-9.]+)", LOSS),
        ),
        claims=(
            Claim("NumPy RNN below the bigram on held-out Shakespeare", "np_test < text_bigram",
                  r"assert np_last < np_first"),
            Claim("clipping tames the exploding run (clipped below uniform, unclipped above)",
                  "unclipped_norms.max() > 100 and clipped_end < math.log(V_text) < unclipped_end",
                  r"assert unclipped_norms\.max\(\) > 100"),
        ),
    ),
    "09_lstm": Sweep(
        metrics=(
            # adding problem: test MSE of a sum in [0, 2]; the baseline (always 1) is 1/6. Margin 0.002 for the
            # LSTM (about half its usual value), 0.02 for the RNN (which sits at the baseline)
            Metric("adding problem: LSTM test MSE", "lstm_mse", "<=", r"\blstm_mse <= ([0-9.]+)", 0.002),
            Metric("adding problem: RNN test MSE", "rnn_mse", ">", r"\brnn_mse > ([0-9.]+)", 0.02),
            Metric("adding problem: LSTM cell gradient, step 1 / step T", "lstm_span", ">",
                   r"lstm_span > ([0-9.e-]+)", 1.0, scale="log"),
            Metric("adding problem: best unit's product of forget gates over 49 steps",
                   "forget_products[0, memory_unit]", ">", r"forget_products\[0, memory_unit\] > ([0-9.]+)", 0.1),
            Metric("adding problem: LSTM at initialisation, average unit's product of forget gates over 49 steps",
                   "init_products[0].mean()", "<", r"init_products\[0\]\.mean\(\) < ([0-9.e-]+)", 1.0, scale="log"),
            # the memory unit at work: its input gate at the marked steps over the others (a ratio: margin 2), and
            # the correlation of its last cell state with the target (margin 0.05)
            Metric("adding problem: memory unit's input gate, marked steps / the others", "write_ratio", ">",
                   r"write_ratio > ([0-9.]+)", 2.0),
            Metric("adding problem: memory unit's last cell state, |correlation| with the target", "abs(cell_corr)",
                   ">", r"abs\(cell_corr\) > ([0-9.]+)", 0.05),
            Metric("names: RNN - LSTM held-out loss, nats/char", "rnn_name_loss - lstm_name_loss", ">",
                   r"lstm_name_loss < rnn_name_loss - ([0-9.]+)", LOSS),
            Metric("names: best cell unit's absolute correlation with the position", "abs(corr[position_unit])", ">",
                   r"abs\(corr\[position_unit\]\) > ([0-9.]+)", 0.1),
        ),
        claims=(
            Claim("adding problem: the trained RNN's gradient at step 1 fades (< 0.005 of step T's) or grows (> 1)",
                  "rnn_span < 0.005 or rnn_span > 1", r"assert rnn_span < 0\.005 or rnn_span > 1"),
            Claim("names: the LSTM's held-out loss below the RNN's at every checkpoint",
                  "all(a < b for a, b in zip(lstm_name_curve, rnn_name_curve))",
                  r"assert lstm_name_loss < rnn_name_loss"),
        ),
    ),
    "10_gan": Sweep(
        metrics=(
            # a float64 NumPy logistic regression fitted to 20,000 + 20,000 samples; margin about a third of its value
            Metric("1-D: max |trained D - D*| where the densities are not tiny", "gap_1d", "<",
                   r"gap_1d < ([0-9.]+)", 0.01),
            # unevenness of the modes' shares (KL from uniform, nats): margins of a third of the plain GAN's smallest
            # value, and about the packed GAN's largest
            Metric("ring: plain GAN, unevenness of the modes (KL from uniform)", "plain_kl", ">",
                   r"plain_kl > ([0-9.]+)", 0.05),
            Metric("ring: packed GAN, unevenness of the modes (KL from uniform)", "packed_kl", "<",
                   r"packed_kl < ([0-9.]+)", 0.01),
            Metric("ring: packed GAN, fraction of high-quality samples", "packed_hq", ">=",
                   r"packed_hq >= ([0-9.]+)", ACCURACY),
            Metric("ring: feedback arrows that point up D's slope", "uphill", ">", r"uphill > ([0-9.]+)", ACCURACY),
            # the judge is a shipped checkpoint: the same on every seed, checked like an accuracy
            Metric("judge: test accuracy of the shipped CNN", "judge_acc", ">=", r"judge_acc >= ([0-9.]+)", ACCURACY),
            Metric("DCGAN, 300 steps: fraction of digits judged with confidence >= 0.9", "confident", ">=",
                   r"\bconfident >= ([0-9.]+)", 0.03),
            Metric("DCGAN, 300 steps: class entropy / log 10", "spread", ">=", r"\bspread >= ([0-9.]+)", ACCURACY),
            Metric("shipped DCGAN: fraction judged with confidence >= 0.9", "long_confident", ">=",
                   r"long_confident >= ([0-9.]+)", 0.03),
            Metric("shipped DCGAN: class entropy / log 10", "long_spread", ">=", r"long_spread >= ([0-9.]+)", ACCURACY),
        ),
        claims=(
            Claim("ring: the packed GAN covers all 8 modes", "packed_modes == 8", r"assert packed_modes == 8"),
            Claim("ring: packing covers at least as many modes as the plain GAN, more evenly",
                  "packed_modes >= plain_modes and packed_kl < plain_kl", r"assert packed_modes == 8"),
            Claim("DCGAN: G's loss over the last 50 steps below the first 50's",
                  "loss_G_curve[-50:].mean() < loss_G_curve[:50].mean()", r"assert loss_G_curve\[-50:\]"),
            Claim("DCGAN, 300 steps: all 10 classes", "np.count_nonzero(hist) == 10", r"assert judge_acc >= "),
            Claim("shipped DCGAN: more confident than the 300-step one", "long_confident > confident",
                  r"assert long_confident >= "),
            Claim("DCGAN, 300 steps: D ahead over the last 50 steps (L_D < 2 log 2, L_G > log 2)",
                  "late_D < 2 * math.log(2) and late_G > math.log(2)", r"assert late_D < 2 \* math\.log\(2\)"),
            Claim("FID against training digits: real test digits < shipped DCGAN < 300-step DCGAN",
                  "fid_real < fid_long < fid_300", r"assert fid_real < fid_long < fid_300"),
        ),
    ),
    "11_transformer": Sweep(
        metrics=(
            Metric("dates: exact match on 2,000 held-out dates (greedy decoding)", "test_accuracy", ">=",
                   r"test_accuracy >= ([0-9.]+)", ACCURACY),
            # a share of attention (a fraction): it varies more from run to run than an accuracy, margin 0.05
            Metric("dates: last decoder layer, smallest share of a block's attention on its source block",
                   "last_layer_share", ">=", r"last_layer_share >= ([0-9.]+)", 0.05),
            Metric("dates: exact match on the 3,652 dates of 2090-2099, a decade never trained on", "future_accuracy",
                   "<", r"future_accuracy < ([0-9.]+)", ACCURACY),
        ),
        claims=(
            Claim("dates: the last decoder layer puts more than chance on every source block (20 %, 20 %, 40 %)",
                  "shares[-1, 0] > 0.2 and shares[-1, 1] > 0.2 and shares[-1, 2] > 0.4", r"last_layer_share >= "),
            Claim("dates: a large part of the unseen decade is rewritten wrong (the text: about half right)",
                  "len(wrong) > len(future_ids) / 3", r"assert len\(wrong\) > len\(future_ids\) / 3"),
            Claim("dates, halfway through training: where beam search and greedy differ, beam's text is likelier "
                  "for most dates", "likelier > 0.5", r"assert likelier > 0\.5"),
        ),
    ),
    "12_bert": Sweep(
        metrics=(
            # a fall of a noisy loss (nats) over 150 steps: margin 0.1
            Metric("150 steps of pre-training: fall of the masked-LM loss (nats)", "mlm_drop", ">=",
                   r"mlm_drop >= ([0-9.]+)", 0.1),
            Metric("shipped checkpoint: masked-word accuracy on held-out pairs", "masked_accuracy", ">=",
                   r"masked_accuracy >= ([0-9.]+)", ACCURACY),
            Metric("shipped checkpoint: next-sentence accuracy, 2,000 held-out pairs", "next_accuracy", ">=",
                   r"next_accuracy >= ([0-9.]+)", ACCURACY),
            Metric("shipped checkpoint: next-sentence accuracy, random B from the same play", "same_play", ">=",
                   r"same_play >= ([0-9.]+)", ACCURACY),
            # a difference of two accuracies on 410 lines: margin 0.02
            Metric("question or not, head only: pre-trained minus random encoder", "head_gain", ">=",
                   r"head_gain >= ([0-9.]+)", 0.02),
        ),
        claims=(
            Claim("masked-word accuracy above twice the most-frequent-word baseline",
                  'masked_accuracy > 2 * scores["baseline"]', r"assert masked_accuracy >= "),
            Claim("next-sentence accuracy: binomial p-value below 1e-6", "p_value < 1e-6", r"assert next_accuracy >= "),
            Claim("fill-in: at least 3 of the 4 right-context words in the top 3", "hits >= 3", r"assert hits >= 3"),
            # the text says the fine-tuned pair ends "within a few points", either ahead (sweep of 5 seeds)
            Claim("question or not: fine-tuned, pre-trained and random encoders within 8 points",
                  'abs(results["pre-trained"]["fine-tuned"] - results["random"]["fine-tuned"]) < 0.08',
                  r"assert head_gain >= "),
        ),
    ),
    "13_gpt": Sweep(
        metrics=(
            Metric("20 s of training: validation loss (nats per character)", "val_loss", "<=",
                   r"val_loss <= ([0-9.]+)", LOSS),
            # the shipped checkpoint does not depend on the seed; another CPU's kernels move it by less than 0.01
            Metric("shipped checkpoint: validation loss on the whole validation part", "ckpt_val", "<=",
                   r"ckpt_val <= ([0-9.]+)", LOSS),
            # the shipped checkpoint with no training: the seed only redraws the test play's statements
            Metric("The Tempest, zero-shot: '?' likelier than '.' and '!' (accuracy)", "zero_shot", ">=",
                   r"zero_shot >= ([0-9.]+)", ACCURACY),
            # a difference of two accuracies on 222 test lines after 100 noisy steps: margin 0.02
            Metric("GPT-1's second step: pre-trained minus from-scratch accuracy, both fine-tuned", "gpt1_gain", ">",
                   r"gpt1_gain > ([0-9.]+)", 0.02),
        ),
        claims=(
            # the sampling table: the shipped checkpoint, sampled with the sweep's seed
            Claim("sampling: temperature 0.2 repeats more words than 0.8",
                  'distinct["temperature 0.2"] < distinct["temperature 0.8"]', r"assert real\["),
            Claim("sampling: temperature 1.5 writes fewer real words than 0.8",
                  'real["temperature 1.5"] < real["temperature 0.8"]', r"assert real\["),
            Claim("sampling: top-p 0.9 at temperature 1.5 writes more real words than plain 1.5",
                  'real["temperature 1.5, top-p 0.9"] > real["temperature 1.5"]', r"assert real\["),
            Claim("a head on the frozen pre-trained GPT beats one on a random GPT",
                  'gpt1["pre-trained"]["head only"] > gpt1["from scratch"]["head only"]', r"assert zero_shot >= "),
            # "a head on the frozen pre-trained GPT beats its zero-shot answer" held on four seeds of five with the
            # checkpoint retrained on 2026-12-07 (all five before it): the text says "usually", so no claim here
            Claim("fine-tuning the pre-trained GPT beats its zero-shot answer",
                  'gpt1["pre-trained"]["fine-tuned"] > zero_shot', r"assert zero_shot >= "),
            Claim("pre-trained: fine-tuning the whole GPT beats a head on the frozen one",
                  'gpt1["pre-trained"]["fine-tuned"] > gpt1["pre-trained"]["head only"]', r"assert zero_shot >= "),
            Claim("from scratch, fine-tuning beats a head on the frozen random GPT",
                  'gpt1["from scratch"]["fine-tuned"] > gpt1["from scratch"]["head only"]', r"assert zero_shot >= "),
        ),
    ),
}


# ---------------------------------------------------------------------------------------------------------------
# Pure parts: offsetting the seeds, finding asserted literals, floors (unit-tested, no notebook runs)

_SEED_CALL = re.compile(r"\b(seed_everything|manual_seed|default_rng)\((\d+)\)")
_SEED_KEYWORD = re.compile(r"\bseed=(\d+)(?=\s*[,)])")


def offset_seeds(source: str, k: int) -> tuple[str, int]:
    """`source` with every explicit integer seed n replaced by n + k; returns (new source, substitutions).

    seed_everything(0) -> seed_everything(0 + k); so do torch.manual_seed(n), np.random.default_rng(n) and a
    keyword seed=n in a call or a def. A seed held in a variable (default_rng(seed)) follows its source.
    """
    if k == 0:
        return source, 0
    source, n_calls = _SEED_CALL.subn(lambda m: f"{m[1]}({m[2]} + {k})", source)
    source, n_keywords = _SEED_KEYWORD.subn(lambda m: f"seed={m[1]} + {k}", source)
    return source, n_calls + n_keywords


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def asserted_literals(sources: list[str], pattern: str) -> list[tuple[int, float]]:
    """(index of the source, literal) of every match of `pattern` (one group: the literal) in `sources`."""
    return [(i, float(m[1])) for i, s in enumerate(sources) for m in re.finditer(pattern, s)]


def floor_of(values: list[float], metric: Metric) -> tuple[float, float]:
    """(worst seed, floor): the floor is the worst seed moved by the margin away from the good side."""
    worst = min(values) if metric.higher_is_better else max(values)
    sign = -1 if metric.higher_is_better else 1
    if metric.scale == "log":
        return worst, 10 ** (math.log10(worst) + sign * metric.margin)
    return worst, worst + sign * metric.margin


def literal_ok(literal: float, floor: float, metric: Metric) -> bool:
    """Does the notebook's asserted literal hold with the margin on every seed?"""
    return literal <= floor + 1e-12 if metric.higher_is_better else literal >= floor - 1e-12


def suggested_literal(floor: float, metric: Metric) -> float:
    """A round literal at or beyond the floor (two decimals for linear results, one digit for log ones)."""
    if metric.scale == "log":
        exponent = math.floor(math.log10(floor))
        mantissa = floor / 10**exponent
        mantissa = math.floor(mantissa) if metric.higher_is_better else math.ceil(mantissa)
        return float(f"{mantissa}e{exponent}")
    digits = 3 if abs(floor) < 0.1 else 2
    scale = 10**digits
    rounded = math.floor(floor * scale) if metric.higher_is_better else math.ceil(floor * scale)
    return round(rounded / scale, digits)


def instrument(nb, sweep: Sweep, k: int) -> tuple[object, int]:
    """A copy of `nb` whose seeds are offset by k, with a capture cell after each declared result's cell."""
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    substitutions = 0
    for cell in code_cells(nb):
        cell.source, n = offset_seeds(cell.source, k)
        substitutions += n
    after: dict[int, list[tuple[str, str]]] = {}
    for item in (*sweep.metrics, *sweep.claims):
        anchor = item.pattern if isinstance(item, Metric) else item.anchor
        where = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and re.search(anchor, c.source)]
        if not where:
            raise LookupError(f"{item.name!r}: no code cell matches {anchor!r}")
        after.setdefault(where[0], []).append((item.name, item.expr))
    for index in sorted(after, reverse=True):
        lines = ["_sweep = globals().setdefault('_sweep', {})"]
        for name, expr in after[index]:
            lines.append(f"try:\n    _sweep[{name!r}] = _sweep_value({expr})\nexcept Exception as _e:\n"
                         f"    _sweep[{name!r}] = None")
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell("\n".join(lines), metadata={"sweep": True}))
    helper = ("import numpy as _np\n\n\ndef _sweep_value(v):\n"
              "    return bool(v) if isinstance(v, (bool, _np.bool_)) else float(v)\n\n\n_sweep = {}")
    nb.cells.insert(0, nbformat.v4.new_code_cell(helper, metadata={"sweep": True}))
    nb.cells.append(nbformat.v4.new_code_cell(f"import json as _json\nprint({MARKER!r} + _json.dumps(_sweep))",
                                              metadata={"sweep": True}))
    return nb, substitutions


def read_results(nb) -> tuple[dict, list]:
    """(values printed by the last cell, errors raised by the notebook's own cells) of an executed copy."""
    values, errors, index = {}, [], -1
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if not cell.metadata.get("sweep"):
            index += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = next((line for line in cell.source.splitlines() if line.strip()), "")
                errors.append({"code_cell": index, "ename": out["ename"], "evalue": out["evalue"].splitlines()[0]
                               if out["evalue"] else "", "first_line": first[:100], "sweep_cell": bool(
                                   cell.metadata.get("sweep"))})
            elif out.get("output_type") == "stream" and MARKER in out.get("text", ""):
                line = next(t for t in out["text"].splitlines() if t.startswith(MARKER))
                values = json.loads(line[len(MARKER):])
    return values, errors


def summarise(name: str, sweep: Sweep, runs: dict, sources: list[str]) -> dict:
    """The table of one notebook from runs {seed: {"values":..., "errors":..., ...}}."""
    seeds = sorted(runs)
    table = {"seeds": seeds, "metrics": {}, "claims": {}, "errors": {}, "seconds": {}}
    for metric in sweep.metrics:
        by_seed = {s: runs[s]["values"].get(metric.name) for s in seeds}
        values = [v for v in by_seed.values() if v is not None]
        literals = [lit for _, lit in asserted_literals(sources, metric.pattern)]
        row = {"expr": metric.expr, "direction": metric.direction, "margin": metric.margin, "scale": metric.scale,
               "literal": literals[0] if literals else None, "by_seed": by_seed}
        if values and len(values) == len(seeds):
            worst, floor = floor_of(values, metric)
            row.update(worst=worst, floor=floor,
                       literal_ok=all(literal_ok(lit, floor, metric) for lit in literals) if literals else None,
                       suggested_literal=suggested_literal(floor, metric))
        table["metrics"][metric.name] = row
    for claim in sweep.claims:
        by_seed = {s: runs[s]["values"].get(claim.name) for s in seeds}
        table["claims"][claim.name] = {"expr": claim.expr, "by_seed": by_seed,
                                       "holds_on_every_seed": all(v is True for v in by_seed.values())}
    for s in seeds:
        table["errors"][s] = runs[s]["errors"]
        table["seconds"][s] = runs[s]["seconds"]
    table["substitutions"] = {s: runs[s]["substitutions"] for s in seeds}
    return table


def _fmt(v, scale="linear") -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if scale == "log" or (v != 0 and abs(v) < 1e-3):
        return f"{v:.1e}"
    return f"{v:.4f}"


def markdown(results: dict) -> str:
    """results/seed_sweep.md from the JSON table."""
    lines = ["# Seed sweep: every asserted training result, on every seed", "",
             "Made by `python3 dev.py sweep` (bench/seeds.py): each notebook executed once per seed k, with every "
             "explicit seed in its code offset by k (k = 0 is the notebook as shipped). Floor = the worst seed "
             "minus the margin (for results that must stay below a bound: the worst seed plus the margin); the "
             "notebook's asserted literal must lie at or beyond it (tests/test_floors.py). Each notebook names the "
             "machine it was swept on.", ""]
    for name, table in sorted(results["notebooks"].items()):  # as read back from JSON: seed keys are strings
        seeds = [str(s) for s in table["seeds"]]
        lines += [f"## {name}", "", f"Swept {table.get('swept_at', '?')} on {table.get('machine', '?')}; "
                  "seconds per seed: "
                  + ", ".join(f"{table['seconds'][s]:.0f}" for s in seeds), ""]
        if table["metrics"]:
            lines += ["| result | asserted | " + " | ".join(f"seed {s}" for s in seeds)
                      + " | worst | margin | floor | literal ok |", "|" + "---|" * (len(seeds) + 6)]
            for mname, row in table["metrics"].items():
                margin = f"×10^{row['margin']}" if row["scale"] == "log" else f"{row['margin']}"
                ok = {True: "✓", False: f"✗ (e.g. {row.get('suggested_literal')})", None: "—"}[row.get("literal_ok")]
                lines.append(f"| {mname} | `{row['expr']}` {row['direction']} {row['literal']} | "
                             + " | ".join(_fmt(row["by_seed"][s], row["scale"]) for s in seeds)
                             + f" | {_fmt(row.get('worst'), row['scale'])} | {margin} | "
                             f"{_fmt(row.get('floor'), row['scale'])} | {ok} |")
            lines.append("")
        if table["claims"]:
            lines += ["| claim | " + " | ".join(f"seed {s}" for s in seeds) + " | on every seed |",
                      "|" + "---|" * (len(seeds) + 2)]
            for cname, row in table["claims"].items():
                lines.append(f"| {cname} | " + " | ".join(_fmt(row["by_seed"][s]) for s in seeds)
                             + f" | {'✓' if row['holds_on_every_seed'] else '✗'} |")
            lines.append("")
        failed = [(s, e) for s in seeds for e in table["errors"][s]]
        if failed:
            lines += ["Cells that raised:", ""]
            lines += [f"- seed {s}, code cell {e['code_cell']} (`{e['first_line']}`): {e['ename']}: {e['evalue']}"
                      for s, e in failed]
        else:
            lines.append("No cell raised on any seed.")
        lines.append("")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------------------------
# Running the sweep


def run_one(path: Path, sweep: Sweep, k: int, timeout: int = 1200) -> dict:
    """Execute an instrumented copy of the notebook with seeds offset by k; its values and errors."""
    import nbformat

    from tools.notebooks import run_notebook

    nb, substitutions = instrument(nbformat.read(path, as_version=4), sweep, k)
    start = time.perf_counter()
    run_notebook(nb, path.parent, timeout=timeout, allow_errors=True)  # in memory: the stored notebook is untouched
    values, errors = read_results(nb)
    return {"values": values, "errors": errors, "substitutions": substitutions,
            "seconds": time.perf_counter() - start}


def machine_line() -> str:
    from bench.machine import describe

    return describe().line()


def main(paths: list[Path], seeds=SEEDS) -> int:
    """Sweep the notebooks, merge their tables into results/seed_sweep.json and rewrite seed_sweep.md."""
    import nbformat

    RESULTS.mkdir(exist_ok=True)
    json_path = RESULTS / "seed_sweep.json"
    results = json.loads(json_path.read_text()) if json_path.exists() else {"notebooks": {}}
    results["seeds"] = list(seeds)
    for path in paths:
        name = path.stem
        if name not in DECLARED:
            print(f"{name}: nothing declared in bench/seeds.py DECLARED, skipped", flush=True)
            continue
        runs = {}
        for k in seeds:
            print(f"{name}: seed {k} ...", flush=True)
            runs[k] = run_one(path, DECLARED[name], k)
            print(f"  {runs[k]['seconds']:.0f} s, values {runs[k]['values']}, errors {runs[k]['errors']}", flush=True)
        sources = [c.source for c in code_cells(nbformat.read(path, as_version=4))]
        table = summarise(name, DECLARED[name], runs, sources)
        table["swept_at"], table["machine"] = time.strftime("%Y-%m-%d"), machine_line()
        # Re-read before merging: another sweep (of other notebooks) may have written the file meanwhile.
        results = json.loads(json_path.read_text()) if json_path.exists() else {"notebooks": {}}
        results["seeds"] = list(seeds)
        results["notebooks"][name] = json.loads(json.dumps(table))  # int keys -> str, as they will be read back
        json_path.write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
        (RESULTS / "seed_sweep.md").write_text(markdown(results))
    print(f"wrote {json_path.relative_to(ROOT)} and seed_sweep.md", flush=True)
    return 0
